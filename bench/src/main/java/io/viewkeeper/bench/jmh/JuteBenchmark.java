package io.viewkeeper.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.viewkeeper.frontend.RequestDecoder;
import io.viewkeeper.storage.Operation;
import io.viewkeeper.storage.OperationCodec;
import io.viewkeeper.storage.Txn;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.jute.BinaryOutputArchive;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.proto.ReplyHeader;
import org.apache.zookeeper.proto.RequestHeader;
import org.apache.zookeeper.proto.SetDataRequest;
import org.apache.zookeeper.proto.SetDataResponse;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-request codec work of the client path: decoding a setData request frame as the frontend does, encoding
 * its reply with jute, and the replicated operation's own encoding (OperationCodec) both ways.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class JuteBenchmark {
    private byte[] requestFrame;
    private RequestDecoder decoder;
    private Stat stat;
    private Txn txn;
    private byte[] encodedTxn;

    @Setup
    public void setUp() throws IOException {
        byte[] value = new byte[100];
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryOutputArchive out = BinaryOutputArchive.getArchive(bytes);
        new RequestHeader(42, ZooDefs.OpCode.setData).serialize(out, "header");
        new SetDataRequest("/bench/k/123", value, -1).serialize(out, "request");
        requestFrame = bytes.toByteArray();
        decoder = new RequestDecoder(0xfffff);
        stat = new Stat(5, 77, 1_700_000_000_000L, 1_700_000_000_500L, 12, 0, 0, 0, 100, 0, 5);
        txn = new Txn(0x1000000000001L, 42, 1_700_000_000_000L, List.of(),
                new Operation.SetData("/bench/k/123", value, -1));
        encodedTxn = OperationCodec.encode(txn);
    }

    @Benchmark
    public Object decodeSetDataRequest() throws IOException {
        ByteBuf frame = Unpooled.wrappedBuffer(requestFrame);
        return decoder.decodeRequest(frame);
    }

    @Benchmark
    public byte[] encodeSetDataReply() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        BinaryOutputArchive out = BinaryOutputArchive.getArchive(bytes);
        new ReplyHeader(42, 77, 0).serialize(out, "header");
        new SetDataResponse(stat).serialize(out, "response");
        return bytes.toByteArray();
    }

    @Benchmark
    public byte[] encodeOperation() {
        return OperationCodec.encode(txn);
    }

    @Benchmark
    public Txn decodeOperation() throws OperationCodec.MalformedOperationException {
        return OperationCodec.decode(encodedTxn);
    }
}
