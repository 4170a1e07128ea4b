package io.viewkeeper.storage.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class SegmentScanZeroTest {

    @Test
    void shouldFindANonZeroByteAnywhereAfterTheStartAndNoneBeforeIt() {
        int size = (1 << 20) + 1234;
        for (boolean direct : new boolean[] {false, true}) {
            ByteBuffer segment = direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
            segment.position(77);
            assertThat(SegmentScan.zeroFrom(segment, 0)).as("all zeros, direct %s", direct).isTrue();
            int[] at = {0, 1, (64 << 10) - 1, 64 << 10, (64 << 10) + 1, 5 * (64 << 10) + 17, 1 << 20,
                (1 << 20) + 1, size - 1};
            for (int position : at) {
                segment.put(position, (byte) 1);
                assertThat(SegmentScan.zeroFrom(segment, 0)).as("byte at %d, direct %s", position, direct).isFalse();
                assertThat(SegmentScan.zeroFrom(segment, position)).as("from it").isFalse();
                assertThat(SegmentScan.zeroFrom(segment, position + 1)).as("after it").isTrue();
                segment.put(position, (byte) 0);
            }
            assertThat(SegmentScan.zeroFrom(segment, size)).as("from the end").isTrue();
        }
    }
}
