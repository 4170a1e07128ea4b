package io.viewkeeper.server;

import io.viewkeeper.consensus.Checkpoint;
import io.viewkeeper.consensus.Message;
import io.viewkeeper.frontend.ClientInput;
import java.util.Locale;

/**
 * What the replica thread consumes, as data: the one bounded queue its duty cycle drains holds these and nothing
 * else. Each names its {@link Kind}, so inputs are counted by kind ({@code viewkeeper_replica_inputs{kind}}) and the
 * duty cycle is a switch over them rather than a queue of closures. Timers are not queued: the cycle reads its
 * clock once and ticks what is due ({@link CycleTimers}).
 */
sealed interface Input {

    /** The kinds of input, for counting; client inputs keep the frontend's finer kinds. */
    enum Kind {
        CLIENT_CONNECTION_OPENED, CLIENT_REQUEST, CLIENT_FOUR_LETTER_WORD, CLIENT_TLS_IDENTITY,
        CLIENT_CONNECTION_CLOSED, PEER_MESSAGE, PEER_SESSION_TOUCHES, PEER_LOST, PEER_REFUSED, LOG_SYNCED,
        TRANSFER_IMAGE_READY, CHECKPOINT_SAVED, ADMIN;

        /** The name in metrics and the admin endpoint: {@code client_request}. */
        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    Kind kind();

    /** A client connection's input, from its I/O thread. */
    record Client(ClientInput input) implements Input {
        @Override
        public Kind kind() {
            return switch (input.kind()) {
                case CONNECTION_OPENED -> Kind.CLIENT_CONNECTION_OPENED;
                case REQUEST -> Kind.CLIENT_REQUEST;
                case FOUR_LETTER_WORD -> Kind.CLIENT_FOUR_LETTER_WORD;
                case TLS_IDENTITY -> Kind.CLIENT_TLS_IDENTITY;
                case CONNECTION_CLOSED -> Kind.CLIENT_CONNECTION_CLOSED;
            };
        }
    }

    /** A protocol message from a peer replica. */
    record PeerMessage(Message message) implements Input {
        @Override
        public Kind kind() {
            return Kind.PEER_MESSAGE;
        }
    }

    /** Sessions a backup's clients touched, sent on to the primary, which keeps their expiry deadlines. */
    record SessionTouches(int from, long[] sessionIds) implements Input {
        @Override
        public Kind kind() {
            return Kind.PEER_SESSION_TOUCHES;
        }
    }

    /** The connection to a peer was lost. */
    record PeerLost(int index) implements Input {
        @Override
        public Kind kind() {
            return Kind.PEER_LOST;
        }
    }

    /** A peer refused this replica at its handshake. */
    record PeerRefused(int index) implements Input {
        @Override
        public Kind kind() {
            return Kind.PEER_REFUSED;
        }
    }

    /** The log writer synced a batch: the cycle reads how far the log is durable and tells the replica. */
    record LogSynced() implements Input {
        @Override
        public Kind kind() {
            return Kind.LOG_SYNCED;
        }
    }

    /** The whole snapshot of a checkpoint, read for a peer's transfer off this thread; null if it could not be. */
    record TransferImageReady(Checkpoint image) implements Input {
        @Override
        public Kind kind() {
            return Kind.TRANSFER_IMAGE_READY;
        }
    }

    /**
     * The checkpoint saver wrote the save prepared at {@code op} ({@link CheckpointSaver}): durable, or not
     * ({@code failure} says why; null when it was superseded by an installed state); {@code bug} is what broke an
     * invariant of the save, which stops the node on the replica thread.
     */
    record CheckpointSaved(long op, boolean durable, String failure, Throwable bug, boolean full, int records,
            long preparedMs, long savedMs) implements Input {
        @Override
        public Kind kind() {
            return Kind.CHECKPOINT_SAVED;
        }
    }

    /**
     * A query or command of the admin endpoint, run on the replica thread where it sees a consistent state
     * ({@code what} names it in logs); also how tests plant a failure on this thread.
     */
    record Admin(String what, Runnable job) implements Input {
        @Override
        public Kind kind() {
            return Kind.ADMIN;
        }
    }
}
