package io.viewkeeper.frontend;

import io.viewkeeper.frontend.WatchRegistry.Mode;
import io.viewkeeper.storage.AccessControl;
import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.ErrorCode;
import io.viewkeeper.storage.Identity;
import io.viewkeeper.storage.Znode;
import io.viewkeeper.storage.ZnodeStateMachine;
import java.util.ArrayList;
import java.util.List;
import org.apache.jute.Record;
import org.apache.zookeeper.data.ClientInfo;
import org.apache.zookeeper.proto.AddWatchRequest;
import org.apache.zookeeper.proto.CheckWatchesRequest;
import org.apache.zookeeper.proto.ErrorResponse;
import org.apache.zookeeper.proto.ExistsRequest;
import org.apache.zookeeper.proto.ExistsResponse;
import org.apache.zookeeper.proto.GetACLRequest;
import org.apache.zookeeper.proto.GetACLResponse;
import org.apache.zookeeper.proto.GetAllChildrenNumberRequest;
import org.apache.zookeeper.proto.GetAllChildrenNumberResponse;
import org.apache.zookeeper.proto.GetChildren2Request;
import org.apache.zookeeper.proto.GetChildren2Response;
import org.apache.zookeeper.proto.GetChildrenRequest;
import org.apache.zookeeper.proto.GetChildrenResponse;
import org.apache.zookeeper.proto.GetDataRequest;
import org.apache.zookeeper.proto.GetDataResponse;
import org.apache.zookeeper.proto.GetEphemeralsRequest;
import org.apache.zookeeper.proto.GetEphemeralsResponse;
import org.apache.zookeeper.proto.RemoveWatchesRequest;
import org.apache.zookeeper.proto.SyncRequest;
import org.apache.zookeeper.proto.SyncResponse;
import org.apache.zookeeper.proto.WhoAmIResponse;

/**
 * Evaluates reads and watch requests against the tree on the replica thread (ZooKeeper's FinalRequestProcessor
 * read branches, §3.4 and §5). Each method returns the reply body or an error code.
 */
final class ReadRequests {

    /** A read's answer: a body when {@code err == 0}. */
    record Answer(int err, Record body) {
        static Answer ok(Record body) {
            return new Answer(0, body);
        }

        static Answer error(int err) {
            return new Answer(err, null);
        }
    }

    static final String CONFIG_PATH = "/zookeeper/config";

    private final ZnodeStateMachine machine;
    private final WatchRegistry watches;
    private DataTree tree;
    private final byte[] ensembleConfig;
    private final long ensembleConfigMtime;

    /**
     * {@code ensembleConfig}: this server's group configuration in ZooKeeper's form ({@code server.N=...} lines and
     * {@code version=}), empty on one node; shown from {@code startedMs} on (see {@link #showsEnsembleConfig}).
     */
    ReadRequests(ZnodeStateMachine machine, WatchRegistry watches, String ensembleConfig, long startedMs) {
        this.machine = machine;
        this.watches = watches;
        this.ensembleConfig = ensembleConfig.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        this.ensembleConfigMtime = startedMs;
    }

    /**
     * Whether {@value #CONFIG_PATH} shows this server's configuration: until a transaction writes it (a superuser's
     * setData), as each ZooKeeper server of an ensemble sets that node from its own configuration file when it
     * starts (with reconfig disabled), so zkCli's {@code config} and Curator's EnsembleTracker see the members and
     * their client addresses. Stat as ZooKeeper's: version -1, mzxid 0, mtime when the server started.
     */
    private boolean showsEnsembleConfig(String path, Znode node) {
        return ensembleConfig.length > 0 && CONFIG_PATH.equals(path) && node.mzxid() == 0;
    }

    private byte[] data(String path, Znode node) {
        return showsEnsembleConfig(path, node) ? ensembleConfig.clone() : node.data();
    }

    private org.apache.zookeeper.data.Stat stat(String path, Znode node) {
        org.apache.zookeeper.data.Stat stat = JuteConvert.stat(node.stat());
        if (showsEnsembleConfig(path, node)) {
            stat.setDataLength(ensembleConfig.length);
            stat.setVersion(-1);
            stat.setMzxid(0);
            stat.setMtime(ensembleConfigMtime);
        }
        return stat;
    }

    Answer evaluate(ClientConnection c, int type, Record body) {
        tree = machine.tree();
        return switch (body) {
            case ExistsRequest r -> exists(c, r);
            case GetDataRequest r -> getData(c, r.getPath(), r.getWatch());
            case GetACLRequest r -> getAcl(c, r);
            case GetChildrenRequest r -> getChildren(c, r.getPath(), r.getWatch());
            case GetChildren2Request r -> getChildren2(c, r);
            case SyncRequest r -> Answer.ok(new SyncResponse(r.getPath()));
            case CheckWatchesRequest r -> checkWatches(c, r.getPath(), r.getType(), false);
            case RemoveWatchesRequest r -> checkWatches(c, r.getPath(), r.getType(), true);
            case GetEphemeralsRequest r -> getEphemerals(c, r);
            case GetAllChildrenNumberRequest r -> getAllChildrenNumber(c, r);
            case AddWatchRequest r -> addWatch(c, r);
            case null -> type == OpCode.WHO_AM_I ? whoAmI(c) : Answer.error(ErrorCode.MARSHALLING_ERROR);
            default -> Answer.error(ErrorCode.MARSHALLING_ERROR);
        };
    }

    private boolean canRead(ClientConnection c, Znode node) {
        return AccessControl.permits(node.acl(), Acl.READ, c.identities);
    }

    private Answer exists(ClientConnection c, ExistsRequest r) {
        String path = r.getPath();
        if (path == null || path.indexOf('\0') >= 0) {
            return Answer.error(ErrorCode.BAD_ARGUMENTS);
        }
        Znode node = tree.get(path);
        if (node != null && !canRead(c, node)) {
            return Answer.error(ErrorCode.NO_AUTH);
        }
        if (r.getWatch()) {
            watches.addData(path, c, Mode.STANDARD);
        }
        return node == null ? Answer.error(ErrorCode.NO_NODE)
                : Answer.ok(new ExistsResponse(stat(path, node)));
    }

    /** multiRead: each getData or getChildren answered in order, an error in its own place (§3.6). */
    MultiResponseRecord multiRead(ClientConnection c, java.util.List<Inbound.MultiOp> ops) {
        java.util.List<MultiResponseRecord.Element> elements = new java.util.ArrayList<>();
        for (Inbound.MultiOp op : ops) {
            Answer answer = op.type() == OpCode.GET_DATA
                    ? getData(c, ((org.apache.zookeeper.proto.GetDataRequest) op.record()).getPath(), false)
                    : getChildren(c, ((org.apache.zookeeper.proto.GetChildrenRequest) op.record()).getPath(), false);
            elements.add(answer.err() == 0 ? new MultiResponseRecord.Element(op.type(), 0, answer.body())
                    : new MultiResponseRecord.Element(-1, answer.err(),
                            new org.apache.zookeeper.proto.ErrorResponse(answer.err())));
        }
        return new MultiResponseRecord(elements);
    }

    Answer getData(ClientConnection c, String path, boolean watch) {
        tree = machine.tree();
        Znode node = path == null ? null : tree.get(path);
        if (node == null) {
            return Answer.error(ErrorCode.NO_NODE);
        }
        if (!canRead(c, node)) {
            return Answer.error(ErrorCode.NO_AUTH);
        }
        if (watch) {
            watches.addData(path, c, Mode.STANDARD);
        }
        return Answer.ok(new GetDataResponse(data(path, node), stat(path, node)));
    }

    private Answer getAcl(ClientConnection c, GetACLRequest r) {
        Znode node = r.getPath() == null ? null : tree.get(r.getPath());
        if (node == null) {
            return Answer.error(ErrorCode.NO_NODE);
        }
        if (!AccessControl.permits(node.acl(), Acl.READ | Acl.ADMIN, c.identities)) {
            return Answer.error(ErrorCode.NO_AUTH);
        }
        List<Acl> acl = node.acl();
        if (!AccessControl.permits(node.acl(), Acl.ADMIN, c.identities)) {
            List<Acl> masked = new ArrayList<>(acl.size());
            for (Acl entry : acl) {
                masked.add(entry.scheme().equals("digest")
                        ? new Acl(entry.perms(), "digest", AccessControl.digestUser(entry.id()) + ":x") : entry);
            }
            acl = masked;
        }
        return Answer.ok(new GetACLResponse(JuteConvert.jute(acl), stat(r.getPath(), node)));
    }

    Answer getChildren(ClientConnection c, String path, boolean watch) {
        tree = machine.tree();
        Znode node = path == null ? null : tree.get(path);
        if (node == null) {
            return Answer.error(ErrorCode.NO_NODE);
        }
        if (!canRead(c, node)) {
            return Answer.error(ErrorCode.NO_AUTH);
        }
        if (watch) {
            watches.addChild(path, c, Mode.STANDARD);
        }
        return Answer.ok(new GetChildrenResponse(node.children()));
    }

    private Answer getChildren2(ClientConnection c, GetChildren2Request r) {
        Answer answer = getChildren(c, r.getPath(), r.getWatch());
        if (answer.err() != 0) {
            return answer;
        }
        List<String> children = ((GetChildrenResponse) answer.body()).getChildren();
        return Answer.ok(new GetChildren2Response(children, stat(r.getPath(), tree.get(r.getPath()))));
    }

    /** §5.4: type 1..5; checkWatches only tests, removeWatches removes. */
    private Answer checkWatches(ClientConnection c, String path, int watcherType, boolean remove) {
        if (watcherType < 1 || watcherType > 5) {
            return Answer.error(ErrorCode.MARSHALLING_ERROR);
        }
        boolean found = remove ? watches.remove(path, c, watcherType) : watches.has(path, c, watcherType);
        return found ? Answer.ok(null) : Answer.error(ErrorCode.NO_WATCHER);
    }

    private Answer getEphemerals(ClientConnection c, GetEphemeralsRequest r) {
        String prefix = r.getPrefixPath();
        boolean all = prefix == null || prefix.isBlank() || prefix.trim().equals("/");
        List<String> result = new ArrayList<>();
        for (String path : tree.ephemeralsOf(c.sessionId)) {
            if (all || path.startsWith(prefix)) {
                result.add(path);
            }
        }
        return Answer.ok(new GetEphemeralsResponse(result));
    }

    private Answer getAllChildrenNumber(ClientConnection c, GetAllChildrenNumberRequest r) {
        Znode node = r.getPath() == null ? null : tree.get(r.getPath());
        if (node == null) {
            return Answer.error(ErrorCode.NO_NODE);
        }
        if (!canRead(c, node)) {
            return Answer.error(ErrorCode.NO_AUTH);
        }
        return Answer.ok(new GetAllChildrenNumberResponse(tree.descendantCount(r.getPath())));
    }

    /** addWatch answers with a 4-byte ErrorResponse(0) (§0.4); mode 0 sits in both tables, mode 1 in data. */
    private Answer addWatch(ClientConnection c, AddWatchRequest r) {
        if (r.getMode() == 0) {
            watches.addData(r.getPath(), c, Mode.PERSISTENT);
            watches.addChild(r.getPath(), c, Mode.PERSISTENT);
        } else if (r.getMode() == 1) {
            watches.addData(r.getPath(), c, Mode.PERSISTENT_RECURSIVE);
        } else {
            return Answer.error(ErrorCode.MARSHALLING_ERROR);
        }
        return Answer.ok(new ErrorResponse(0));
    }

    private Answer whoAmI(ClientConnection c) {
        List<ClientInfo> infos = new ArrayList<>();
        for (Identity identity : c.identities) {
            String user = switch (identity.scheme()) {
                case "digest" -> AccessControl.digestUser(identity.id());
                default -> identity.id();
            };
            infos.add(new ClientInfo(identity.scheme(), user));
        }
        return Answer.ok(new WhoAmIResponse(infos));
    }
}
