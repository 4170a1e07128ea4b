#!/usr/bin/env bash
# Runs one Viewkeeper replica from a zoo.cfg the way ZooKeeper's bin/zkServer.sh runs a ZooKeeper server: the same
# verbs (start, start-foreground, stop, restart, status, print-cmd, version), the same environment (ZOOCFGDIR,
# ZOOCFG, ZOO_LOG_DIR, ZOOPIDFILE, SERVER_JVMFLAGS, JVMFLAGS, JAVA_HOME), the same output lines and exit codes, so a
# script written for zkServer.sh works with this one's name. Unlike zkServer.sh, logs and the PID file default to
# the config's dataDir, never to the installation directory, and start waits until the client port answers.
#
#   vkServer.sh [--config <conf-dir>] {start|start-foreground|stop|restart|status|print-cmd|version} [zoo.cfg]

VKBIN="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
VKHOME="$(dirname "$VKBIN")"
MAIN=io.viewkeeper.server.Main
JAVA_MAJOR_MIN=21
START_WAIT_SECONDS=${VK_START_WAIT_SECONDS:-60}
STOP_WAIT_SECONDS=${VK_STOP_WAIT_SECONDS:-60}

if [[ "${1:-}" == "--config" ]]; then
    ZOOCFGDIR="${2:?--config needs a directory}"
    shift 2
fi
ZOOCFGDIR="${ZOOCFGDIR:-$VKHOME/conf}"
[[ "$ZOOCFGDIR" == / ]] || ZOOCFGDIR="${ZOOCFGDIR%/}"
export ZOOCFGDIR # restart runs this script again for stop and start
ZOOCFG="$ZOOCFGDIR/${ZOOCFG:-zoo.cfg}"
if [[ -n "${2:-}" ]]; then
    ZOOCFG="$ZOOCFGDIR/$2"
fi
# as zkServer.sh: a config given with a path of its own is taken as it is
if [[ "$(dirname "$ZOOCFG")" != "$ZOOCFGDIR" ]]; then
    ZOOCFG="$2"
fi

java_major() {
    "$1" -version 2>&1 | sed -n 's/.* version "\([0-9]*\)[."].*/\1/p' | head -n 1
}

if [[ -n "${JAVA_HOME:-}" ]]; then
    JAVA="$JAVA_HOME/bin/java"
else
    JAVA="$(command -v java || true)"
fi
if [[ -z "$JAVA" || ! -x "$JAVA" ]]; then
    echo "Error: no java found: set JAVA_HOME to a JDK $JAVA_MAJOR_MIN or newer." >&2
    exit 1
fi
JAVA_MAJOR="$(java_major "$JAVA")"
if [[ -z "$JAVA_MAJOR" ]] || ((JAVA_MAJOR < JAVA_MAJOR_MIN)); then
    echo "Error: $JAVA is Java ${JAVA_MAJOR:-of an unknown version}; Viewkeeper needs $JAVA_MAJOR_MIN or newer (set JAVA_HOME)." >&2
    exit 1
fi

echo "Using config: $ZOOCFG" >&2
if [[ ! -r "$ZOOCFG" ]]; then
    echo "Error: cannot read config $ZOOCFG" >&2
    exit 1
fi

config_value() {
    grep -E "^[[:space:]]*$1[[:space:]]*=" "$ZOOCFG" | tail -n 1 | sed -e 's/^[^=]*=//' -e 's/^[[:space:]]*//' \
        -e 's/[[:space:]]*$//'
}

ZOO_DATADIR="$(config_value dataDir)"
if [[ -z "$ZOO_DATADIR" ]]; then
    echo "Error: $ZOOCFG has no dataDir" >&2
    exit 1
fi
ZOOPIDFILE="${ZOOPIDFILE:-$ZOO_DATADIR/viewkeeper_server.pid}"
ZOO_LOG_DIR="${ZOO_LOG_DIR:-$ZOO_DATADIR}"
mkdir -p "$(dirname "$ZOOPIDFILE")" "$ZOO_LOG_DIR"
_VK_DAEMON_OUT="$ZOO_LOG_DIR/viewkeeper-${USER:-$(id -un)}-server-${HOSTNAME:-$(hostname)}.out"

# What the libraries need, said to the JVM rather than hidden: lz4 loads a native library, and Netty reads
# direct-buffer internals through sun.misc.Unsafe (a flag from Java 23 on).
# A replica out of memory exits (a supervisor restarts it on its data) rather than limp on, as zkServer.sh's
# OnOutOfMemoryError kill does.
JVM_OPTIONS=(--enable-native-access=ALL-UNNAMED -XX:+ExitOnOutOfMemoryError)
((JAVA_MAJOR >= 23)) && JVM_OPTIONS+=(--sun-misc-unsafe-memory-access=allow)
[[ -f "$ZOOCFGDIR/logback.xml" ]] && JVM_OPTIONS+=("-Dlogback.configurationFile=$ZOOCFGDIR/logback.xml")
# shellcheck disable=SC2206 # word splitting of the flags, as zkServer.sh does
JVM_OPTIONS+=(${SERVER_JVMFLAGS:-} ${JVMFLAGS:-})
COMMAND=("$JAVA" "${JVM_OPTIONS[@]}" -cp "$VKHOME/lib/*" "$MAIN" node --config "$ZOOCFG")

# The client address and port, as zkServer.sh finds them: clientPortAddress/clientPort, else this server's
# server.N line (N from serverId or dataDir/myid) after its ';'.
client_address() {
    CLIENT_HOST="$(config_value clientPortAddress)"
    CLIENT_HOST="${CLIENT_HOST:-localhost}"
    CLIENT_PORT="$(config_value clientPort)"
    if ! [[ "$CLIENT_PORT" =~ ^[0-9]+$ ]]; then
        local id line
        id="$(config_value serverId)"
        [[ -n "$id" ]] || id="$(tr -d '[:space:]' < "$ZOO_DATADIR/myid" 2>/dev/null)"
        line="$(config_value "server\.$id")"
        if [[ "$line" == *";"* ]]; then
            line="${line##*;}"
            if [[ "$line" == *:* ]]; then
                CLIENT_HOST="${line%:*}"
                CLIENT_PORT="${line##*:}"
            else
                CLIENT_PORT="$line"
            fi
        fi
    fi
    [[ "$CLIENT_PORT" =~ ^[0-9]+$ ]]
}

# The PID in the PID file, if that process is alive and is a Viewkeeper node (a PID file left by a crash or a
# reboot may name a process that reused the number).
running_pid() {
    [[ -f "$ZOOPIDFILE" ]] || return 1
    local pid command_line
    pid="$(cat "$ZOOPIDFILE")"
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    if [[ -r "/proc/$pid/cmdline" ]]; then
        command_line="$(tr '\0' ' ' < "/proc/$pid/cmdline")"
    else
        command_line="$(ps -o args= -p "$pid" 2>/dev/null)"
    fi
    [[ "$command_line" == *"$MAIN node"* ]] || return 1
    echo "$pid"
}

accepts() {
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

case "${1:-}" in
start)
    echo -n "Starting Viewkeeper ... "
    if pid="$(running_pid)"; then
        echo "already running as process $pid."
        exit 1
    fi
    if client_address && accepts "$CLIENT_HOST" "$CLIENT_PORT"; then
        echo "FAILED TO START: something already listens on $CLIENT_HOST:$CLIENT_PORT"
        exit 1
    fi
    nohup "${COMMAND[@]}" >"$_VK_DAEMON_OUT" 2>&1 </dev/null &
    pid=$!
    if ! echo -n "$pid" >"$ZOOPIDFILE"; then
        echo "FAILED TO WRITE PID"
        exit 1
    fi
    client_address || { echo "STARTED (no client port in $ZOOCFG to wait for)"; exit 0; }
    for ((i = 0; i < START_WAIT_SECONDS * 10; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "FAILED TO START"
            tail -n 5 "$_VK_DAEMON_OUT" >&2
            rm -f "$ZOOPIDFILE"
            exit 1
        fi
        if accepts "$CLIENT_HOST" "$CLIENT_PORT"; then
            echo STARTED
            exit 0
        fi
        sleep 0.1
    done
    echo "STARTED (process $pid; port $CLIENT_PORT not answering yet, see $_VK_DAEMON_OUT)"
    ;;
start-foreground)
    exec "${COMMAND[@]}"
    ;;
print-cmd)
    printf '%q ' "${COMMAND[@]}"
    printf '> %q 2>&1 < /dev/null\n' "$_VK_DAEMON_OUT"
    ;;
stop)
    echo -n "Stopping Viewkeeper ... "
    if [[ ! -f "$ZOOPIDFILE" ]]; then
        echo "no Viewkeeper to stop (could not find file $ZOOPIDFILE)"
        exit 0
    fi
    pid="$(cat "$ZOOPIDFILE")"
    if ! running_pid >/dev/null && [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
        echo "process $pid named in $ZOOPIDFILE is not a Viewkeeper node (or cannot be told to be); PID file kept"
        exit 1
    fi
    if pid="$(running_pid)"; then
        kill "$pid"
        for ((i = 0; i < STOP_WAIT_SECONDS * 10; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "process $pid did not stop within $STOP_WAIT_SECONDS s; PID file $ZOOPIDFILE kept"
            exit 1
        fi
    fi
    rm -f "$ZOOPIDFILE"
    echo STOPPED
    exit 0
    ;;
restart)
    shift
    "$0" stop "$@"
    "$0" start "$@"
    ;;
status)
    if ! client_address; then
        echo "Unable to find either secure or unsecure client port in any configs. Terminating."
        exit 1
    fi
    echo "Client port found: $CLIENT_PORT. Client address: $CLIENT_HOST. Client SSL: false."
    STAT="$("$JAVA" -cp "$VKHOME/lib/*" org.apache.zookeeper.client.FourLetterWordMain "$CLIENT_HOST" \
        "$CLIENT_PORT" srvr 2>/dev/null | grep Mode)"
    if [[ -z "$STAT" ]]; then
        echo "Error contacting service. It is probably not running."
        exit 1
    fi
    echo "$STAT"
    exit 0
    ;;
version)
    exec "$JAVA" -cp "$VKHOME/lib/*" "$MAIN" --version
    ;;
*)
    echo "Usage: $0 [--config <conf-dir>] {start|start-foreground|stop|version|restart|status|print-cmd}" >&2
    ;;
esac
