"""A kazoo client with read_only=True against one server that is cut off from its group.

It prints one line per step so that the Java test driving it can follow: RO_OK once it has
read /ro read-only and had a write refused with NotReadOnly; then it waits for a line on stdin
(the test heals the partition) and prints RW_OK once it is connected read-write again and a
write succeeds. Any failure prints FAIL and a reason and exits non-zero.
"""
import sys
import time

from kazoo.client import KazooClient
from kazoo.exceptions import NotReadOnlyCallError
from kazoo.protocol.states import KeeperState


def wait_for(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    print("FAIL " + what, flush=True)
    sys.exit(1)


def main():
    hosts = sys.argv[1]
    client = KazooClient(hosts=hosts, read_only=True, timeout=6.0,
                         connection_retry={"max_tries": -1, "delay": 0.1, "max_delay": 1})
    client.start(timeout=30)
    wait_for(lambda: client.client_state == KeeperState.CONNECTED_RO, 30,
             "not connected read-only: " + str(client.client_state))
    value, _ = client.get("/ro")
    if value != b"v1":
        print("FAIL read " + repr(value), flush=True)
        sys.exit(1)
    try:
        client.set("/ro", b"kazoo")
        print("FAIL a write on a read-only session succeeded", flush=True)
        sys.exit(1)
    except NotReadOnlyCallError:
        pass
    print("RO_OK", flush=True)

    sys.stdin.readline()

    def written():
        if client.client_state != KeeperState.CONNECTED:
            return False
        try:
            client.set("/ro", b"kazoo")
            return True
        except Exception:  # noqa: BLE001 - still reconnecting; try again
            return False

    wait_for(written, 60, "not back read-write: " + str(client.client_state))
    print("RW_OK", flush=True)
    client.stop()
    client.close()


if __name__ == "__main__":
    main()
