package io.viewkeeper.frontend;

import io.viewkeeper.storage.ErrorCode;

/**
 * Requests of a read-only session (ZooKeeper's ReadOnlyRequestProcessor): reads are answered from this replica's
 * state as it stands, never behind a read barrier and so never claimed linearizable; writes and sync are refused
 * with NotReadOnly and the zxid of the state read; closing the session closes the connection and nothing else,
 * since a read-only session is never replicated (or, resumed read-only, still belongs to the group).
 */
final class ReadOnlyRequests {
    private ReadOnlyRequests() {
    }

    static void handle(FrontendCore core, ClientConnection c, Inbound.Request request, long startNanos) {
        switch (request.type()) {
            case OpCode.PING -> core.send(c, Outbound.reply(FrontendCore.PING_XID, core.lastZxid(), 0));
            case OpCode.AUTH -> AuthRequests.handle(core, c, request);
            case OpCode.SASL -> SaslRequests.handle(core, c, request);
            case OpCode.SET_WATCHES, OpCode.SET_WATCHES2 -> WatchRestore.handle(core, c, request, core.restoredAtZxid);
            case OpCode.CLOSE_SESSION -> core.send(c, Outbound.reply(request.xid(), core.lastZxid(), 0).thenClose());
            case OpCode.SYNC -> core.send(c, Outbound.reply(request.xid(), core.lastZxid(), ErrorCode.NOT_READONLY));
            default -> {
                if (WriteRequests.isWrite(request.type())) {
                    core.send(c, Outbound.reply(request.xid(), core.lastZxid(), ErrorCode.NOT_READONLY));
                } else if (request.decodeError()) {
                    core.send(c, Outbound.reply(request.xid(), core.lastZxid(), ErrorCode.MARSHALLING_ERROR));
                } else {
                    core.readBarriers().evaluate(c, request, startNanos);
                }
            }
        }
    }
}
