package io.viewkeeper.storage;

import static io.viewkeeper.storage.ErrorCode.BAD_ARGUMENTS;
import static io.viewkeeper.storage.ErrorCode.BAD_VERSION;
import static io.viewkeeper.storage.ErrorCode.INVALID_ACL;
import static io.viewkeeper.storage.ErrorCode.NODE_EXISTS;
import static io.viewkeeper.storage.ErrorCode.NOT_EMPTY;
import static io.viewkeeper.storage.ErrorCode.NO_AUTH;
import static io.viewkeeper.storage.ErrorCode.NO_CHILDREN_FOR_EPHEMERALS;
import static io.viewkeeper.storage.ErrorCode.NO_NODE;
import static io.viewkeeper.storage.ErrorCode.QUOTA_EXCEEDED;
import static io.viewkeeper.storage.ErrorCode.RUNTIME_INCONSISTENCY;
import static io.viewkeeper.storage.ErrorCode.SESSION_EXPIRED;
import static io.viewkeeper.storage.ErrorCode.UNIMPLEMENTED;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Validates and applies replicated operations to the tree and the session table. Deterministic: the result and
 * the changes depend only on the state, the zxid and the {@link Txn}; checks run in ZooKeeper's order
 * (PrepRequestProcessor), so the first failing check decides the error code.
 */
public final class ZnodeStateMachine {

    /** The node a reconfiguration writes ({@link Operation.SetConfig}). */
    public static final String CONFIG_PATH = "/zookeeper/config";
    private DataTree tree;
    private SessionTable sessions;
    private final boolean extendedTypesEnabled;
    private final boolean enforceQuota;
    private long lastZxid;
    /** The parts of a restore in parts applied so far; null when none is under way. */
    private RestoreStaging staging;

    public ZnodeStateMachine(DataTree tree, SessionTable sessions, boolean extendedTypesEnabled, boolean enforceQuota) {
        this.tree = tree;
        this.sessions = sessions;
        this.extendedTypesEnabled = extendedTypesEnabled;
        this.enforceQuota = enforceQuota;
    }

    public boolean extendedTypesEnabled() {
        return extendedTypesEnabled;
    }

    public boolean enforceQuota() {
        return enforceQuota;
    }

    public DataTree tree() {
        return tree;
    }

    public SessionTable sessions() {
        return sessions;
    }

    /** The zxid of the last applied operation. */
    public long lastZxid() {
        return lastZxid;
    }

    /** Replaces the whole state with a snapshot image (state transfer or recovery). */
    public void install(TreeSnapshot.Image image) {
        this.tree = image.tree();
        this.sessions = image.sessions();
        this.lastZxid = image.lastZxid();
        // a checkpoint is never taken while parts are staged: the image was taken where none were
        this.staging = null;
    }

    /**
     * Whether parts of a restore are staged ({@link Operation.RestorePart}): they are in no checkpoint, so none
     * may be taken until the restore is applied or dropped (a restart replays them from the log).
     */
    public boolean restoreStaged() {
        return staging != null;
    }

    public ApplyOutcome apply(long zxid, Txn txn) {
        if (zxid <= lastZxid) {
            throw new IllegalStateException("zxid " + zxid + " applied after " + lastZxid);
        }
        lastZxid = zxid;
        if (staging != null && !(txn.op() instanceof Operation.RestorePart)
                && ++staging.opsSinceLastPart > Operation.RestorePart.STAGING_IDLE_OPS) {
            staging = null; // its sender gave up: nothing will apply it
        }
        List<Change> changes = new ArrayList<>();
        DataTree.Undo undo = new DataTree.Undo();
        Result result = switch (txn.op()) {
            case Operation.Multi multi -> applyMulti(zxid, txn, multi, changes);
            case Operation.CreateSession create -> createSession(create);
            case Operation.CloseSession close -> closeSession(zxid, close, changes, undo);
            case Operation.Failed failed -> Result.error(failed.errorCode());
            case Operation.SetConfig config -> setConfig(zxid, txn, config, changes, undo);
            case Operation.RestoreState restore -> {
                staging = null; // the state it would replace is gone
                yield restoreState(zxid, restore);
            }
            case Operation.RestorePart part -> restorePart(zxid, part);
            default -> applySingle(zxid, txn, txn.op(), changes, undo);
        };
        return new ApplyOutcome(result, List.copyOf(changes));
    }

    private Result applySingle(long zxid, Txn txn, Operation op, List<Change> changes, DataTree.Undo undo) {
        if (pathOf(op) == null && !(op instanceof Operation.Failed)) {
            // ZooKeeper turns an unexpected failure while checking a request into MarshallingError
            return Result.error(ErrorCode.MARSHALLING_ERROR);
        }
        return switch (op) {
            case Operation.Create create -> create(zxid, txn, create, changes, undo);
            case Operation.Delete delete -> delete(zxid, txn, delete, changes, undo);
            case Operation.SetData setData -> setData(zxid, txn, setData, changes, undo);
            case Operation.SetAcl setAcl -> setAcl(txn, setAcl, undo);
            case Operation.Check check -> check(txn, check);
            case Operation.DeleteContainer delete -> deleteContainer(zxid, delete, changes, undo);
            case Operation.Multi m -> Result.error(ErrorCode.MARSHALLING_ERROR);
            case Operation.CreateSession s -> Result.error(ErrorCode.MARSHALLING_ERROR);
            case Operation.CloseSession s -> Result.error(ErrorCode.MARSHALLING_ERROR);
            case Operation.Failed failed -> Result.error(failed.errorCode());
            case Operation.SetConfig c -> Result.error(ErrorCode.MARSHALLING_ERROR);
            case Operation.Reconfig c -> Result.error(ErrorCode.MARSHALLING_ERROR);
            case Operation.RestoreState r -> Result.error(ErrorCode.MARSHALLING_ERROR);
            case Operation.RestorePart r -> Result.error(ErrorCode.MARSHALLING_ERROR);
        };
    }

    /**
     * Stages one part of a restore in parts; the last applies the whole state as {@link #restoreState} does. Part
     * 0 starts a staging (replacing any other restore's). A part that does not follow the staged ones of its
     * restore is refused with RuntimeInconsistency and drops that staging (its sender must start again); one of
     * another restore than the one staged is refused the same way and changes nothing. A staging over
     * {@link Operation.RestorePart#RESTORE_BYTES_MAX} is dropped and refused with BadArguments, as is a whole
     * that does not read back.
     */
    private Result restorePart(long zxid, Operation.RestorePart part) {
        if (part.index() == 0) {
            staging = new RestoreStaging(part.restoreId());
        } else if (staging == null || staging.restoreId != part.restoreId()) {
            return Result.error(RUNTIME_INCONSISTENCY);
        } else if (staging.parts.size() != part.index()) {
            staging = null;
            return Result.error(RUNTIME_INCONSISTENCY);
        }
        if (staging.bytes + part.bytes().length > Operation.RestorePart.RESTORE_BYTES_MAX) {
            staging = null;
            return Result.error(ErrorCode.BAD_ARGUMENTS);
        }
        staging.parts.add(part.bytes());
        staging.bytes += part.bytes().length;
        staging.opsSinceLastPart = 0;
        if (!part.last()) {
            return new Result.Done();
        }
        byte[] state = new byte[Math.toIntExact(staging.bytes)];
        int at = 0;
        for (byte[] staged : staging.parts) {
            System.arraycopy(staged, 0, state, at, staged.length);
            at += staged.length;
        }
        staging = null;
        return restoreState(zxid, new Operation.RestoreState(state, part.mode()));
    }

    /** The parts of one restore applied so far, in order. */
    private static final class RestoreStaging {
        final long restoreId;
        final List<byte[]> parts = new ArrayList<>();
        long bytes;
        long opsSinceLastPart;

        RestoreStaging(long restoreId) {
            this.restoreId = restoreId;
        }
    }

    /**
     * Replaces the whole state by the image. Refused (BadArguments, nothing changed) when the image does not read
     * back, or, for a restore of mode NOT_AHEAD (the entries written before zxids could move), when it holds a zxid
     * above this op's; for an import (INTO_EMPTY) refused with NotEmpty when this state holds a znode outside
     * /zookeeper. Zxids never go back: the state's last zxid becomes the highest of this op's zxid, the image's and
     * any in its tree, so an image from a ZooKeeper ensemble whose zxids are above this group's moves the group's
     * zxids up to them (the driver numbers the ops after this one from the state's last zxid). A session the image
     * shares with the state it replaces keeps the password its client holds.
     */
    private Result restoreState(long zxid, Operation.RestoreState restore) {
        if (restore.mode() == Operation.RestoreState.Mode.INTO_EMPTY && !holdsOnlySystemNodes()) {
            return Result.error(ErrorCode.NOT_EMPTY);
        }
        TreeSnapshot.Image image;
        try {
            image = TreeSnapshot.read(restore.state());
        } catch (OperationCodec.MalformedOperationException e) {
            return Result.error(ErrorCode.BAD_ARGUMENTS);
        }
        if (restore.mode() == Operation.RestoreState.Mode.NOT_AHEAD
                && (image.lastZxid() > zxid || highestZxid(image.tree()) > zxid)) {
            return Result.error(ErrorCode.BAD_ARGUMENTS);
        }
        for (Session restored : List.copyOf(image.sessions().all())) {
            Session current = sessions.get(restored.sessionId());
            if (current != null) {
                image.sessions().add(new Session(restored.sessionId(), restored.timeoutMs(), current.password()));
            }
        }
        long last = Math.max(zxid, Math.max(image.lastZxid(), highestZxid(image.tree())));
        install(new TreeSnapshot.Image(image.tree(), image.sessions(), last));
        return new Result.Done();
    }

    /** Whether every znode is the root or under /zookeeper (what a new group holds). */
    private boolean holdsOnlySystemNodes() {
        for (String path : tree.paths()) {
            if (!path.equals("/") && !path.equals("/zookeeper") && !path.startsWith("/zookeeper/")) {
                return false;
            }
        }
        return true;
    }

    private static long highestZxid(DataTree restored) {
        long highest = 0;
        for (String path : restored.paths()) {
            Znode node = restored.get(path);
            highest = Math.max(highest, Math.max(node.czxid, Math.max(node.mzxid, node.pzxid())));
        }
        return highest;
    }

    private static String pathOf(Operation op) {
        return switch (op) {
            case Operation.Create c -> c.path();
            case Operation.Delete d -> d.path();
            case Operation.SetData d -> d.path();
            case Operation.SetAcl a -> a.path();
            case Operation.Check c -> c.path();
            case Operation.DeleteContainer d -> d.path();
            case Operation.Multi m -> "";
            case Operation.CreateSession s -> "";
            case Operation.CloseSession s -> "";
            case Operation.Failed f -> "";
            case Operation.SetConfig c -> CONFIG_PATH;
            case Operation.Reconfig c -> CONFIG_PATH;
            case Operation.RestoreState r -> "";
            case Operation.RestorePart r -> "";
        };
    }

    /** ZooKeeper multi: ops see each other's effects; the first failure rolls all back (§3.5). */
    private Result applyMulti(long zxid, Txn txn, Operation.Multi multi, List<Change> changes) {
        DataTree.Undo undo = new DataTree.Undo();
        List<Result> results = new ArrayList<>();
        List<Change> multiChanges = new ArrayList<>();
        int failedAt = -1;
        int failure = 0;
        for (int i = 0; i < multi.ops().size(); i++) {
            Result r = applySingle(zxid, txn, multi.ops().get(i), multiChanges, undo);
            if (r instanceof Result.Error e) {
                failedAt = i;
                failure = e.code();
                break;
            }
            results.add(r);
        }
        if (failedAt < 0) {
            changes.addAll(multiChanges);
            return new Result.MultiDone(results);
        }
        undo.rollback();
        List<Result> errors = new ArrayList<>();
        for (int i = 0; i < multi.ops().size(); i++) {
            errors.add(Result.error(i < failedAt ? ErrorCode.OK : i == failedAt ? failure : RUNTIME_INCONSISTENCY));
        }
        return new Result.MultiDone(errors);
    }

    private boolean sessionValid(Txn txn) {
        return sessions.contains(txn.sessionId());
    }

    private Result create(long zxid, Txn txn, Operation.Create create, List<Change> changes, DataTree.Undo undo) {
        int flags = create.flags();
        boolean ttlMode = flags == 5 || flags == 6;
        if (flags < 0 || flags > 6) {
            return Result.error(BAD_ARGUMENTS);
        }
        if ((ttlMode || create.opcode() == 21) && !extendedTypesEnabled) {
            return Result.error(UNIMPLEMENTED);
        }
        if (ttlMode ? create.ttl() <= 0 || create.ttl() > Znode.TTL_MAX : create.ttl() >= 0) {
            return Result.error(BAD_ARGUMENTS);
        }
        if (!sessionValid(txn)) {
            return Result.error(SESSION_EXPIRED);
        }
        String path = create.path();
        int lastSlash = path.lastIndexOf('/');
        if (lastSlash < 0 || path.indexOf('\0') >= 0) {
            return Result.error(BAD_ARGUMENTS);
        }
        List<Acl> acl = AccessControl.expand(create.acl(), txn.identities());
        if (acl == null) {
            return Result.error(INVALID_ACL);
        }
        String parentPath = lastSlash == 0 ? "/" : path.substring(0, lastSlash);
        Znode parent = tree.get(parentPath);
        if (parent == null) {
            return Result.error(NO_NODE);
        }
        if (!AccessControl.permits(parent.acl(), Acl.CREATE, txn.identities())) {
            return Result.error(NO_AUTH);
        }
        boolean sequential = flags == 2 || flags == 3 || flags == 6;
        if (sequential) {
            path = path + String.format(Locale.ENGLISH, "%010d", parent.childCreations());
        }
        if (!PathRules.isValid(path)) {
            return Result.error(BAD_ARGUMENTS);
        }
        if (tree.get(path) != null) {
            return Result.error(NODE_EXISTS);
        }
        if (parent.ephemeralOwner() != 0) {
            return Result.error(NO_CHILDREN_FOR_EPHEMERALS);
        }
        byte[] data = create.data();
        if (!quotaAllows(path, 1, data == null ? 0 : data.length)) {
            return Result.error(QUOTA_EXCEEDED);
        }
        long owner = ownerFor(create, txn.sessionId());
        tree.create(path, data, acl, owner, zxid, txn.timeMs(), undo);
        changes.add(new Change(Change.Type.CREATED, path, acl));
        changes.add(new Change(Change.Type.CHILDREN_CHANGED, parentPath, parent.acl()));
        return new Result.Created(path, tree.get(path).stat());
    }

    private static long ownerFor(Operation.Create create, long sessionId) {
        if (create.opcode() == 19) {
            return Znode.CONTAINER_OWNER;
        }
        if (create.flags() == 5 || create.flags() == 6) {
            return Znode.TTL_OWNER_MASK | create.ttl();
        }
        return create.flags() == 1 || create.flags() == 3 ? sessionId : 0;
    }

    private Result delete(long zxid, Txn txn, Operation.Delete delete, List<Change> changes, DataTree.Undo undo) {
        if (!sessionValid(txn)) {
            return Result.error(SESSION_EXPIRED);
        }
        String path = delete.path();
        if (!PathRules.isValid(path) || PathRules.isSpecial(path)) {
            return Result.error(BAD_ARGUMENTS);
        }
        Znode parent = tree.get(PathRules.parentOf(path));
        if (parent == null) {
            return Result.error(NO_NODE);
        }
        if (!AccessControl.permits(parent.acl(), Acl.DELETE, txn.identities())) {
            return Result.error(NO_AUTH);
        }
        Znode node = tree.get(path);
        if (node == null) {
            return Result.error(NO_NODE);
        }
        if (delete.version() != -1 && delete.version() != node.version) {
            return Result.error(BAD_VERSION);
        }
        if (node.childCount() > 0) {
            return Result.error(NOT_EMPTY);
        }
        removeNode(zxid, path, changes, undo);
        return new Result.Done();
    }

    private void removeNode(long zxid, String path, List<Change> changes, DataTree.Undo undo) {
        Znode node = tree.get(path);
        String parentPath = PathRules.parentOf(path);
        tree.delete(path, zxid, undo);
        changes.add(new Change(Change.Type.DELETED, path, node.acl()));
        changes.add(new Change(Change.Type.CHILDREN_CHANGED, parentPath, tree.get(parentPath).acl()));
    }

    private Result setData(long zxid, Txn txn, Operation.SetData set, List<Change> changes, DataTree.Undo undo) {
        if (!sessionValid(txn)) {
            return Result.error(SESSION_EXPIRED);
        }
        if (!PathRules.isValid(set.path())) {
            return Result.error(BAD_ARGUMENTS);
        }
        Znode node = tree.get(set.path());
        if (node == null) {
            return Result.error(NO_NODE);
        }
        if (!AccessControl.permits(node.acl(), Acl.WRITE, txn.identities())) {
            return Result.error(NO_AUTH);
        }
        int newLength = set.data() == null ? 0 : set.data().length;
        if (!quotaAllows(set.path(), 0, newLength - node.dataLength())) {
            return Result.error(QUOTA_EXCEEDED);
        }
        if (set.version() != -1 && set.version() != node.version) {
            return Result.error(BAD_VERSION);
        }
        tree.setData(set.path(), set.data(), zxid, txn.timeMs(), undo);
        changes.add(new Change(Change.Type.DATA_CHANGED, set.path(), node.acl()));
        return new Result.Updated(node.stat());
    }

    /**
     * A reconfiguration's new {@code /zookeeper/config}: written whatever the node's ACL and without a session (the
     * replica that proposed it checked who asked), as a ZooKeeper leader writes it when a reconfig commits.
     */
    private Result setConfig(long zxid, Txn txn, Operation.SetConfig config, List<Change> changes,
                             DataTree.Undo undo) {
        Znode node = tree.get(CONFIG_PATH);
        tree.setData(CONFIG_PATH, config.data(), zxid, txn.timeMs(), undo);
        changes.add(new Change(Change.Type.DATA_CHANGED, CONFIG_PATH, node.acl()));
        return new Result.Updated(node.stat());
    }

    private Result setAcl(Txn txn, Operation.SetAcl set, DataTree.Undo undo) {
        if (!sessionValid(txn)) {
            return Result.error(SESSION_EXPIRED);
        }
        if (!PathRules.isValid(set.path())) {
            return Result.error(BAD_ARGUMENTS);
        }
        List<Acl> acl = AccessControl.expand(set.acl(), txn.identities());
        if (acl == null) {
            return Result.error(INVALID_ACL);
        }
        Znode node = tree.get(set.path());
        if (node == null) {
            return Result.error(NO_NODE);
        }
        if (!AccessControl.permits(node.acl(), Acl.ADMIN, txn.identities())) {
            return Result.error(NO_AUTH);
        }
        if (set.version() != -1 && set.version() != node.aversion) {
            return Result.error(BAD_VERSION);
        }
        tree.setAcl(set.path(), acl, undo);
        return new Result.Updated(node.stat());
    }

    private Result check(Txn txn, Operation.Check check) {
        if (!sessionValid(txn)) {
            return Result.error(SESSION_EXPIRED);
        }
        if (!PathRules.isValid(check.path())) {
            return Result.error(BAD_ARGUMENTS);
        }
        Znode node = tree.get(check.path());
        if (node == null) {
            return Result.error(NO_NODE);
        }
        if (!AccessControl.permits(node.acl(), Acl.READ, txn.identities())) {
            return Result.error(NO_AUTH);
        }
        if (check.version() != -1 && check.version() != node.version) {
            return Result.error(BAD_VERSION);
        }
        return new Result.Done();
    }

    private Result deleteContainer(long zxid, Operation.DeleteContainer delete, List<Change> changes,
            DataTree.Undo undo) {
        Znode node = tree.get(delete.path());
        if (node == null) {
            return Result.error(NO_NODE);
        }
        if (PathRules.isSpecial(delete.path())) {
            return Result.error(BAD_ARGUMENTS);
        }
        if (node.childCount() > 0) {
            return Result.error(NOT_EMPTY);
        }
        if (node.ephemeralOwner() != 0) {
            return Result.error(BAD_VERSION);
        }
        removeNode(zxid, delete.path(), changes, undo);
        return new Result.Done();
    }

    private Result createSession(Operation.CreateSession create) {
        sessions.add(new Session(create.sessionId(), create.timeoutMs(), create.password()));
        return new Result.Done();
    }

    /** Closing a session deletes its ephemerals in this one op; each delete fires its events (§1.5). */
    private Result closeSession(long zxid, Operation.CloseSession close, List<Change> changes, DataTree.Undo undo) {
        for (String path : List.copyOf(tree.ephemeralsOf(close.sessionId()))) {
            removeNode(zxid, path, changes, undo);
        }
        sessions.remove(close.sessionId());
        return new Result.Done();
    }

    private boolean quotaAllows(String path, int countDelta, long bytesDelta) {
        if (!enforceQuota) {
            return true;
        }
        String quotaPath = tree.quotaPathFor(path);
        if (quotaPath == null) {
            return true;
        }
        long[] state = tree.quotaState(quotaPath);
        boolean countOk = state[2] < 0 || countDelta == 0 || state[0] + countDelta <= state[2];
        boolean bytesOk = state[3] < 0 || bytesDelta <= 0 || state[1] + bytesDelta <= state[3];
        return countOk && bytesOk;
    }
}
