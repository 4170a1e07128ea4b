/*
 * A ZooKeeper C client (libzookeeper_mt) run against a server given on the command line: sessions, znodes and
 * their Stat, watches, ephemerals, multi with per-op results, digest ACLs, a value near 1 MiB and a clean close.
 * Prints "OK <step>" per step and "FAIL <step>: <reason>" on the first failure, exiting non-zero. The Java test
 * that builds and runs it checks the output.
 */
#define THREADED /* the synchronous API of libzookeeper_mt */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <zookeeper/zookeeper.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int connected = 0;
static int data_events = 0;
static int child_events = 0;

static void watcher(zhandle_t *zh, int type, int state, const char *path, void *context) {
    (void) zh;
    (void) context;
    pthread_mutex_lock(&lock);
    if (type == ZOO_SESSION_EVENT && state == ZOO_CONNECTED_STATE) {
        connected = 1;
    } else if (type == ZOO_CHANGED_EVENT && path != NULL && strcmp(path, "/cclient/data") == 0) {
        data_events++;
    } else if (type == ZOO_CHILD_EVENT && path != NULL && strcmp(path, "/cclient") == 0) {
        child_events++;
    }
    pthread_mutex_unlock(&lock);
}

static int read_flag(int *flag) {
    pthread_mutex_lock(&lock);
    int value = *flag;
    pthread_mutex_unlock(&lock);
    return value;
}

static int wait_for(int *flag, int at_least, int seconds) {
    for (int i = 0; i < seconds * 100; i++) {
        if (read_flag(flag) >= at_least) {
            return 1;
        }
        usleep(10000);
    }
    return 0;
}

static void fail(const char *step, const char *why, int rc) {
    printf("FAIL %s: %s (rc %d: %s)\n", step, why, rc, zerror(rc));
    fflush(stdout);
    exit(1);
}

static void ok(const char *step) {
    printf("OK %s\n", step);
    fflush(stdout);
}

static zhandle_t *connect_to(const char *hosts) {
    zhandle_t *zh = zookeeper_init(hosts, watcher, 10000, 0, NULL, 0);
    if (zh == NULL || !wait_for(&connected, 1, 30)) {
        fail("connect", "not connected within 30 s", 0);
    }
    return zh;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s host:port[,host:port...]\n", argv[0]);
        return 2;
    }
    zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
    zhandle_t *zh = connect_to(argv[1]);
    const clientid_t *id = zoo_client_id(zh);
    if (id->client_id == 0) {
        fail("session", "no session id", 0);
    }
    ok("session");

    char path[256];
    int rc = zoo_create(zh, "/cclient", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, path, sizeof(path));
    if (rc != ZOK && rc != ZNODEEXISTS) {
        fail("create", "create /cclient", rc);
    }
    rc = zoo_create(zh, "/cclient/data", "v1", 2, &ZOO_OPEN_ACL_UNSAFE, 0, path, sizeof(path));
    if (rc != ZOK || strcmp(path, "/cclient/data") != 0) {
        fail("create", "create /cclient/data", rc);
    }
    char buffer[64];
    int length = sizeof(buffer);
    struct Stat stat;
    rc = zoo_get(zh, "/cclient/data", 0, buffer, &length, &stat);
    if (rc != ZOK || length != 2 || memcmp(buffer, "v1", 2) != 0 || stat.version != 0 || stat.dataLength != 2
            || stat.czxid != stat.mzxid || stat.ephemeralOwner != 0) {
        fail("get", "value or stat of /cclient/data", rc);
    }
    ok("create-get");

    rc = zoo_exists(zh, "/cclient/data", 1, &stat);
    if (rc != ZOK) {
        fail("watch", "exists with a watch", rc);
    }
    rc = zoo_set(zh, "/cclient/data", "v2", 2, 0);
    if (rc != ZOK) {
        fail("set", "set version 0", rc);
    }
    rc = zoo_set(zh, "/cclient/data", "v3", 2, 0);
    if (rc != ZBADVERSION) {
        fail("set", "a stale version must be refused with ZBADVERSION", rc);
    }
    if (!wait_for(&data_events, 1, 10)) {
        fail("watch", "no NodeDataChanged event", 0);
    }
    ok("set-watch");

    struct String_vector children;
    rc = zoo_get_children(zh, "/cclient", 1, &children);
    if (rc != ZOK) {
        fail("children", "get_children with a watch", rc);
    }
    deallocate_String_vector(&children);
    rc = zoo_create(zh, "/cclient/eph", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, path, sizeof(path));
    if (rc != ZOK) {
        fail("ephemeral", "create an ephemeral", rc);
    }
    rc = zoo_exists(zh, "/cclient/eph", 0, &stat);
    if (rc != ZOK || stat.ephemeralOwner != id->client_id) {
        fail("ephemeral", "the ephemeral's owner is not the session", rc);
    }
    if (!wait_for(&child_events, 1, 10)) {
        fail("ephemeral", "no NodeChildrenChanged event", 0);
    }
    rc = zoo_create(zh, "/cclient/seq-", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_SEQUENCE, path, sizeof(path));
    if (rc != ZOK || strlen(path) != strlen("/cclient/seq-") + 10) {
        fail("sequential", "a sequential node's name", rc);
    }
    ok("ephemeral-sequential");

    zoo_op_t ops[3];
    zoo_op_result_t results[3];
    char created[64];
    zoo_create_op_init(&ops[0], "/cclient/multi", "m", 1, &ZOO_OPEN_ACL_UNSAFE, 0, created, sizeof(created));
    zoo_set_op_init(&ops[1], "/cclient/data", "v4", 2, 1, NULL);
    zoo_delete_op_init(&ops[2], "/cclient/missing", -1);
    rc = zoo_multi(zh, 3, ops, results);
    if (rc != ZNONODE || results[0].err != ZOK || results[1].err != ZOK || results[2].err != ZNONODE) {
        fail("multi", "a failing multi's per-op results", rc);
    }
    if (zoo_exists(zh, "/cclient/multi", 0, &stat) != ZNONODE) {
        fail("multi", "a failed multi left a node", 0);
    }
    zoo_create_op_init(&ops[0], "/cclient/multi", "m", 1, &ZOO_OPEN_ACL_UNSAFE, 0, created, sizeof(created));
    zoo_set_op_init(&ops[1], "/cclient/data", "v4", 2, 1, NULL);
    rc = zoo_multi(zh, 2, ops, results);
    if (rc != ZOK || results[0].err != ZOK || results[1].err != ZOK || strcmp(created, "/cclient/multi") != 0) {
        fail("multi", "a multi that succeeds", rc);
    }
    ok("multi");

    rc = zoo_add_auth(zh, "digest", "cclient:secret", strlen("cclient:secret"), NULL, NULL);
    if (rc != ZOK) {
        fail("acl", "add_auth", rc);
    }
    sleep(1);
    rc = zoo_create(zh, "/cclient/private", "p", 1, &ZOO_CREATOR_ALL_ACL, 0, path, sizeof(path));
    if (rc != ZOK) {
        fail("acl", "create with the creator's ACL", rc);
    }
    length = sizeof(buffer);
    rc = zoo_get(zh, "/cclient/private", 0, buffer, &length, &stat);
    if (rc != ZOK) {
        fail("acl", "the creator reads its node", rc);
    }
    connected = 0;
    zhandle_t *other = connect_to(argv[1]);
    length = sizeof(buffer);
    rc = zoo_get(other, "/cclient/private", 0, buffer, &length, &stat);
    if (rc != ZNOAUTH) {
        fail("acl", "another session must get ZNOAUTH", rc);
    }
    ok("acl");

    int big_length = 1000 * 1000;
    char *big = malloc(big_length);
    char *back = malloc(big_length);
    memset(big, 'x', big_length);
    rc = zoo_create(zh, "/cclient/big", big, big_length, &ZOO_OPEN_ACL_UNSAFE, 0, path, sizeof(path));
    if (rc != ZOK) {
        fail("big", "create a 1,000,000-byte value", rc);
    }
    length = big_length;
    rc = zoo_get(other, "/cclient/big", 0, back, &length, &stat);
    if (rc != ZOK || length != big_length || memcmp(big, back, big_length) != 0) {
        fail("big", "read the 1,000,000-byte value back", rc);
    }
    free(big);
    free(back);
    ok("big-value");

    long long session = id->client_id;
    rc = zookeeper_close(zh);
    if (rc != ZOK) {
        fail("close", "close the session", rc);
    }
    for (int i = 0; i < 500; i++) {
        rc = zoo_exists(other, "/cclient/eph", 0, &stat);
        if (rc == ZNONODE) {
            break;
        }
        usleep(10000);
    }
    if (rc != ZNONODE) {
        fail("close", "the closed session's ephemeral is still there", rc);
    }
    printf("OK close (session 0x%llx)\n", session);
    zookeeper_close(other);
    return 0;
}
