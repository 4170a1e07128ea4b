package io.viewkeeper.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NodeConfigTest {

    /** The zoo.cfg of the ZooKeeper getting-started guide, with the settings compatibility tests rely on. */
    private static final String TYPICAL_ZOO_CFG = """
            # The number of milliseconds of each tick
            tickTime=2000
            initLimit=10
            syncLimit=5
            dataDir=/var/lib/zookeeper
            clientPort=2181
            4lw.commands.whitelist=*
            extendedTypesEnabled=true
            """;

    @Test
    void shouldReadEverySettingWhenFileIsTypicalZooCfg() {
        NodeConfig config = NodeConfig.parse(zooCfg(TYPICAL_ZOO_CFG));

        assertThat(config.tickTimeMs()).isEqualTo(2000);
        assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/zookeeper"));
        assertThat(config.clientPort()).isEqualTo(2181);
        assertThat(config.clientPortAddress()).isEqualTo("0.0.0.0");
        assertThat(config.fourLetterWords()).isEqualTo(NodeConfig.ALL_FOUR_LETTER_WORDS);
        assertThat(config.extendedTypesEnabled()).isTrue();
        assertThat(config.minSessionTimeoutMs()).isEqualTo(4000);
        assertThat(config.maxSessionTimeoutMs()).isEqualTo(40000);
    }

    @Test
    void shouldUseZooKeeperDefaultsWhenOnlyDataDirIsGiven() {
        NodeConfig config = NodeConfig.parse(zooCfg("dataDir=/tmp/zk\n"));

        assertThat(config.tickTimeMs()).isEqualTo(2000);
        assertThat(config.clientPort()).isEqualTo(2181);
        assertThat(config.maxClientCnxns()).isEqualTo(60);
        assertThat(config.juteMaxBuffer()).isEqualTo(0xfffff);
        assertThat(config.fourLetterWords()).containsExactly("srvr");
        assertThat(config.extendedTypesEnabled()).isFalse();
    }

    @Test
    void shouldTurnReadOnlyModeOnWhenZooCfgSaysSoAndAcceptLocalSessionKeys() {
        assertThat(NodeConfig.parse(zooCfg("dataDir=/tmp/zk\n")).readOnlyModeEnabled()).as("off by default")
                .isFalse();
        NodeConfig config = NodeConfig.parse(zooCfg("dataDir=/tmp/zk\nreadonlymode.enabled=true\n"
                + "localSessionsEnabled=true\nlocalSessionsUpgradingEnabled=true\n"));

        assertThat(config.readOnlyModeEnabled()).isTrue();
        assertThatExceptionOfType(ConfigException.class)
                .isThrownBy(() -> NodeConfig.parse(zooCfg("dataDir=/tmp/zk\nreadonlymode.enabled=maybe\n")))
                .withMessageContaining("readonlymode.enabled");
    }

    @Test
    void shouldDeriveSessionTimeoutBoundsFromTickWhenBoundsAreNotGiven() {
        NodeConfig config = NodeConfig.parse(zooCfg("dataDir=/tmp/zk\ntickTime=3000\n"));

        assertThat(config.minSessionTimeoutMs()).isEqualTo(2 * 3000);
        assertThat(config.maxSessionTimeoutMs()).isEqualTo(20 * 3000);
    }

    @Test
    void shouldKeepExplicitSessionTimeoutBoundsWhenBothAreGiven() {
        NodeConfig config = NodeConfig.parse(
                zooCfg("dataDir=/tmp/zk\nminSessionTimeout=1000\nmaxSessionTimeout=90000\n"));

        assertThat(config.minSessionTimeoutMs()).isEqualTo(1000);
        assertThat(config.maxSessionTimeoutMs()).isEqualTo(90000);
    }

    @Test
    void shouldListenOnLoopbackWithZooKeeperDefaultsWhenCreatedByDefaults() {
        NodeConfig config = NodeConfig.defaults(Path.of("data"), 2181);

        assertThat(config.clientPortAddress()).isEqualTo("127.0.0.1");
        assertThat(config.clientPort()).isEqualTo(2181);
        assertThat(config.dataDir()).isEqualTo(Path.of("data"));
        assertThat(config.tickTimeMs()).isEqualTo(2000);
        assertThat(config.minSessionTimeoutMs()).isEqualTo(2 * config.tickTimeMs());
        assertThat(config.maxSessionTimeoutMs()).isEqualTo(20 * config.tickTimeMs());
        assertThat(config.fourLetterWords()).contains("srvr");
    }

    @Test
    void shouldMoveSessionTimeoutBoundsWithTickWhenTickChanges() {
        NodeConfig config = NodeConfig.defaults(Path.of("data"), 2181).withTickTimeMs(500);

        assertThat(config.minSessionTimeoutMs()).isEqualTo(1000);
        assertThat(config.maxSessionTimeoutMs()).isEqualTo(10000);
    }

    @Test
    void shouldAcceptNamedFourLetterWordsAndAlwaysAllowSrvrWhenWhitelistIsAList() {
        NodeConfig config = NodeConfig.parse(zooCfg("dataDir=/tmp/zk\n4lw.commands.whitelist=ruok, MNTR\n"));

        assertThat(config.fourLetterWords()).containsExactlyInAnyOrder("ruok", "mntr", "srvr");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            clientPort           | abc
            tickTime             | 2s
            maxClientCnxns       | sixty
            jute.maxbuffer       | 1M
            minSessionTimeout    | 4000ms
            extendedTypesEnabled | maybe
            """)
    void shouldNameKeyWhenValueIsNotANumberOrBoolean(String key, String value) {
        assertRejected("dataDir=/tmp/zk\n" + key + "=" + value + "\n", key);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            clientPort             | 65536
            clientPort             | -1
            tickTime               | 0
            maxClientCnxns         | 99999999999
            jute.maxbuffer         | 100
            maxInflightPerConnection | 0
            serverId               | 255
            """)
    void shouldNameKeyWhenValueIsOutOfRange(String key, String value) {
        assertRejected("dataDir=/tmp/zk\n" + key + "=" + value + "\n", key);
    }

    @Test
    void shouldNameKeyWhenKeyIsUnknown() {
        assertRejected("dataDir=/tmp/zk\ntickTme=2000\n", "tickTme");
    }

    @Test
    void shouldNameDataDirWhenDataDirIsMissing() {
        assertRejected("tickTime=2000\nclientPort=2181\n", "dataDir");
    }

    @Test
    void shouldNameDataDirWhenDataDirIsEmpty() {
        assertRejected("dataDir=\n", "dataDir");
    }

    @Test
    void shouldNameMinSessionTimeoutWhenMinIsGreaterThanMax() {
        assertRejected("dataDir=/tmp/zk\nminSessionTimeout=50000\nmaxSessionTimeout=40000\n", "minSessionTimeout");
    }

    @Test
    void shouldNameMinSessionTimeoutWhenDerivedMaxFallsBelowExplicitMin() {
        assertRejected("dataDir=/tmp/zk\ntickTime=1000\nminSessionTimeout=30000\n", "minSessionTimeout");
    }

    @Test
    void shouldNameWhitelistWhenFourLetterWordIsUnknown() {
        assertRejected("dataDir=/tmp/zk\n4lw.commands.whitelist=ruok,bogus\n", "4lw.commands.whitelist");
    }

    @Test
    void shouldNameChunkSizeWhenCheckpointChunksAreTooSmallOrTooLarge() {
        assertRejected("dataDir=/tmp/zk\ncheckpoint.chunkBytes=512\n", "checkpoint.chunkBytes");
        assertRejected("dataDir=/tmp/zk\ncheckpoint.chunkBytes=9000000000\n", "checkpoint.chunkBytes");
        assertRejected("dataDir=/tmp/zk\ncheckpoint.chunkBytes=1m\n", "checkpoint.chunkBytes");
        assertThat(NodeConfig.parse(zooCfg("dataDir=/tmp/zk\ncheckpoint.chunkBytes=4096\n")).disk()
                .checkpointChunkBytes()).isEqualTo(4096);
    }

    @Test
    void shouldNameClientPortWhenDefaultsGetAPortOutOfRange() {
        assertThatExceptionOfType(ConfigException.class)
                .isThrownBy(() -> NodeConfig.defaults(Path.of("data"), 70000))
                .satisfies(e -> assertThat(e.key()).isEqualTo("clientPort"));
    }

    private static final String ENSEMBLE_ZOO_CFG = """
            tickTime=2000
            dataDir=/var/lib/zookeeper
            clientPort=2181
            server.3=zk3.example:2888:3888;2183
            server.1=zk1.example:2888:3888
            server.2=zk2.example:2888:3888:participant;0.0.0.0:2182
            """;

    @Test
    void shouldReadMembersInIdOrderWhenFileHasZooKeeperServerLines() {
        NodeConfig config = NodeConfig.parse(zooCfg(ENSEMBLE_ZOO_CFG + "serverId=2\n"));

        assertThat(config.members()).containsExactly(
                new NodeConfig.Member(1, "zk1.example", 2888, -1, false, 3888, null),
                new NodeConfig.Member(2, "zk2.example", 2888, 2182, false, 3888, "0.0.0.0"),
                new NodeConfig.Member(3, "zk3.example", 2888, 2183, false, 3888, null));
        assertThat(config.replicaIndex()).isEqualTo(1);
        assertThat(config.zooKeeperConfig()).as("what /zookeeper/config shows").isEqualTo("""
                server.1=zk1.example:2888:3888:participant
                server.2=zk2.example:2888:3888:participant;0.0.0.0:2182
                server.3=zk3.example:2888:3888:participant;0.0.0.0:2183
                version=0""");
        assertThat(config.reads()).isEqualTo(NodeConfig.ReadMode.LINEARIZABLE);
    }

    @Test
    void shouldNumberObserversAfterTheVotersWhenServerLinesNameThem() {
        NodeConfig config = NodeConfig.parse(zooCfg("""
                dataDir=/var/lib/zookeeper
                server.9=zk9.example:2888:observer
                server.2=zk2.example:2888:3888:participant;2182
                server.1=zk1.example:2888:3888:observer;2181
                server.5=zk5.example:2888:3888
                server.7=zk7.example:2888:3888;2187
                serverId=9
                peerType=observer
                """));

        assertThat(config.members()).extracting(NodeConfig.Member::id, NodeConfig.Member::learner).containsExactly(
                org.assertj.core.groups.Tuple.tuple(2, false), org.assertj.core.groups.Tuple.tuple(5, false),
                org.assertj.core.groups.Tuple.tuple(7, false), org.assertj.core.groups.Tuple.tuple(1, true),
                org.assertj.core.groups.Tuple.tuple(9, true));
        assertThat(config.zooKeeperConfig()).isEqualTo("""
                server.1=zk1.example:2888:3888:observer;0.0.0.0:2181
                server.2=zk2.example:2888:3888:participant;0.0.0.0:2182
                server.5=zk5.example:2888:3888:participant
                server.7=zk7.example:2888:3888:participant;0.0.0.0:2187
                server.9=zk9.example:2888:2889:observer
                version=0""");
        assertThat(config.replicaIndex()).isEqualTo(4);
        assertThat(config.learner()).isTrue();
        assertThat(config.voterCount()).isEqualTo(3);
        assertThat(config.learnerCount()).isEqualTo(2);
    }

    @Test
    void shouldNameTheProblemWhenObserversAreWrong() {
        assertRejected(ENSEMBLE_ZOO_CFG + "serverId=1\nserver.4=zk4:2888:3888:watcher\n", "server.4");
        assertRejected(ENSEMBLE_ZOO_CFG + "serverId=1\npeerType=spectator\n", "peerType");
        assertRejected("dataDir=/d\nserverId=1\nserver.1=a:1\nserver.2=b:2:3:observer\n", "server.N");
    }

    @Test
    void shouldTakeServerIdFromMyidWhenServerIdKeyIsAbsent(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        java.nio.file.Files.writeString(dir.resolve("myid"), "3\n");
        String text = ENSEMBLE_ZOO_CFG.replace("dataDir=/var/lib/zookeeper", "dataDir=" + dir);

        NodeConfig config = NodeConfig.parse(zooCfg(text));

        assertThat(config.serverId()).isEqualTo(3);
        assertThat(config.replicaIndex()).isEqualTo(2);
    }

    @Test
    void shouldReadSequentialReadsWhenReadsKeyAsksForThem() {
        NodeConfig config = NodeConfig.parse(zooCfg(ENSEMBLE_ZOO_CFG + "serverId=1\nreads=sequential\n"));

        assertThat(config.reads()).isEqualTo(NodeConfig.ReadMode.SEQUENTIAL);
    }

    @Test
    void shouldNameTheProblemWhenGroupSettingsAreWrong() {
        assertRejected(ENSEMBLE_ZOO_CFG + "serverId=4\n", "serverId");
        assertRejected(ENSEMBLE_ZOO_CFG + "serverId=1\nreads=eventual\n", "reads");
        assertRejected("dataDir=/d\nserverId=1\nserver.1=a:1\nserver.2=b:2\n", "server.N");
        assertRejected("dataDir=/d\nserverId=1\nserver.x=a:1\n", "server.x");
        assertRejected("dataDir=/d\nserverId=1\nserver.1=a\n", "server.1");
        assertRejected("dataDir=/d\nserverId=1\nserver.1=a:99999\n", "server.1");
        assertRejected("dataDir=/d\nserverId=1\nserver.1=a:2888;port\n", "server.1");
        assertRejected("dataDir=/d\nserverId=1\nserver.1=a:2888:election\n", "server.1");
    }

    @Test
    void shouldServeAdminOnLoopbackPort8080WithoutTokenWhenAdminKeysAreAbsent() {
        NodeConfig config = NodeConfig.parse(zooCfg(TYPICAL_ZOO_CFG));

        assertThat(config.admin().enabled()).isTrue();
        assertThat(config.admin().serverAddress()).isEqualTo("127.0.0.1");
        assertThat(config.admin().serverPort()).isEqualTo(8080);
        assertThat(config.admin().mutatingAllowed()).isFalse();
    }

    @Test
    void shouldReadAdminKeysWhenZooCfgSetsThem() {
        NodeConfig config = NodeConfig.parse(zooCfg(TYPICAL_ZOO_CFG + """
                admin.serverAddress=127.0.0.2
                admin.serverPort=9090
                admin.token=0123456789abcdef-token
                """));

        assertThat(config.admin()).isEqualTo(new AdminSettings(true, "127.0.0.2", 9090, "0123456789abcdef-token"));
        assertThat(config.admin().toString()).doesNotContain("0123456789abcdef");
    }

    @Test
    void shouldDisableAdminWhenEnableServerIsFalse() {
        NodeConfig config = NodeConfig.parse(zooCfg(TYPICAL_ZOO_CFG + "admin.enableServer=false\n"));

        assertThat(config.admin().enabled()).isFalse();
    }

    @Test
    void shouldReadTokenFromFileWhenTokenFileIsGiven(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path file = java.nio.file.Files.writeString(dir.resolve("admin.token"), "  s3cret-token-from-file\n");

        NodeConfig config = NodeConfig.parse(zooCfg(TYPICAL_ZOO_CFG + "admin.tokenFile=" + file + "\n"));

        assertThat(config.admin().token()).isEqualTo("s3cret-token-from-file");
    }

    @Test
    void shouldNameAdminKeyWhenAdminSettingIsBad(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path shortToken = java.nio.file.Files.writeString(dir.resolve("short"), "abc");
        assertRejected(TYPICAL_ZOO_CFG + "admin.serverPort=80800\n", "admin.serverPort");
        assertRejected(TYPICAL_ZOO_CFG + "admin.serverPort=http\n", "admin.serverPort");
        assertRejected(TYPICAL_ZOO_CFG + "admin.enableServer=maybe\n", "admin.enableServer");
        assertRejected(TYPICAL_ZOO_CFG + "admin.token=short\n", "admin.token");
        assertRejected(TYPICAL_ZOO_CFG + "admin.token=0123456789abcdef-x\nadmin.tokenFile=/t\n", "admin.token");
        assertRejected(TYPICAL_ZOO_CFG + "admin.tokenFile=" + dir.resolve("missing") + "\n", "admin.tokenFile");
        assertRejected(TYPICAL_ZOO_CFG + "admin.tokenFile=" + shortToken + "\n", "admin.tokenFile");
    }

    @Test
    void shouldUseEphemeralAdminPortWhenConfigIsForTesting() {
        NodeConfig config = NodeConfig.forTesting(Path.of("data"));

        assertThat(config.admin().enabled()).isTrue();
        assertThat(config.admin().serverPort()).isZero();
        assertThat(config.withClientPort(5).admin()).isEqualTo(config.admin());
    }

    @Test
    void shouldReadPeerSecretSettingsAndRefuseWhatCannotWork(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        Path secret = java.nio.file.Files.writeString(dir.resolve("peer.secret"), "0123456789abcdef0123\n");
        NodeConfig config = NodeConfig.parse(zooCfg("dataDir=/var/vk\npeer.auth.secretFile=" + secret + "\n"));
        assertThat(config.peerSecurity().secretRequired()).as("required unless said otherwise").isTrue();
        assertThat(new String(config.peerSecurity().readSecret(), java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("0123456789abcdef0123");
        assertThat(NodeConfig.parse(zooCfg("dataDir=/var/vk\npeer.auth.secretFile=" + secret
                + "\npeer.auth.required=false\n")).peerSecurity().secretRequired()).isFalse();

        Path shortSecret = java.nio.file.Files.writeString(dir.resolve("short.secret"), "too short\n");
        PeerSecuritySettings tooShort = NodeConfig.parse(zooCfg("dataDir=/var/vk\npeer.auth.secretFile="
                + shortSecret + "\n")).peerSecurity();
        assertThatExceptionOfType(ConfigException.class).isThrownBy(tooShort::readSecret)
                .withMessageStartingWith("peer.auth.secretFile ").withMessageContaining("at least 16");
        PeerSecuritySettings missing = NodeConfig.parse(zooCfg("dataDir=/var/vk\npeer.auth.secretFile="
                + dir.resolve("absent") + "\n")).peerSecurity();
        assertThatExceptionOfType(ConfigException.class).isThrownBy(missing::readSecret)
                .withMessageStartingWith("peer.auth.secretFile ");

        assertRejected("dataDir=/var/vk\npeer.auth.required=true\n", "peer.auth.required");
        assertRejected("dataDir=/var/vk\npeer.auth.required=maybe\n", "peer.auth.required");
        assertRejected("dataDir=/var/vk\nsslQuorum=yes\n", "sslQuorum");
        assertRejected("dataDir=/var/vk\nsslQuorum=true\n", "ssl.quorum.keyStore.location");
        assertRejected("dataDir=/var/vk\nquorum.auth.enableSasl=true\n", "quorum.auth.enableSasl");
    }

    /** The launcher prints the message as {@code config error: <message>}, so it must start with the key. */
    private static void assertRejected(String text, String key) {
        Properties properties = zooCfg(text);
        assertThatExceptionOfType(ConfigException.class)
                .isThrownBy(() -> NodeConfig.parse(properties))
                .satisfies(e -> {
                    assertThat(e.key()).isEqualTo(key);
                    assertThat(e.getMessage()).startsWith(key + " ");
                });
    }

    private static Properties zooCfg(String text) {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }
}
