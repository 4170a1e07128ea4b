package io.viewkeeper.server.migrate;

import java.io.DataInput;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.zip.Adler32;
import java.util.zip.CheckedInputStream;
import java.util.zip.Checksum;
import org.apache.zookeeper.server.persistence.SnapStream;

/**
 * An uncompressed ZooKeeper snapshot read as ZooKeeper's {@code SnapStream} reads it, an Adler32 over every byte
 * handed out, but through one buffer of its own that also decodes the fields: ZooKeeper's stream updates the
 * checksum and takes a lock on every field, and a snapshot of a million znodes has some thirteen million fields.
 * Invariant: {@link #getChecksum} covers exactly the bytes handed out so far, no more (the rest of the buffer is
 * added as it is consumed), which is what ZooKeeper's seal check compares.
 */
final class SnapshotInput extends CheckedInputStream implements DataInput {
    private static final int BUFFER_BYTES = 1 << 16;
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final InputStream source;
    private final Adler32 checksum = new Adler32();
    private final byte[] buffer = new byte[BUFFER_BYTES];
    private int position;
    private int limit;
    /** Bytes of the buffer before this are in the checksum. */
    private int checkedUpTo;

    private SnapshotInput(InputStream source) {
        super(source, new Adler32());
        this.source = source;
    }

    /**
     * The snapshot's stream: this class for an uncompressed file, ZooKeeper's own for a gzip or snappy one (there the
     * decompression costs far more than the fields).
     */
    static CheckedInputStream open(File snapshot) throws IOException {
        if (SnapStream.getStreamMode(snapshot.getName()) != SnapStream.StreamMode.CHECKED) {
            return SnapStream.getInputStream(snapshot);
        }
        return new SnapshotInput(new FileInputStream(snapshot));
    }

    /** Brings the checksum up to the bytes handed out. */
    @Override
    public Checksum getChecksum() {
        catchUp();
        return checksum;
    }

    private void catchUp() {
        if (position > checkedUpTo) {
            checksum.update(buffer, checkedUpTo, position - checkedUpTo);
            checkedUpTo = position;
        }
    }

    /** Refills the buffer once it is used up; false at the end of the file. */
    private boolean fill() throws IOException {
        catchUp();
        int read = source.read(buffer, 0, BUFFER_BYTES);
        if (read <= 0) {
            return false;
        }
        position = 0;
        checkedUpTo = 0;
        limit = read;
        return true;
    }

    @Override
    public int read() throws IOException {
        if (position == limit && !fill()) {
            return -1;
        }
        return buffer[position++] & 0xFF;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (position == limit && !fill()) {
            return -1;
        }
        int count = Math.min(length, limit - position);
        System.arraycopy(buffer, position, bytes, offset, count);
        position += count;
        return count;
    }

    @Override
    public long skip(long count) throws IOException {
        long skipped = 0;
        while (skipped < count && (position < limit || fill())) {
            int step = (int) Math.min(count - skipped, limit - position);
            position += step;
            skipped += step;
        }
        return skipped;
    }

    @Override
    public int available() throws IOException {
        return limit - position + source.available();
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public void readFully(byte[] bytes) throws IOException {
        readFully(bytes, 0, bytes.length);
    }

    @Override
    public void readFully(byte[] bytes, int offset, int length) throws IOException {
        int done = 0;
        while (done < length) {
            int read = read(bytes, offset + done, length - done);
            if (read < 0) {
                throw new EOFException("snapshot ends " + (length - done) + " bytes into a field");
            }
            done += read;
        }
    }

    @Override
    public int skipBytes(int count) throws IOException {
        return (int) skip(count);
    }

    @Override
    public boolean readBoolean() throws IOException {
        return readByte() != 0;
    }

    @Override
    public byte readByte() throws IOException {
        int value = read();
        if (value < 0) {
            throw new EOFException("snapshot ends where a byte belongs");
        }
        return (byte) value;
    }

    @Override
    public int readUnsignedByte() throws IOException {
        return readByte() & 0xFF;
    }

    @Override
    public short readShort() throws IOException {
        return (short) ((readUnsignedByte() << 8) | readUnsignedByte());
    }

    @Override
    public int readUnsignedShort() throws IOException {
        return readShort() & 0xFFFF;
    }

    @Override
    public char readChar() throws IOException {
        return (char) readShort();
    }

    @Override
    public int readInt() throws IOException {
        if (limit - position >= Integer.BYTES) {
            int value = (int) INT.get(buffer, position);
            position += Integer.BYTES;
            return value;
        }
        byte[] bytes = new byte[Integer.BYTES];
        readFully(bytes);
        return (int) INT.get(bytes, 0);
    }

    @Override
    public long readLong() throws IOException {
        if (limit - position >= Long.BYTES) {
            long value = (long) LONG.get(buffer, position);
            position += Long.BYTES;
            return value;
        }
        byte[] bytes = new byte[Long.BYTES];
        readFully(bytes);
        return (long) LONG.get(bytes, 0);
    }

    @Override
    public float readFloat() throws IOException {
        return Float.intBitsToFloat(readInt());
    }

    @Override
    public double readDouble() throws IOException {
        return Double.longBitsToDouble(readLong());
    }

    @Override
    public String readLine() {
        throw new UnsupportedOperationException("a snapshot has no lines");
    }

    @Override
    public String readUTF() throws IOException {
        return DataInputStream.readUTF(this);
    }
}
