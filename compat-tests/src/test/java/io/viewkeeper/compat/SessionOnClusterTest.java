package io.viewkeeper.compat;

/** {@link SessionTest} against three Viewkeeper replicas, its clients spread over them. */
@OnCluster
class SessionOnClusterTest extends SessionTest {
    @Override
    protected TargetServer.Kind target() {
        return TargetServer.Kind.CLUSTER;
    }
}
