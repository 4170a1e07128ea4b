package io.viewkeeper.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OpMixTest {
    @Test
    void shouldMapTicketsOntoWeightsInOrderWhenParsed() {
        OpMix mix = OpMix.parse("getData:90, setData:10");
        assertThat(mix.totalWeight()).isEqualTo(100);
        assertThat(mix.choose(0)).isEqualTo(OpKind.GET_DATA);
        assertThat(mix.choose(89)).isEqualTo(OpKind.GET_DATA);
        assertThat(mix.choose(90)).isEqualTo(OpKind.SET_DATA);
        assertThat(mix.choose(99)).isEqualTo(OpKind.SET_DATA);
        assertThat(mix).hasToString("getData:90,setData:10");
    }

    @Test
    void shouldCountOneWhenWeightMissing() {
        OpMix mix = OpMix.parse("multi,syncGetData,EXISTS");
        assertThat(mix.totalWeight()).isEqualTo(3);
        assertThat(mix.choose(2)).isEqualTo(OpKind.EXISTS);
    }

    @Test
    void shouldRejectUnknownOpOrBadWeight() {
        assertThatThrownBy(() -> OpMix.parse("getDate")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OpMix.parse("getData:0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OpMix.parse("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OpMix.parse("create").choose(1)).isInstanceOf(IllegalArgumentException.class);
    }
}
