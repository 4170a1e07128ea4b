"""kazoo (python3-kazoo) against a server given on the command line.

Sessions, znodes and their Stat, watches, ephemerals and sequentials, transactions with
per-op results, digest ACLs, the Lock and Election recipes and a value near 1 MiB.
Prints "OK <step>" per step and "FAIL <step>: <reason>" on the first failure, exiting 1.
"""
import sys
import threading

from kazoo.client import KazooClient
from kazoo.exceptions import BadVersionError, NoAuthError, NoNodeError
from kazoo.security import make_digest_acl


def fail(step, why):
    print("FAIL %s: %s" % (step, why), flush=True)
    sys.exit(1)


def ok(step):
    print("OK " + step, flush=True)


def connect(hosts, **kwargs):
    client = KazooClient(hosts=hosts, timeout=10.0, **kwargs)
    client.start(timeout=30)
    return client


def main():
    hosts = sys.argv[1]
    zk = connect(hosts)
    if not zk.client_id or zk.client_id[0] == 0:
        fail("session", "no session id")
    ok("session")

    zk.ensure_path("/kazoo")
    zk.create("/kazoo/data", b"v1")
    value, stat = zk.get("/kazoo/data")
    if value != b"v1" or stat.version != 0 or stat.dataLength != 2 or stat.czxid != stat.mzxid:
        fail("create-get", "value or stat: %r %r" % (value, stat))
    ok("create-get")

    changed = threading.Event()
    zk.get("/kazoo/data", watch=lambda event: changed.set())
    zk.set("/kazoo/data", b"v2", version=0)
    try:
        zk.set("/kazoo/data", b"v3", version=0)
        fail("set-watch", "a stale version was accepted")
    except BadVersionError:
        pass
    if not changed.wait(10):
        fail("set-watch", "no data watch event")
    ok("set-watch")

    children_changed = threading.Event()
    zk.get_children("/kazoo", watch=lambda event: children_changed.set())
    zk.create("/kazoo/eph", b"", ephemeral=True)
    if zk.exists("/kazoo/eph").ephemeralOwner != zk.client_id[0]:
        fail("ephemeral-sequential", "the ephemeral's owner is not the session")
    if not children_changed.wait(10):
        fail("ephemeral-sequential", "no child watch event")
    sequential = zk.create("/kazoo/seq-", b"", sequence=True)
    if len(sequential) != len("/kazoo/seq-") + 10:
        fail("ephemeral-sequential", "a sequential node's name: " + sequential)
    ok("ephemeral-sequential")

    transaction = zk.transaction()
    transaction.create("/kazoo/multi", b"m")
    transaction.set_data("/kazoo/data", b"v4", version=1)
    transaction.delete("/kazoo/missing")
    results = transaction.commit()
    if not isinstance(results[2], NoNodeError) or zk.exists("/kazoo/multi") is not None:
        fail("multi", "a failing transaction's results: %r" % (results,))
    transaction = zk.transaction()
    transaction.create("/kazoo/multi", b"m")
    transaction.set_data("/kazoo/data", b"v4", version=1)
    results = transaction.commit()
    if results[0] != "/kazoo/multi" or zk.get("/kazoo/data")[0] != b"v4":
        fail("multi", "a transaction that succeeds: %r" % (results,))
    ok("multi")

    owner = connect(hosts, auth_data=[("digest", "kazoo:secret")])
    owner.create("/kazoo/private", b"p", acl=[make_digest_acl("kazoo", "secret", all=True)])
    if owner.get("/kazoo/private")[0] != b"p":
        fail("acl", "the owner cannot read its node")
    try:
        zk.get("/kazoo/private")
        fail("acl", "another session read a private node")
    except NoAuthError:
        pass
    ok("acl")

    lock = zk.Lock("/kazoo/lock", "first")
    other_lock = owner.Lock("/kazoo/lock", "second")
    lock.acquire(timeout=10)
    if other_lock.acquire(blocking=False):
        fail("lock", "two holders")
    lock.release()
    if not other_lock.acquire(timeout=10):
        fail("lock", "the second contender never got the lock")
    other_lock.release()
    elected = threading.Event()
    election = zk.Election("/kazoo/election", "me")
    runner = threading.Thread(target=election.run, args=(elected.set,), daemon=True)
    runner.start()
    if not elected.wait(10):
        fail("lock-election", "never elected")
    ok("lock-election")

    big = b"x" * 1000000
    zk.create("/kazoo/big", big)
    if owner.get("/kazoo/big")[0] != big:
        fail("big-value", "the value read back differs")
    ok("big-value")

    zk.stop()
    zk.close()
    for _ in range(500):
        if owner.exists("/kazoo/eph") is None:
            break
        threading.Event().wait(0.01)
    if owner.exists("/kazoo/eph") is not None:
        fail("close", "the closed session's ephemeral is still there")
    ok("close")
    owner.stop()
    owner.close()


if __name__ == "__main__":
    main()
