package io.viewkeeper.compat;

import org.junit.jupiter.api.Disabled;

/**
 * {@link CrossCheckTest} against three Viewkeeper replicas, each run's sessions spread over them; compared with the
 * same runs against ZooKeeper, zxids as deltas.
 */
@OnCluster
@Disabled("server bug: a closeSession sent as the first request after a session re-attaches on another replica "
        + "(its first connection still open on the old one) gets no reply for ~20 s and does not end the session: "
        + "its ephemerals stay and no closeSession zxid is taken, so every 'expire' step diverges from ZooKeeper")
class CrossCheckOnClusterTest extends CrossCheckTest {
    @Override
    protected TargetServer.Kind target() {
        return TargetServer.Kind.CLUSTER;
    }
}
