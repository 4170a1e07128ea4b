package io.viewkeeper.storage.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A disk that crashes at a chosen write or fsync. Writes reach the file at once (so reads see them), but until the
 * file is forced each keeps an undo record; {@link #crash} rolls unsynced writes back, newest first, optionally
 * leaving a torn prefix of the oldest one, as a power loss can. Every channel operation after the crash point
 * throws, as a dead process would do nothing more.
 */
final class CrashingDisk implements ChannelOpener {

    static final class Crash extends IOException {
        Crash() {
            super("simulated crash");
        }
    }

    private record Undo(Path path, long position, byte[] before, long sizeBefore, int written) {
    }

    private final Map<Path, Deque<Undo>> unsynced = new HashMap<>();
    private final long crashAtOperation;
    private long operations;
    private boolean crashed;

    CrashingDisk(long crashAtOperation) {
        this.crashAtOperation = crashAtOperation;
    }

    long operations() {
        return operations;
    }

    boolean crashed() {
        return crashed;
    }

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        if (crashed) {
            throw new Crash();
        }
        java.util.Set<OpenOption> withRead = new java.util.HashSet<>(java.util.Arrays.asList(options));
        withRead.add(java.nio.file.StandardOpenOption.READ); // to keep undo records of what a write overwrites
        return new Channel(path, FileChannel.open(path, withRead));
    }

    /** Rolls back every unsynced write; with {@code tear}, keeps a random proper prefix of the oldest one. */
    void crash(boolean tear, SplittableRandom random) throws IOException {
        crashed = true;
        for (Map.Entry<Path, Deque<Undo>> file : unsynced.entrySet()) {
            Deque<Undo> undos = file.getValue();
            if (undos.isEmpty()) {
                continue;
            }
            Undo oldest = undos.peekLast();
            try (FileChannel channel = FileChannel.open(file.getKey(), java.nio.file.StandardOpenOption.WRITE)) {
                while (!undos.isEmpty()) {
                    Undo undo = undos.pollFirst();
                    channel.write(ByteBuffer.wrap(undo.before()), undo.position());
                    channel.truncate(undo.sizeBefore());
                }
                if (tear && oldest.written() > 1) {
                    int keep = random.nextInt(1, oldest.written());
                    channel.write(ByteBuffer.wrap(tornBytes(oldest, keep)), oldest.position());
                }
            }
        }
        unsynced.clear();
    }

    private final Map<Undo, byte[]> writtenBytes = new HashMap<>();

    private byte[] tornBytes(Undo undo, int keep) {
        byte[] all = writtenBytes.get(undo);
        byte[] prefix = new byte[keep];
        System.arraycopy(all, 0, prefix, 0, keep);
        return prefix;
    }

    private void step() throws IOException {
        if (crashed) {
            throw new Crash();
        }
        operations++;
        if (operations == crashAtOperation) {
            crashed = true;
            throw new Crash();
        }
    }

    private final class Channel extends FileChannel {
        private final Path path;
        private final FileChannel real;

        Channel(Path path, FileChannel real) {
            this.path = path;
            this.real = real;
        }

        @Override
        public int write(ByteBuffer source, long position) throws IOException {
            step();
            long size = real.size();
            int length = source.remaining();
            int overlap = (int) Math.max(0, Math.min(length, size - position));
            byte[] before = new byte[overlap];
            real.read(ByteBuffer.wrap(before), position);
            byte[] bytes = new byte[length];
            source.duplicate().get(bytes);
            Undo undo = new Undo(path, position, before, size, length);
            writtenBytes.put(undo, bytes);
            unsynced.computeIfAbsent(path, p -> new ArrayDeque<>()).addFirst(undo);
            return real.write(source, position);
        }

        @Override
        public void force(boolean metaData) throws IOException {
            step();
            real.force(metaData);
            Deque<Undo> undos = unsynced.get(path);
            if (undos != null) {
                undos.clear();
            }
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            step();
            real.truncate(size);
            Deque<Undo> undos = unsynced.get(path);
            if (undos != null) {
                undos.clear();
            }
            return this;
        }

        @Override
        public int read(ByteBuffer destination, long position) throws IOException {
            if (crashed) {
                throw new Crash();
            }
            return real.read(destination, position);
        }

        @Override
        public int read(ByteBuffer destination) throws IOException {
            throw new UnsupportedOperationException("positional reads only");
        }

        @Override
        public long read(ByteBuffer[] destinations, int offset, int length) {
            throw new UnsupportedOperationException("positional reads only");
        }

        @Override
        public int write(ByteBuffer source) {
            throw new UnsupportedOperationException("positional writes only");
        }

        @Override
        public long write(ByteBuffer[] sources, int offset, int length) {
            throw new UnsupportedOperationException("positional writes only");
        }

        @Override
        public long position() throws IOException {
            return real.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            real.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferFrom(ReadableByteChannel source, long position, long count) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        protected void implCloseChannel() throws IOException {
            real.close();
        }
    }
}
