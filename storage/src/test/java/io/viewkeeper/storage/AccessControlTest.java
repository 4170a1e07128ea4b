package io.viewkeeper.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The sasl scheme's rules as ZooKeeper 3.9's SASLAuthenticationProvider has them. */
class AccessControlTest {
    private static final List<Acl> ALICE_ONLY = List.of(new Acl(Acl.ALL, "sasl", "alice"));

    @Test
    void shouldLetSaslSuperMatchEverySaslEntryButNoOtherScheme() {
        assertThat(AccessControl.permits(ALICE_ONLY, Acl.READ, List.of(new Identity("sasl", "alice")))).isTrue();
        assertThat(AccessControl.permits(ALICE_ONLY, Acl.READ, List.of(new Identity("sasl", "bob")))).isFalse();
        assertThat(AccessControl.permits(ALICE_ONLY, Acl.WRITE, List.of(new Identity("sasl", "super")))).isTrue();
        List<Acl> digestOnly = List.of(new Acl(Acl.ALL, "digest", "bob:hash="));
        assertThat(AccessControl.permits(digestOnly, Acl.READ, List.of(new Identity("sasl", "super")))).isFalse();
        assertThat(AccessControl.permits(ALICE_ONLY, Acl.READ, List.of(new Identity("digest", "super")))).isFalse();
    }

    /** Valid as ZooKeeper's KerberosName parses it: no '@' at all, or name[/host]@realm. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "alice|true", "''|true", "a/b|true", "a/b/c|true", "alice@EXAMPLE.COM|true", "alice/host@EXAMPLE.COM|true",
        "@|true", "a@B@C|false", "a/b/c@C|false", "a@b/c|false"})
    void shouldTakeSaslIdsKerberosNameParses(String id, boolean valid) {
        List<Acl> expanded = AccessControl.expand(List.of(new Acl(Acl.ALL, "sasl", id)), List.of());
        assertThat(expanded != null).as("sasl:%s valid", id).isEqualTo(valid);
    }
}
