package io.viewkeeper.storage.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetadataStoreTest {

    private static final ReplicaMetadata FIRST = new ReplicaMetadata(77, 2, "1@a:1,2@b:2,3@c:3", 0, 0, 0);

    @TempDir
    Path dir;

    @Test
    void shouldReadNothingFromFreshDirectoryAndBackWhatWasWritten() throws IOException {
        MetadataStore.Loaded fresh = MetadataStore.open(dir, ChannelOpener.DIRECT);
        assertThat(fresh.metadata()).isEmpty();
        fresh.store().write(FIRST);
        fresh.store().write(FIRST.withViewState(4, 3));
        assertThat(MetadataStore.open(dir, ChannelOpener.DIRECT).metadata()).contains(FIRST.withViewState(4, 3));
    }

    @Test
    void shouldUseTheGoodCopyWhenOneIsDamaged() throws IOException {
        MetadataStore store = MetadataStore.open(dir, ChannelOpener.DIRECT).store();
        store.write(FIRST.withViewState(9, -1));
        WriteAheadLogTest.flipByte(dir.resolve("metadata.1"), 30);
        assertThat(MetadataStore.open(dir, ChannelOpener.DIRECT).metadata()).contains(FIRST.withViewState(9, -1));
        Files.delete(dir.resolve("metadata.1"));
        WriteAheadLogTest.flipByte(dir.resolve("metadata.0"), 30);
        assertThatThrownBy(() -> MetadataStore.open(dir, ChannelOpener.DIRECT))
                .isInstanceOf(CorruptStorageException.class).hasMessageContaining("checksum mismatch");
    }

    @Test
    void shouldKeepOldOrNewMetadataWhateverWriteOrFsyncTheCrashHits() throws IOException {
        for (long point = 1; point <= 4; point++) {
            for (boolean tear : new boolean[] {false, true}) {
                Path run = Files.createDirectories(dir.resolve(point + "-" + tear));
                MetadataStore.open(run, ChannelOpener.DIRECT).store().write(FIRST);
                CrashingDisk disk = new CrashingDisk(point);
                MetadataStore store = MetadataStore.open(run, disk).store();
                assertThatThrownBy(() -> store.write(FIRST.withViewState(5, 5)))
                        .isInstanceOf(CrashingDisk.Crash.class);
                disk.crash(tear, new SplittableRandom(point));
                assertThat(MetadataStore.open(run, ChannelOpener.DIRECT).metadata().orElseThrow())
                        .isIn(FIRST, FIRST.withViewState(5, 5));
            }
        }
    }

    @Test
    void shouldKeepRecordedMembersAcrossViewStatesAndReadTheFirstFormat() throws IOException {
        MetadataStore store = MetadataStore.open(dir, ChannelOpener.DIRECT).store();
        ReplicaMetadata changed = FIRST.withMembers(3, new byte[] {0, 0, 0, 0, 0, 0, 0, 3, 3, 1, 0, 1, 2, 7}, 812)
                .withViewState(3L << 32, 3L << 32);
        store.write(changed);
        ReplicaMetadata read = MetadataStore.open(dir, ChannelOpener.DIRECT).metadata().orElseThrow();
        assertThat(read).isEqualTo(changed);
        assertThat(read.membersOp()).isEqualTo(812);
        assertThat(read.epoch()).isEqualTo(3);

        // a copy of the first format (no members after the configuration) still reads, as a group never changed
        byte[] current = MetadataStore.encode(FIRST.withViewState(4, 4), 9);
        java.nio.ByteBuffer first = java.nio.ByteBuffer.allocate(current.length - 12);
        first.put(current, 0, current.length - 16).putInt(8, 1);
        first.putInt(current.length - 16, WalFormat.crc(first, 0, current.length - 16));
        Path old = Files.createDirectories(dir.resolve("first-format"));
        Files.write(old.resolve("metadata.0"), first.array());
        assertThat(MetadataStore.open(old, ChannelOpener.DIRECT).metadata()).contains(FIRST.withViewState(4, 4));
    }
}
