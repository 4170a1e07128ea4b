package io.viewkeeper.server.replay;

import io.viewkeeper.consensus.DurableState;
import io.viewkeeper.consensus.Outbox;
import io.viewkeeper.consensus.Replica;
import io.viewkeeper.consensus.ReplicaConfiguration;
import io.viewkeeper.consensus.ReplicaOptions;
import java.util.SplittableRandom;

/**
 * How a replica's consensus core is built at start, as data: the node builds it from this, and an input log
 * records it so that {@link InputReplay} builds the same core offline. {@code seed} seeds the core's PRNG
 * (its randomized timeouts); {@code durable} is what the disk held, for a restart only.
 */
public record ReplicaStart(Kind kind, ReplicaConfiguration configuration, ReplicaOptions options, long seed,
                           DurableState durable) {

    /** Which of the core's starts: a new one-replica group, from the disk, recovering from peers, or empty. */
    public enum Kind {
        NEW_SINGLE, RESTART, RECOVERING, PRISTINE
    }

    public ReplicaStart {
        if ((kind == Kind.RESTART) != (durable != null)) {
            throw new IllegalArgumentException("a restart, and only a restart, starts from durable state: " + kind);
        }
    }

    /** Builds the core with {@code outbox} as its effects. */
    public Replica create(Outbox outbox) {
        SplittableRandom random = new SplittableRandom(seed);
        return switch (kind) {
            case NEW_SINGLE -> new Replica(configuration, options, outbox, random);
            case RESTART -> Replica.restart(configuration, options, outbox, random, durable);
            case RECOVERING -> Replica.recovering(configuration, options, outbox, random);
            case PRISTINE -> Replica.pristine(configuration, options, outbox, random);
        };
    }
}
