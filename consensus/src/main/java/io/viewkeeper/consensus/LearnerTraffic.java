package io.viewkeeper.consensus;

/**
 * Which messages pass between learners and the rest of the group: one list for what a learner sends and one for
 * what it takes, used both to drop anything else on arrival ({@link Ignored#LEARNER}) and to leave learners out of
 * broadcasts they would drop. A learner votes in nothing and answers no quorum request.
 */
final class LearnerTraffic {

    private LearnerTraffic() {
    }

    /** Whether {@code configuration}'s replica takes {@code message} as far as learners are concerned. */
    static boolean taken(ReplicaConfiguration configuration, Message message) {
        return (!configuration.isLearner(message.from()) || sentByLearners(message))
                && (!configuration.learner() || sentToLearners(message));
    }

    /**
     * What a learner sends: forwarded writes, acknowledgements of what it holds (they commit nothing), requests for
     * read indexes, state, checkpoints, recovery or repair; and the chunks of a checkpoint it offered a replica
     * catching up across epochs ({@link EpochProtocol}).
     */
    static boolean sentByLearners(Message message) {
        return switch (message) {
            case Message.Request m -> true;
            case Message.PrepareOk m -> true;
            case Message.ReadIndexRequest m -> true;
            case Message.GetState m -> true;
            case Message.CheckpointRequest m -> true;
            case Message.Recovery m -> true;
            case Message.RepairRequest m -> true;
            case Message.CheckpointChunk m -> true;
            case Message.EpochRequest m -> true;
            case Message.EpochState m -> true;
            case Message.EpochNotice m -> true;
            default -> false;
        };
    }

    /** What a learner takes: the log and the heartbeats, and the answers to its own requests. */
    static boolean sentToLearners(Message message) {
        return switch (message) {
            case Message.Prepare m -> true;
            case Message.Commit m -> true;
            case Message.StartView m -> true;
            case Message.NewState m -> true;
            case Message.CheckpointChunk m -> true;
            case Message.RecoveryResponse m -> true;
            case Message.RepairResponse m -> true;
            case Message.ReadIndexResponse m -> true;
            case Message.CheckpointRequest m -> true;
            case Message.EpochRequest m -> true;
            case Message.EpochState m -> true;
            case Message.EpochNotice m -> true;
            default -> false;
        };
    }
}
