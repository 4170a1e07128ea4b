package io.viewkeeper.compat;

/** {@link ClientOperationsTest} against three Viewkeeper replicas, its clients spread over them. */
@OnCluster
class ClientOperationsOnClusterTest extends ClientOperationsTest {
    @Override
    protected TargetServer.Kind target() {
        return TargetServer.Kind.CLUSTER;
    }
}
