package io.viewkeeper.compat;

/** {@link WatchTest} against three Viewkeeper replicas, its clients spread over them. */
@OnCluster
class WatchOnClusterTest extends WatchTest {
    @Override
    protected TargetServer.Kind target() {
        return TargetServer.Kind.CLUSTER;
    }
}
