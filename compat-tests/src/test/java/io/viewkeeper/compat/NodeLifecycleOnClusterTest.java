package io.viewkeeper.compat;

/** {@link NodeLifecycleTest} against three Viewkeeper replicas, its clients spread over them. */
@OnCluster
class NodeLifecycleOnClusterTest extends NodeLifecycleTest {
    @Override
    protected TargetServer.Kind target() {
        return TargetServer.Kind.CLUSTER;
    }
}
