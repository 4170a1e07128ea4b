"""kazoo (python3-kazoo) over TLS with a client certificate, authenticated with SASL DIGEST-MD5.

Arguments: hosts, the CA file (PEM), the client's certificate and key (one PEM file), the certificate's
subject as the server names it (RFC 2253), the SASL user and password.
Prints "OK <step>" per step and "FAIL <step>: <reason>" on the first failure, exiting 1.
"""
import sys

from kazoo.client import KazooClient
from kazoo.security import ACL, Id, Permissions


def fail(step, why):
    print("FAIL %s: %s" % (step, why), flush=True)
    sys.exit(1)


def ok(step):
    print("OK " + step, flush=True)


def main():
    hosts, ca, cert, subject, user, password = sys.argv[1:7]
    client = KazooClient(hosts=hosts, timeout=10.0, use_ssl=True, verify_certs=True, ca=ca, certfile=cert,
                         keyfile=cert, sasl_options={"mechanism": "DIGEST-MD5", "username": user,
                                                     "password": password})
    try:
        client.start(timeout=30)
    except Exception as e:
        fail("tls-sasl-session", repr(e))
    ok("tls-sasl-session")

    step = "sasl-acl"
    try:
        client.create("/kazoo-sasl", b"by sasl", acl=[ACL(Permissions.ALL, Id("sasl", user))])
        data, _ = client.get("/kazoo-sasl")
        if data != b"by sasl":
            fail(step, "read back %r" % data)
    except Exception as e:
        fail(step, repr(e))
    ok(step)

    step = "x509-acl"
    try:
        client.create("/kazoo-x509", b"by x509", acl=[ACL(Permissions.ALL, Id("x509", subject))])
        data, _ = client.get("/kazoo-x509")
        if data != b"by x509":
            fail(step, "read back %r" % data)
    except Exception as e:
        fail(step, repr(e))
    ok(step)

    client.stop()
    client.close()
    ok("close")


if __name__ == "__main__":
    main()
