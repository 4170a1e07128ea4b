package io.viewkeeper.compat;

/** {@link ZkCliTest} against three Viewkeeper replicas, its clients spread over them. */
@OnCluster
class ZkCliOnClusterTest extends ZkCliTest {
    @Override
    protected TargetServer.Kind target() {
        return TargetServer.Kind.CLUSTER;
    }
}
