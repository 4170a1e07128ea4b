package io.viewkeeper.compat;

/** {@link AclTest} against three Viewkeeper replicas, its clients spread over them. */
@OnCluster
class AclOnClusterTest extends AclTest {
    @Override
    protected TargetServer.Kind target() {
        return TargetServer.Kind.CLUSTER;
    }
}
