package io.viewkeeper.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.viewkeeper.storage.OperationCodec.MalformedOperationException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The log encoding of operations: every kind survives a round trip, and damaged bytes (truncated, flipped, random,
 * with huge counts) are rejected as {@link MalformedOperationException} and nothing else.
 */
class OperationCodecTest {
    private static final long SEED = 0x5eed_c0dec_0deL;
    private static final List<Identity> IDENTITIES = List.of(new Identity("ip", "127.0.0.1"),
            new Identity("digest", "bob:hash="), Identity.SUPER);
    private static final List<Acl> ACL = List.of(new Acl(Acl.ALL, "world", "anyone"), new Acl(Acl.READ, "ip",
            "10.0.0.0/8"));

    static Stream<Operation> everyKind() {
        return Stream.of(
                new Operation.Create(1, "/a", new byte[] {1, 2, 3}, ACL, 0, -1),
                new Operation.Create(15, "/null-data", null, ACL, 3, -1),
                new Operation.Create(19, "/c", new byte[0], Acl.OPEN, 4, -1),
                new Operation.Create(21, "/t", new byte[0], Acl.OPEN, 6, Znode.TTL_MAX),
                new Operation.Create(1, "/null-acl", null, null, 0, -1),
                new Operation.Delete("/a", 7),
                new Operation.SetData("/a", new byte[] {9}, -1),
                new Operation.SetData("/a", null, 3),
                new Operation.SetAcl("/a", ACL, 2),
                new Operation.Check("/a", -1),
                new Operation.Multi(List.of(new Operation.Create(1, "/m", null, Acl.OPEN, 0, -1),
                        new Operation.Check("/m", 0), new Operation.SetData("/m", new byte[] {4}, 0),
                        new Operation.Delete("/m", -1))),
                new Operation.Multi(List.of()),
                new Operation.CreateSession(0x01000004f2140000L, 30_000, new byte[16]),
                new Operation.CloseSession(0x01000004f2140000L),
                new Operation.DeleteContainer("/c"),
                new Operation.Failed(ErrorCode.MARSHALLING_ERROR),
                new Operation.RestoreState(new byte[] {1, 2, 3}),
                new Operation.RestoreState(new byte[] {4, 5}, Operation.RestoreState.Mode.INTO_EMPTY),
                new Operation.RestoreState(new byte[] {6}, Operation.RestoreState.Mode.NOT_AHEAD),
                new Operation.RestorePart(-3, 0, false, Operation.RestoreState.Mode.RAISE, new byte[] {7, 8}),
                new Operation.RestorePart(9, 4, true, Operation.RestoreState.Mode.INTO_EMPTY, new byte[0]),
                new Operation.SetConfig("server.1=a:1:2:participant;a:3\nversion=1f".getBytes(
                        java.nio.charset.StandardCharsets.UTF_8)),
                new Operation.Reconfig("server.4=d:1:2:observer;d:3", "3", null, -1),
                new Operation.Reconfig(null, null, "server.1=a:1:2:participant;a:3", 0x1fL),
                new Operation.Create(1, "/unicode-\u00e9\u4e2d", "\u00fc".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        ACL, 0, -1));
    }

    static Txn txn(Operation op) {
        return new Txn(0x0100000000000001L, 42, 1_700_000_000_123L, IDENTITIES, op);
    }

    @ParameterizedTest
    @MethodSource("everyKind")
    void shouldDecodeWhatWasEncodedWhenOperationIsOfAnyKind(Operation op) throws MalformedOperationException {
        Txn original = txn(op);

        byte[] encoded = OperationCodec.encode(original);
        Txn decoded = OperationCodec.decode(encoded);

        assertThat(decoded).usingRecursiveComparison().isEqualTo(original);
        assertThat(OperationCodec.encode(decoded)).isEqualTo(encoded);
    }

    @ParameterizedTest
    @MethodSource("everyKind")
    void shouldRejectAsMalformedWhenEncodingIsTruncatedAnywhere(Operation op) {
        byte[] encoded = OperationCodec.encode(txn(op));

        for (int length = 0; length < encoded.length; length++) {
            byte[] prefix = Arrays.copyOf(encoded, length);
            assertThatThrownBy(() -> OperationCodec.decode(prefix)).as("prefix of %d bytes", length)
                    .isInstanceOf(MalformedOperationException.class);
        }
    }

    @ParameterizedTest
    @MethodSource("everyKind")
    void shouldRejectAsMalformedWhenTrailingBytesFollow(Operation op) {
        byte[] encoded = OperationCodec.encode(txn(op));
        byte[] longer = Arrays.copyOf(encoded, encoded.length + 1);

        assertThatThrownBy(() -> OperationCodec.decode(longer)).isInstanceOf(MalformedOperationException.class);
    }

    @ParameterizedTest
    @MethodSource("everyKind")
    void shouldDecodeOrRejectAsMalformedWhenAnyByteIsDamaged(Operation op) {
        byte[] encoded = OperationCodec.encode(txn(op));
        byte[] damage = {(byte) 0xff, (byte) 0x7f, (byte) 0x80, 0x00, 0x01};

        for (int i = 0; i < encoded.length; i++) {
            for (byte value : damage) {
                byte[] damaged = encoded.clone();
                damaged[i] = value;
                decodeOrMalformed(damaged);
            }
        }
    }

    @Test
    void shouldDecodeOrRejectAsMalformedWhenBytesAreRandom() {
        Random random = new Random(SEED);
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = new byte[random.nextInt(64)];
            random.nextBytes(bytes);
            if (bytes.length > 0 && random.nextBoolean()) {
                bytes[0] = 1;
            }
            decodeOrMalformed(bytes);
        }
    }

    @Test
    void shouldRejectWithoutAllocatingWhenCountsAndLengthsAreHuge() {
        byte[] header = header();
        assertMalformed(concat(header, ints(Integer.MAX_VALUE)));
        assertMalformed(concat(header, ints(-2)));
        assertMalformed(concat(header, ints(0), new byte[] {6}, ints(Integer.MAX_VALUE)));
        assertMalformed(concat(header, ints(0), new byte[] {2}, ints(Integer.MAX_VALUE - 1), ints(0)));
        assertMalformed(concat(header, ints(0), new byte[] {2}, ints(-5), ints(0)));
        assertMalformed(concat(header, ints(0), new byte[] {1}, ints(1, 2), new byte[] {'/', 'a'},
                ints(-1, Integer.MAX_VALUE, 0)));
        assertMalformed(concat(header, ints(0), new byte[] {3}, ints(2), new byte[] {'/', 'a'},
                ints(Integer.MAX_VALUE, 0)));
    }

    @Test
    void shouldRejectWhenMultiIsNestedOrTagOrVersionIsUnknown() {
        Txn nested = txn(new Operation.Multi(List.of(new Operation.Multi(List.of()))));
        assertMalformed(OperationCodec.encode(nested));

        byte[] unknownTag = concat(header(), ints(0), new byte[] {99});
        assertMalformed(unknownTag);

        byte[] encoded = OperationCodec.encode(txn(new Operation.CloseSession(1)));
        encoded[0] = 2;
        assertMalformed(encoded);
    }

    private static void assertMalformed(byte[] bytes) {
        assertThatThrownBy(() -> OperationCodec.decode(bytes)).isInstanceOf(MalformedOperationException.class);
    }

    /** Any outcome but a MalformedOperationException or a successful decode fails the test. */
    private static void decodeOrMalformed(byte[] bytes) {
        try {
            OperationCodec.decode(bytes);
        } catch (MalformedOperationException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    /** Format version, session, cxid and time: everything before the identity count. */
    private static byte[] header() {
        return ByteBuffer.allocate(1 + 8 + 4 + 8).put((byte) 1).putLong(1).putInt(1).putLong(1).array();
    }

    private static byte[] ints(int... values) {
        ByteBuffer buffer = ByteBuffer.allocate(4 * values.length);
        for (int value : values) {
            buffer.putInt(value);
        }
        return buffer.array();
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        ByteBuffer buffer = ByteBuffer.allocate(length);
        for (byte[] part : parts) {
            buffer.put(part);
        }
        return buffer.array();
    }
}
