package io.viewkeeper.compat;

/**
 * {@link CrossCheckTest} against three Viewkeeper replicas, each run's sessions spread over them; compared with the
 * same runs against ZooKeeper, zxids as deltas.
 */
@OnCluster
class CrossCheckOnClusterTest extends CrossCheckTest {
    @Override
    protected TargetServer.Kind target() {
        return TargetServer.Kind.CLUSTER;
    }
}
