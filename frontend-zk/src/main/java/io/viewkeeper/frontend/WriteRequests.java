package io.viewkeeper.frontend;

import io.viewkeeper.storage.AccessControl;
import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.ErrorCode;
import io.viewkeeper.storage.Identity;
import io.viewkeeper.storage.Operation;
import java.util.ArrayList;
import java.util.List;
import org.apache.jute.Record;
import org.apache.zookeeper.proto.CheckVersionRequest;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.CreateTTLRequest;
import org.apache.zookeeper.proto.DeleteRequest;
import org.apache.zookeeper.proto.ReconfigRequest;
import org.apache.zookeeper.proto.SetACLRequest;
import org.apache.zookeeper.proto.SetDataRequest;
import org.apache.zookeeper.proto.SyncRequest;

/** Turns decoded write requests into replicated {@link Operation}s. */
final class WriteRequests {

    private WriteRequests() {
    }

    static boolean isWrite(int type) {
        return switch (type) {
            case OpCode.CREATE, OpCode.CREATE2, OpCode.CREATE_CONTAINER, OpCode.CREATE_TTL, OpCode.DELETE,
                    OpCode.SET_DATA, OpCode.SET_ACL, OpCode.MULTI, OpCode.DELETE_CONTAINER, OpCode.RECONFIG,
                    OpCode.CLOSE_SESSION -> true;
            default -> false;
        };
    }

    /** The operation for a decoded write; a multi with a bad create flag becomes a failed op (§3.5). */
    static Operation toOperation(Inbound.Request request) {
        if (request.type() == OpCode.MULTI) {
            List<Operation> ops = new ArrayList<>(request.multiOps().size());
            for (Inbound.MultiOp op : request.multiOps()) {
                Operation converted = single(op.type(), op.record());
                if (converted instanceof Operation.Create c && (c.flags() < 0 || c.flags() > 6)) {
                    return new Operation.Failed(ErrorCode.MARSHALLING_ERROR);
                }
                ops.add(converted);
            }
            return new Operation.Multi(ops);
        }
        if (request.type() == OpCode.RECONFIG) {
            return new Operation.Failed(ErrorCode.RECONFIG_DISABLED);
        }
        return single(request.type(), request.body());
    }

    /**
     * A reconfig request (opcode 16) as ZooKeeper's leader checks it before it proposes: ReconfigDisabled unless
     * reconfigEnabled, NoAuth unless the client may write {@code /zookeeper/config} (its ACL lets only a superuser
     * by default); else the request, which the replica turns into a reconfiguration of its group.
     */
    static Operation reconfig(Inbound.Request request, boolean enabled, List<Identity> identities,
                              List<Acl> configAcl) {
        if (!enabled) {
            return new Operation.Failed(ErrorCode.RECONFIG_DISABLED);
        }
        if (!AccessControl.permits(configAcl, Acl.WRITE, identities)) {
            return new Operation.Failed(ErrorCode.NO_AUTH);
        }
        ReconfigRequest r = (ReconfigRequest) request.body();
        return new Operation.Reconfig(r.getJoiningServers(), r.getLeavingServers(), r.getNewMembers(),
                r.getCurConfigId());
    }

    private static Operation single(int type, Record record) {
        return switch (record) {
            case CreateTTLRequest r -> new Operation.Create(type, r.getPath(), r.getData(), JuteConvert.acl(r.getAcl()),
                    r.getFlags(), r.getTtl());
            case CreateRequest r -> new Operation.Create(type, r.getPath(), r.getData(), JuteConvert.acl(r.getAcl()),
                    r.getFlags(), -1);
            case DeleteRequest r -> new Operation.Delete(r.getPath(), r.getVersion());
            case SetDataRequest r -> new Operation.SetData(r.getPath(), r.getData(), r.getVersion());
            case SetACLRequest r -> new Operation.SetAcl(r.getPath(), JuteConvert.acl(r.getAcl()), r.getVersion());
            case CheckVersionRequest r -> new Operation.Check(r.getPath(), r.getVersion());
            case SyncRequest r -> new Operation.DeleteContainer(r.getPath());
            default -> throw new IllegalArgumentException("not a write record: " + record.getClass().getSimpleName());
        };
    }
}
