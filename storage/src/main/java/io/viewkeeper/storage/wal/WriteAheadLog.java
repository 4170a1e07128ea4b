package io.viewkeeper.storage.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica's write-ahead log: segment files {@code <first op>.wal} in one directory, each preallocated to
 * {@link Options#segmentBytes} and holding whole batches (see {@link WalFormat}). A batch is one write; {@link #sync}
 * makes every batch written so far durable (one fsync for all of them: group commit is the caller forming batches
 * while the previous sync runs). Opening the log cuts a torn tail and reports damage; it never invents entries.
 *
 * <p>Not thread-safe by itself: the methods are synchronized so that the writer thread and the replica thread
 * (truncate, release, reset) can share it.
 */
public final class WriteAheadLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WriteAheadLog.class);
    private static final String SUFFIX = ".wal";
    /** A segment being rewritten by a truncation; one found on open is a crash's, and the segment is intact. */
    private static final String CUT_SUFFIX = ".cut";
    private static final String RESET_MARKER = "reset-pending";
    /**
     * Names the last op an unreadable last write may have held, from when the open found it (before it cut those
     * bytes) until the replica resolved it with its peers ({@link #resolveTail}): a restart in between finds the
     * doubt again, not a clean log.
     */
    private static final String TAIL_MARKER = "tail-unresolved";

    /**
     * {@code segmentBytes}: the preallocated size of a segment (a larger batch gets a segment of its own size);
     * {@code fsync}: whether {@link #sync} forces data to the device ({@code fsync=never} trades durability for
     * speed); {@code recordBytesMax}: the largest entry body accepted, a limit also applied when reading.
     */
    public record Options(long segmentBytes, boolean fsync, int recordBytesMax) {
        public Options {
            if (segmentBytes < WalFormat.HEADER_BYTES * 2L || segmentBytes > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("segment size out of range: " + segmentBytes);
            }
            if (recordBytesMax < 1) {
                throw new IllegalArgumentException("record limit must be positive: " + recordBytesMax);
            }
        }

        public static Options defaults() {
            return new Options(64L * 1024 * 1024, true, 64 * 1024 * 1024);
        }
    }

    /**
     * What opening found: the entries after {@code baseOp} in order, the ops whose records are damaged between
     * intact ones ({@code holes}, skipped in {@code records}; {@link #repair} rewrites them), a description of
     * damage the log could not skip, or null, and, when the last write could not be read, at most how many ops
     * after the last one it may have held ({@code uncertainTailOps}, 0 when none; {@link #resolveTail} ends it).
     */
    public record Contents(long baseOp, List<WalRecord> records, List<Hole> holes, String damage,
                           int uncertainTailOps) {
        public Contents {
            records = List.copyOf(records);
            holes = List.copyOf(holes);
        }

        public Contents(long baseOp, List<WalRecord> records, List<Hole> holes, String damage) {
            this(baseOp, records, holes, damage, 0);
        }

        public long lastOp() {
            long last = records.isEmpty() ? baseOp : records.get(records.size() - 1).op();
            return holes.isEmpty() ? last : Math.max(last, holes.get(holes.size() - 1).op());
        }
    }

    /**
     * A damaged entry record between intact ones: its op, and the hash chain at that op when the record that ended
     * its batch names it ({@code chainKnown}); otherwise the intact record after it names it through its own chain.
     */
    public record Hole(long op, boolean chainKnown, long chain) {
    }

    private record Segment(Path path, long firstOp, long lastOp) {
    }

    /** Where a damaged record lies, for {@link #repair}. */
    private record HoleAt(Path path, int offset, int recordBytes) {
    }

    private final Path directory;
    private final Options options;
    private final ChannelOpener opener;
    private final TreeMap<Long, Segment> segments = new TreeMap<>();
    private FileChannel active;
    private long activeCapacity;
    private long writePosition;
    private long lastOp;
    private boolean dirty;
    private final TreeMap<Long, HoleAt> holes = new TreeMap<>();
    /** The last op an unreadable last write may have held, until resolved; 0 when none. */
    private long unreadableThroughOp;

    private WriteAheadLog(Path directory, Options options, ChannelOpener opener) {
        this.directory = directory;
        this.options = options;
        this.opener = opener;
    }

    /**
     * Opens (creating if needed) the log in {@code directory}. Entries at or below {@code checkpointOp} are not
     * returned. A reset interrupted after the checkpoint it was for became durable is finished here.
     */
    public static Opened open(Path directory, Options options, ChannelOpener opener, long checkpointOp)
            throws IOException {
        Files.createDirectories(directory);
        WriteAheadLog wal = new WriteAheadLog(directory, options, opener);
        Contents contents = wal.load(checkpointOp);
        return new Opened(wal, contents);
    }

    /** The log and what it held when opened. */
    public record Opened(WriteAheadLog log, Contents contents) {
    }

    private Contents load(long checkpointOp) throws IOException {
        Path marker = directory.resolve(RESET_MARKER);
        if (Files.exists(marker)) {
            long resetOp = Long.parseLong(Files.readString(marker).trim());
            if (resetOp == checkpointOp) {
                log.info("finishing a log reset to op {} that a crash interrupted", resetOp);
                deleteSegments(listFiles(directory, SUFFIX));
            }
            Files.delete(marker);
            syncDirectory();
        }
        for (Path leftover : listFiles(directory, CUT_SUFFIX)) {
            Files.delete(leftover);
        }
        Files.deleteIfExists(directory.resolve(RESET_MARKER + ".tmp")); // a marker whose write a crash cut short
        Files.deleteIfExists(directory.resolve(TAIL_MARKER + ".tmp"));
        unreadableThroughOp = unresolvedTail(directory);
        List<Path> paths = listFiles(directory, SUFFIX);
        List<WalRecord> records = new ArrayList<>();
        List<Hole> found = new ArrayList<>();
        lastOp = checkpointOp;
        for (int i = 0; i < paths.size(); i++) {
            boolean last = i == paths.size() - 1;
            String damage = loadSegment(paths.get(i), last, records, found, checkpointOp);
            if (damage != null) {
                return new Contents(checkpointOp, records, found, paths.get(i).getFileName() + ": " + damage);
            }
        }
        int uncertain = unreadableThroughOp == 0 ? 0
                : (int) Math.min(Integer.MAX_VALUE / 2, Math.max(1, unreadableThroughOp - lastOp));
        return new Contents(checkpointOp, records, found, null, uncertain);
    }

    /** Records durably that the last write may have held ops up to {@code throughOp}, before its bytes are cut. */
    private void writeTailMarker(long throughOp) throws IOException {
        unreadableThroughOp = Math.max(unreadableThroughOp, throughOp);
        byte[] text = Long.toString(unreadableThroughOp).getBytes(StandardCharsets.US_ASCII);
        DurableFiles.replace(opener, directory.resolve(TAIL_MARKER + ".tmp"), directory.resolve(TAIL_MARKER),
                ByteBuffer.wrap(text), text.length);
    }

    /**
     * Ends the doubt over the unreadable last write the open reported: appends {@code taken} (entries the peers
     * hold after the last op, possibly none), syncs them, and only then forgets the doubt.
     */
    public synchronized void resolveTail(List<WalRecord> taken) throws IOException {
        if (unreadableThroughOp == 0) {
            throw new IllegalStateException("no unreadable last write to resolve");
        }
        unreadableThroughOp = 0;
        append(taken);
        sync();
        Files.deleteIfExists(directory.resolve(TAIL_MARKER));
        syncDirectory();
        log.info("the unreadable last write is resolved with the peers; {} entries taken from them", taken.size());
    }

    /** Reads one segment into {@code records} and {@code found}; returns a description of damage, or null. */
    private String loadSegment(Path path, boolean last, List<WalRecord> records, List<Hole> found,
            long checkpointOp) throws IOException {
        ByteBuffer content = readFully(opener, path);
        long firstOp = WalFormat.readHeader(content);
        if (firstOp == -2) {
            throw new CorruptStorageException(path + " was written by a newer format of the log; not touching it");
        }
        if (firstOp < 0) {
            // The header is synced before any batch is written: with anything written after it, it was damaged since.
            if (last && SegmentScan.zeroFrom(content, WalFormat.HEADER_BYTES)) {
                log.warn("removing log segment {}: its creation was cut short by a crash", path.getFileName());
                Files.delete(path);
                syncDirectory();
                return null;
            }
            return "the segment header fails its checksum";
        }
        long expected = segments.isEmpty() ? firstOp : segments.lastEntry().getValue().lastOp() + 1;
        if (firstOp != expected) {
            return "the segment starts at op " + firstOp + " but op " + expected + " was expected";
        }
        SegmentScan scan = SegmentScan.of(content, firstOp, WalFormat.ENTRY_FIXED_BYTES + options.recordBytesMax());
        if (scan.damage() != null) {
            return scan.damage();
        }
        if (scan.tailWritten() && !last) {
            return "an incomplete batch ends a segment that is not the last";
        }
        if (scan.sealAt() >= 0) {
            seal(path, scan);
        }
        segments.put(firstOp, new Segment(path, firstOp, scan.lastOp()));
        for (WalRecord record : scan.records()) {
            if (record.op() > checkpointOp) {
                records.add(record);
            }
        }
        for (SegmentScan.Hole hole : scan.holes()) {
            if (hole.op() > checkpointOp) {
                log.warn("log segment {}: the record of op {} at offset {} fails its checks between intact ones; "
                        + "it will be repaired from a peer", path.getFileName(), hole.op(), hole.offset());
                found.add(new Hole(hole.op(), hole.chainKnown(), hole.chain()));
                holes.put(hole.op(), new HoleAt(path, hole.offset(), hole.recordBytes()));
            }
        }
        lastOp = Math.max(lastOp, scan.lastOp());
        if (last) {
            if (scan.unreadableEnd() >= 0) {
                int bytes = scan.unreadableEnd() - scan.goodEnd();
                // The bound counts the segment's whole room after the last complete batch, not just the bytes that
                // read back as written: a damaged write may end in bytes that read as zero.
                int room = content.limit() - scan.goodEnd();
                int minRecord = WalFormat.RECORD_PREFIX_BYTES + WalFormat.ENTRY_FIXED_BYTES;
                long throughOp = Math.max(lastOp, checkpointOp) + Math.max(1, (room + minRecord - 1) / minRecord);
                log.warn("log segment {}: the last write after op {} cannot be read ({} bytes) and may have held ops "
                        + "through op {}; the replica resolves it with its peers before it starts",
                        path.getFileName(), scan.lastOp(), bytes, throughOp);
                writeTailMarker(throughOp);
            } else if (scan.tailWritten()) {
                log.warn("cutting a torn tail from log segment {} after op {}", path.getFileName(), scan.lastOp());
            }
            activate(path, scan.goodEnd(), content.limit(), scan.tailWritten());
        }
        return null;
    }

    /**
     * Writes the end record the segment's last batch lacks (its entries are intact; the record that ends them failed
     * its checks or is missing) and syncs it, so the batch is complete from now on.
     */
    private void seal(Path path, SegmentScan scan) throws IOException {
        WalRecord lastRecord = scan.records().get(scan.records().size() - 1);
        ByteBuffer end = ByteBuffer.allocate(WalFormat.RECORD_PREFIX_BYTES + WalFormat.BATCH_END_BYTES);
        WalFormat.putBatchEnd(end, lastRecord.op(), lastRecord.chain());
        end.flip();
        log.warn("log segment {}: the last batch's entries are intact but its end record at offset {} is not; "
                + "keeping the batch up to op {}", path.getFileName(), scan.sealAt(), lastRecord.op());
        try (FileChannel channel = opener.open(path, StandardOpenOption.WRITE)) {
            long position = scan.sealAt();
            while (end.hasRemaining()) {
                position += channel.write(end, position);
            }
            channel.force(false);
        }
    }

    /**
     * Writes entries fetched from peers in place of the damaged records {@link #open} reported, and syncs them. Each
     * must be one of those ops and encode to the damaged record's length (an entry with the same checksum and chain
     * does); anything else is refused before a byte is written.
     */
    public synchronized void repair(List<WalRecord> repaired) throws IOException {
        List<ByteBuffer> encoded = new ArrayList<>(repaired.size());
        for (WalRecord record : repaired) {
            HoleAt at = holes.get(record.op());
            if (at == null) {
                throw new IllegalStateException("repair of op " + record.op() + ", which is not a damaged record");
            }
            ByteBuffer bytes = WalFormat.encodeEntry(record);
            if (bytes.remaining() != at.recordBytes()) {
                throw new CorruptStorageException("the repaired entry of op " + record.op() + " is "
                        + bytes.remaining() + " bytes where the damaged record is " + at.recordBytes());
            }
            encoded.add(bytes);
        }
        java.util.Set<Path> touched = new java.util.HashSet<>();
        for (int i = 0; i < repaired.size(); i++) {
            HoleAt at = holes.get(repaired.get(i).op());
            try (FileChannel channel = opener.open(at.path(), StandardOpenOption.WRITE)) {
                ByteBuffer bytes = encoded.get(i);
                long position = at.offset();
                while (bytes.hasRemaining()) {
                    position += channel.write(bytes, position);
                }
                channel.force(false);
            }
            touched.add(at.path());
            holes.remove(repaired.get(i).op());
        }
        log.info("repaired {} damaged log records in {} segments", repaired.size(), touched.size());
    }

    /** The damaged records {@link #open} reported that are not repaired yet. */
    public synchronized int holesLeft() {
        return holes.size();
    }

    private void activate(Path path, long position, long capacity, boolean cut) throws IOException {
        active = opener.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        activeCapacity = capacity;
        writePosition = position;
        if (cut) {
            active.truncate(position);
            active.write(ByteBuffer.allocate(1), capacity - 1);
            active.force(true);
        }
    }

    /**
     * Writes one batch (without syncing it). Entries must continue the log: the first op is one past the last.
     * A batch that does not fit in the active segment starts a new one.
     */
    public synchronized void append(List<WalRecord> batch) throws IOException {
        if (unreadableThroughOp != 0) {
            throw new IllegalStateException("append before the unreadable last write was resolved");
        }
        if (batch.isEmpty()) {
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            WalRecord record = batch.get(i);
            if (record.op() != lastOp + 1 + i) {
                throw new IllegalStateException("append of op " + record.op() + " after op " + (lastOp + i));
            }
            if (record.body().length > options.recordBytesMax()) {
                throw new IllegalArgumentException("entry of " + record.body().length + " bytes over the limit");
            }
        }
        ByteBuffer bytes = WalFormat.encodeBatch(batch);
        if (active == null || writePosition + bytes.remaining() > activeCapacity) {
            roll(batch.get(0).op(), bytes.remaining());
        }
        long position = writePosition;
        while (bytes.hasRemaining()) {
            position += active.write(bytes, position);
        }
        writePosition = position;
        lastOp = batch.get(batch.size() - 1).op();
        Map.Entry<Long, Segment> current = segments.lastEntry();
        segments.put(current.getKey(), new Segment(current.getValue().path(), current.getKey(), lastOp));
        dirty = true;
    }

    private void roll(long firstOp, int batchBytes) throws IOException {
        if (active != null) {
            if (dirty && options.fsync()) {
                active.force(false);
            }
            dirty = false;
            active.close();
        }
        long capacity = Math.max(options.segmentBytes(), (long) WalFormat.HEADER_BYTES + batchBytes);
        Path path = directory.resolve(String.format(Locale.ROOT, "%020d", firstOp) + SUFFIX);
        FileChannel channel = opener.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        ByteBuffer header = WalFormat.header(firstOp);
        while (header.hasRemaining()) {
            channel.write(header, header.position());
        }
        channel.write(ByteBuffer.allocate(1), capacity - 1);
        channel.force(true);
        active = channel;
        activeCapacity = capacity;
        writePosition = WalFormat.HEADER_BYTES;
        segments.put(firstOp, new Segment(path, firstOp, firstOp - 1));
        syncDirectory();
    }

    /** Makes every batch appended so far durable (a no-op with {@code fsync=never}). */
    public synchronized void sync() throws IOException {
        if (dirty && options.fsync()) {
            active.force(false);
        }
        dirty = false;
    }

    /** Durably discards every entry after {@code op}. */
    public synchronized void truncateAfter(long op) throws IOException {
        if (op >= lastOp) {
            return;
        }
        sync();
        List<Path> drop = new ArrayList<>();
        for (Segment segment : List.copyOf(segments.tailMap(op + 1, true).descendingMap().values())) {
            drop.add(segment.path());
            segments.remove(segment.firstOp());
        }
        closeActive();
        deleteSegments(drop);
        lastOp = op;
        holes.tailMap(op, false).clear();
        Map.Entry<Long, Segment> holder = segments.lastEntry();
        if (holder != null && holder.getValue().lastOp() > op) {
            cutSegmentAfter(holder.getValue(), op);
        }
    }

    /**
     * Rewrites {@code segment} so that its last complete batch ends at {@code op}: the kept prefix and a batch end go
     * to a new file that replaces the segment by an atomic rename, so a crash leaves the old segment or the new one.
     */
    private void cutSegmentAfter(Segment segment, long op) throws IOException {
        ByteBuffer content = readFully(opener, segment.path());
        int position = WalFormat.HEADER_BYTES;
        long chain = 0;
        while (position + WalFormat.RECORD_PREFIX_BYTES < content.limit()) {
            int length = content.getInt(position);
            if (length <= 0) {
                break;
            }
            if (content.get(position + WalFormat.RECORD_PREFIX_BYTES) == WalFormat.TYPE_ENTRY) {
                WalRecord record = WalFormat.readEntry(content, position);
                if (record.op() > op) {
                    break;
                }
                chain = record.chain();
            }
            position += WalFormat.RECORD_PREFIX_BYTES + length;
        }
        ByteBuffer kept = ByteBuffer.allocate(position + WalFormat.RECORD_PREFIX_BYTES + WalFormat.BATCH_END_BYTES);
        kept.put(content.array(), 0, position);
        WalFormat.putBatchEnd(kept, op, chain);
        kept.flip();
        Path temporary = segment.path().resolveSibling(segment.path().getFileName() + CUT_SUFFIX);
        DurableFiles.replace(opener, temporary, segment.path(), kept, content.limit());
        activate(segment.path(), kept.limit(), content.limit(), false);
        segments.put(segment.firstOp(), new Segment(segment.path(), segment.firstOp(), op));
    }

    /** Deletes the segments whose every entry is at or below {@code op}, except the one being written. */
    public synchronized void releaseUpTo(long op) throws IOException {
        if (segments.isEmpty()) {
            return;
        }
        long writing = segments.lastKey();
        List<Path> drop = new ArrayList<>();
        for (Segment segment : List.copyOf(segments.values())) {
            if (segment.lastOp() <= op && segment.firstOp() != writing) {
                drop.add(segment.path());
                segments.remove(segment.firstOp());
            }
        }
        deleteSegments(drop);
    }

    /**
     * Step one of replacing the log by a checkpoint at {@code op}: records the intent durably, so that a crash
     * after the checkpoint is durable but before {@link #reset} still discards the stale entries on open. The
     * marker is put in place by a rename, so a crash while writing it leaves no marker rather than a torn one.
     */
    public synchronized void beginReset(long op) throws IOException {
        sync();
        byte[] text = Long.toString(op).getBytes(StandardCharsets.US_ASCII);
        DurableFiles.replace(opener, directory.resolve(RESET_MARKER + ".tmp"), directory.resolve(RESET_MARKER),
                ByteBuffer.wrap(text), text.length);
    }

    /** Step two: the checkpoint at {@code op} is durable; every entry is discarded and the log continues at op. */
    public synchronized void reset(long op) throws IOException {
        closeActive();
        deleteSegments(listFiles(directory, SUFFIX)); // damaged segments the open did not take in go too
        segments.clear();
        holes.clear();
        lastOp = op;
        unreadableThroughOp = 0;
        Files.deleteIfExists(directory.resolve(TAIL_MARKER));
        Files.deleteIfExists(directory.resolve(RESET_MARKER));
        syncDirectory();
    }

    public synchronized long lastOp() {
        return lastOp;
    }

    /**
     * One segment as {@link #inspect} finds it: its op range, whether a torn tail follows, the ops of damaged
     * records between intact ones, and any damage it cannot read past.
     */
    public record SegmentReport(String file, long firstOp, long lastOp, int entries, long bytes, boolean tornTail,
                                boolean unreadableTail, List<Long> damagedOps, String damage) {
    }

    /**
     * The last op an unreadable last write may have held, as an earlier open recorded it before cutting the bytes
     * and no replica has resolved yet; 0 when there is none. Changes nothing.
     */
    public static long unresolvedTail(Path directory) throws IOException {
        Path marker = directory.resolve(TAIL_MARKER);
        if (!Files.exists(marker)) {
            return 0;
        }
        String text = Files.readString(marker, StandardCharsets.US_ASCII).trim();
        try {
            long op = Long.parseLong(text);
            if (op > 0) {
                return op;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CorruptStorageException(marker + " does not name an op: '" + text + "'; not touching the log");
    }

    /**
     * Reads every segment in {@code directory} and checks it, changing nothing (no torn tail is cut): for an
     * offline look at a data directory.
     */
    public static List<SegmentReport> inspect(Path directory, int recordBytesMax) throws IOException {
        List<SegmentReport> reports = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return reports;
        }
        for (Path path : listFiles(directory, SUFFIX)) {
            ByteBuffer content = readFully(ChannelOpener.DIRECT, path);
            long firstOp = WalFormat.readHeader(content);
            String name = path.getFileName().toString();
            if (firstOp < 0) {
                reports.add(new SegmentReport(name, -1, -1, 0, content.limit(), false, false, List.of(),
                        firstOp == -2 ? "written by a newer format" : "the segment header fails its checksum"));
                continue;
            }
            SegmentScan scan = SegmentScan.of(content, firstOp, WalFormat.ENTRY_FIXED_BYTES + recordBytesMax);
            reports.add(new SegmentReport(name, firstOp, scan.lastOp(), scan.records().size(), content.limit(),
                    scan.tailWritten() && scan.damage() == null, scan.unreadableEnd() >= 0 && scan.damage() == null,
                    scan.holes().stream().map(SegmentScan.Hole::op).toList(), scan.damage()));
        }
        return reports;
    }

    @Override
    public synchronized void close() throws IOException {
        sync();
        closeActive();
    }

    private void closeActive() throws IOException {
        if (active != null) {
            active.close();
            active = null;
        }
        dirty = false;
    }

    /** The files in {@code directory} whose names end in {@code suffix}, in name order (op order for segments). */
    private static List<Path> listFiles(Path directory, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    private void deleteSegments(List<Path> paths) throws IOException {
        for (Path path : paths) {
            Files.deleteIfExists(path);
        }
        if (!paths.isEmpty()) {
            syncDirectory();
        }
    }

    private static ByteBuffer readFully(ChannelOpener opener, Path path) throws IOException {
        try (FileChannel channel = opener.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE) {
                throw new CorruptStorageException(path + " is larger than any segment this log writes");
            }
            ByteBuffer content = ByteBuffer.allocate((int) size);
            while (content.hasRemaining() && channel.read(content, content.position()) >= 0) {
                // read until full
            }
            return content.flip();
        }
    }

    private void syncDirectory() throws IOException {
        DurableFiles.syncDirectory(directory);
    }
}
