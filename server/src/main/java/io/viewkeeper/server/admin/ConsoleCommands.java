package io.viewkeeper.server.admin;

import io.viewkeeper.server.metrics.RecentActivity;
import io.viewkeeper.storage.AccessControl;
import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.Identity;
import io.viewkeeper.storage.PathRules;
import io.viewkeeper.storage.Stat;
import io.viewkeeper.storage.Znode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The reads the web console is built on, usable by any HTTP client: {@code member} (one replica at a glance: its
 * VR figures, its clients and the last minutes of requests per second, p99 latency and events) and {@code znode}
 * (one node of the tree: Stat, ACL, children, data). Reads are this replica's applied state, not linearizable
 * ones. Without the admin token the viewer is {@code world:anyone} under ZooKeeper's client rules: Stat, children
 * and data need READ, the ACL needs READ or ADMIN and shows digest identities as {@code user:x} without ADMIN;
 * what is not allowed is withheld with the reason. The token acts as ZooKeeper's super user.
 */
final class ConsoleCommands {
    static final int SECONDS_DEFAULT = 120;
    static final int CHILDREN_LIMIT_MAX = 10_000;
    static final int CHILDREN_LIMIT_DEFAULT = 500;

    private final NodeAccess node;
    private final ReplicaCommands replica;

    ConsoleCommands(NodeAccess node, ReplicaCommands replica) {
        this.node = node;
        this.replica = replica;
    }

    List<AdminCommand> all() {
        return List.of(
                new AdminCommand(List.of("member"), false, true, "This replica at a glance for the console: its VR "
                        + "figures, clients, znodes, and requests/s, p99 and events of the last seconds=N (at most "
                        + RecentActivity.SECONDS_KEPT + ")", this::member),
                new AdminCommand(List.of("znode"), false, true, "One znode (path=/...): Stat, ACL, children (limit=N, "
                        + "at most " + CHILDREN_LIMIT_MAX + ") and data, as world:anyone may see them, or all of it "
                        + "with the admin token", this::znode));
    }

    private AdminCommand.Job member(Params params) throws AdminException {
        params.allowOnly(Set.of("seconds"));
        int wanted = (int) params.number("seconds", 0, RecentActivity.SECONDS_KEPT, SECONDS_DEFAULT);
        return () -> {
            Map<String, Object> out = replica.replicaFigures(-1);
            out.put("znodes", node.stateMachine().tree().nodeCount());
            out.put("connections", node.frontend().server().connections());
            out.put("last_zxid", "0x" + Long.toHexString(node.stateMachine().lastZxid()));
            out.put("version", io.viewkeeper.frontend.FrontendReport.version());
            RecentActivity activity = node.activity();
            List<RecentActivity.Second> seconds = activity.seconds();
            List<List<Object>> recent = new ArrayList<>();
            for (RecentActivity.Second s : seconds.subList(Math.max(0, seconds.size() - wanted), seconds.size())) {
                recent.add(List.of(s.startMs(), s.requests(), Math.round(s.p99Ms() * 1000) / 1000.0));
            }
            out.put("seconds", recent);
            List<Map<String, Object>> events = new ArrayList<>();
            for (RecentActivity.Event e : activity.events()) {
                events.add(Map.of("at_ms", e.atMs(), "kind", e.kind(), "detail", e.detail()));
            }
            out.put("events", events);
            out.put("now_ms", System.currentTimeMillis());
            return out;
        };
    }

    private AdminCommand.Job znode(Params params) throws AdminException {
        params.allowOnly(Set.of("path", "limit"));
        String path = params.has("path") ? params.text("path") : "/";
        if (!PathRules.isValid(path)) {
            throw AdminException.badRequest("parameter 'path' must be a valid znode path (absolute, no empty, '.' "
                    + "or '..' segments, no trailing '/'), got '" + Params.shorten(path) + "'");
        }
        int limit = (int) params.number("limit", 1, CHILDREN_LIMIT_MAX, CHILDREN_LIMIT_DEFAULT);
        boolean tokenGiven = params.tokenGiven();
        List<Identity> viewer = tokenGiven ? List.of(Identity.SUPER) : List.of();
        return () -> {
            Znode z = node.stateMachine().tree().get(path);
            if (z == null) {
                throw AdminException.notFound("no znode " + path);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("path", path);
            out.put("token_accepted", tokenGiven);
            boolean read = AccessControl.permits(z.acl(), Acl.READ, viewer);
            boolean admin = AccessControl.permits(z.acl(), Acl.ADMIN, viewer);
            if (AccessControl.permits(z.acl(), Acl.READ | Acl.ADMIN, viewer)) {
                out.put("acl", acl(z.acl(), admin));
            } else {
                out.put("acl", null);
            }
            if (!read) {
                // as a ZooKeeper client without READ: no Stat, no children, no data
                out.put("withheld", "the ACL does not let world:anyone read this znode; give the admin token to see "
                        + "its Stat, children and data");
                return out;
            }
            out.put("stat", stat(z.stat()));
            out.put("kind", z.isContainer() ? "container" : z.isTtl() ? "ttl" : z.ephemeralOwner() != 0
                    ? "ephemeral" : "persistent");
            if (z.isTtl()) {
                out.put("ttl_ms", z.ttlMs());
            }
            List<String> children = new ArrayList<>(z.children());
            children.sort(null);
            out.put("children_total", children.size());
            out.put("children", children.subList(0, Math.min(limit, children.size())));
            byte[] data = z.data();
            out.put("data_base64", data == null ? null : Base64.getEncoder().encodeToString(data));
            return out;
        };
    }

    /** The ACL as getAcl shows it: without ADMIN, a digest identity's password hash is masked ("user:x"). */
    private static List<Map<String, Object>> acl(List<Acl> acl, boolean admin) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Acl a : acl) {
            String id = !admin && a.scheme().equals("digest") ? AccessControl.digestUser(a.id()) + ":x" : a.id();
            out.add(Map.of("scheme", a.scheme(), "id", id, "perms", perms(a.perms())));
        }
        return out;
    }

    /** ZooKeeper's letters for permission bits, as getAcl prints them in zkCli: c, d, r, w, a. */
    static String perms(int perms) {
        StringBuilder s = new StringBuilder();
        s.append((perms & Acl.CREATE) != 0 ? "c" : "");
        s.append((perms & Acl.DELETE) != 0 ? "d" : "");
        s.append((perms & Acl.READ) != 0 ? "r" : "");
        s.append((perms & Acl.WRITE) != 0 ? "w" : "");
        s.append((perms & Acl.ADMIN) != 0 ? "a" : "");
        return s.toString();
    }

    private static Map<String, Object> stat(Stat s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("czxid", "0x" + Long.toHexString(s.czxid()));
        out.put("mzxid", "0x" + Long.toHexString(s.mzxid()));
        out.put("pzxid", "0x" + Long.toHexString(s.pzxid()));
        out.put("ctime", s.ctime());
        out.put("mtime", s.mtime());
        out.put("version", s.version());
        out.put("cversion", s.cversion());
        out.put("aversion", s.aversion());
        out.put("ephemeralOwner", "0x" + Long.toHexString(s.ephemeralOwner()));
        out.put("dataLength", s.dataLength());
        out.put("numChildren", s.numChildren());
        return out;
    }
}
