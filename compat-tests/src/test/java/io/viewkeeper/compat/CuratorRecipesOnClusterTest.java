package io.viewkeeper.compat;

/** {@link CuratorRecipesTest} against three Viewkeeper replicas, its clients spread over them. */
@OnCluster
class CuratorRecipesOnClusterTest extends CuratorRecipesTest {
    @Override
    protected TargetServer.Kind target() {
        return TargetServer.Kind.CLUSTER;
    }
}
