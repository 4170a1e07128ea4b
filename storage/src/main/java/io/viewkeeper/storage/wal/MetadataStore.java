package io.viewkeeper.storage.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica metadata in two copies, {@code metadata.0} and {@code metadata.1}, each written atomically (write a
 * temporary file, fsync, rename over the copy, fsync the directory) and carrying a sequence number and a CRC32C.
 * Reading takes the valid copy with the highest sequence number, so a crash during either write, or one damaged
 * copy, leaves the metadata readable.
 */
public final class MetadataStore {
    private static final Logger log = LoggerFactory.getLogger(MetadataStore.class);
    private static final long MAGIC = 0x564B4D4554414441L; // "VKMETADA"
    static final int FORMAT_VERSION = 2;
    private static final int CONFIGURATION_BYTES_MAX = 64 * 1024;
    private static final String[] COPIES = {"metadata.0", "metadata.1"};

    private final Path directory;
    private final ChannelOpener opener;
    private long sequence;

    private MetadataStore(Path directory, ChannelOpener opener, long sequence) {
        this.directory = directory;
        this.opener = opener;
        this.sequence = sequence;
    }

    /** The metadata found in {@code directory} and a store to update it; empty when there is none yet. */
    public record Loaded(MetadataStore store, Optional<ReplicaMetadata> metadata) {
    }

    /**
     * Reads the metadata. No copy at all means a directory never used; copies that exist but all fail their checks
     * throw, as does a copy written by a newer format: the state they describe is unknown, and nothing is
     * overwritten.
     */
    public static Loaded open(Path directory, ChannelOpener opener) throws IOException {
        Files.createDirectories(directory);
        ReplicaMetadata best = null;
        long bestSequence = 0;
        int present = 0;
        StringBuilder problems = new StringBuilder();
        for (String copy : COPIES) {
            Path path = directory.resolve(copy);
            if (!Files.exists(path)) {
                continue;
            }
            present++;
            ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(path));
            String problem = check(bytes);
            if (problem != null) {
                problems.append(copy).append(": ").append(problem).append("; ");
                continue;
            }
            long copySequence = bytes.getLong(12);
            if (best == null || copySequence > bestSequence) {
                best = decode(bytes);
                bestSequence = copySequence;
            }
        }
        if (present > 0 && best == null) {
            throw new CorruptStorageException("replica metadata in " + directory + " is unreadable: " + problems);
        }
        if (!problems.isEmpty()) {
            log.warn("one copy of the replica metadata is bad and will be rewritten: {}", problems);
        }
        return new Loaded(new MetadataStore(directory, opener, bestSequence), Optional.ofNullable(best));
    }

    /** A store that will replace copies which failed their checks (their state is being recovered from peers). */
    public static MetadataStore replacing(Path directory, ChannelOpener opener) {
        return new MetadataStore(directory, opener, 0);
    }

    /** Durably replaces the metadata: both copies, one after the other. */
    public synchronized void write(ReplicaMetadata metadata) throws IOException {
        sequence++;
        byte[] bytes = encode(metadata, sequence);
        for (String copy : COPIES) {
            DurableFiles.replace(opener, directory.resolve(copy + ".tmp"), directory.resolve(copy),
                    ByteBuffer.wrap(bytes), bytes.length);
        }
    }

    static byte[] encode(ReplicaMetadata metadata, long sequence) {
        byte[] configuration = metadata.configuration().getBytes(StandardCharsets.UTF_8);
        if (configuration.length > CONFIGURATION_BYTES_MAX) {
            throw new IllegalArgumentException("configuration text of " + configuration.length + " bytes");
        }
        byte[] members = metadata.members();
        ByteBuffer out = ByteBuffer.allocate(8 + 4 + 8 + 8 + 4 + 8 * 3 + 4 + configuration.length + 4
                + members.length + 8 + 4);
        out.putLong(MAGIC).putInt(FORMAT_VERSION).putLong(sequence).putLong(metadata.clusterId())
                .putInt(metadata.replicaId()).putLong(metadata.view()).putLong(metadata.lastNormalView())
                .putLong(metadata.epoch()).putInt(configuration.length).put(configuration)
                .putInt(members.length).put(members).putLong(metadata.membersOp());
        out.putInt(WalFormat.crc(out, 0, out.position()));
        return out.array();
    }

    /** Why these bytes are not a metadata copy this version can use, or null when they are. */
    private static String check(ByteBuffer bytes) {
        if (bytes.limit() < 64 || bytes.getLong(0) != MAGIC) {
            return "not a metadata file";
        }
        if (bytes.getInt(bytes.limit() - 4) != WalFormat.crc(bytes, 0, bytes.limit() - 4)) {
            return "checksum mismatch";
        }
        if (bytes.getInt(8) > FORMAT_VERSION) {
            return "written by a newer format (" + bytes.getInt(8) + ")";
        }
        int configurationBytes = bytes.getInt(56);
        if (configurationBytes < 0 || 60L + configurationBytes + 4 > bytes.limit()) {
            return "bad length";
        }
        if (bytes.getInt(8) == 1) {
            return 60 + configurationBytes + 4 == bytes.limit() ? null : "bad length";
        }
        int membersAt = 60 + configurationBytes;
        if (membersAt + 4 > bytes.limit() - 4) {
            return "bad length";
        }
        int membersBytes = bytes.getInt(membersAt);
        if (membersBytes < 0 || membersBytes > ReplicaMetadata.MEMBERS_BYTES_MAX
                || (long) membersAt + 4 + membersBytes + 8 + 4 != bytes.limit()) {
            return "bad length";
        }
        return null;
    }

    private static ReplicaMetadata decode(ByteBuffer bytes) {
        byte[] configuration = new byte[bytes.getInt(56)];
        bytes.get(60, configuration);
        byte[] members = new byte[0];
        long membersOp = 0;
        if (bytes.getInt(8) >= 2) {
            int membersAt = 60 + configuration.length;
            members = new byte[bytes.getInt(membersAt)];
            bytes.get(membersAt + 4, members);
            membersOp = bytes.getLong(membersAt + 4 + members.length);
        }
        return new ReplicaMetadata(bytes.getLong(20), bytes.getInt(28), new String(configuration,
                StandardCharsets.UTF_8), bytes.getLong(32), bytes.getLong(40), bytes.getLong(48), members, membersOp);
    }
}
