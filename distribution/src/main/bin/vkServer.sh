#!/usr/bin/env bash
# Runs one Viewkeeper replica from a zoo.cfg the way ZooKeeper's bin/zkServer.sh runs a ZooKeeper server: the same
# verbs (start, start-foreground, stop, restart, status, print-cmd, version), the same environment (ZOOCFGDIR,
# ZOOCFG, ZOO_LOG_DIR, ZOOPIDFILE, SERVER_JVMFLAGS, JVMFLAGS, JAVA_HOME), the same output lines and exit codes, so a
# script written for zkServer.sh works with this one's name. Unlike zkServer.sh, logs and the PID file default to
# the config's dataDir, never to the installation directory, and start waits until the client port answers.
# This script finds Java and the config; the verbs are the server's own (Main server-script), which the source
# tree's launcher shares.
#
#   vkServer.sh [--config <conf-dir>] {start|start-foreground|stop|restart|status|print-cmd|version} [zoo.cfg]

VKBIN="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
VKHOME="$(dirname "$VKBIN")"
MAIN=io.viewkeeper.server.Main
JAVA_MAJOR_MIN=21

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

export VIEWKEEPER_CLASSPATH="$VKHOME/lib/*"
# the output file is named viewkeeper-$USER-server-$HOSTNAME.out, as zkServer.sh names its own
export USER="${USER:-$(id -un)}" HOSTNAME="${HOSTNAME:-$(hostname)}"
LAUNCHER=("$JAVA" --enable-native-access=ALL-UNNAMED -cp "$VIEWKEEPER_CLASSPATH" "$MAIN")
((JAVA_MAJOR >= 23)) && LAUNCHER=("$JAVA" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -cp "$VIEWKEEPER_CLASSPATH" "$MAIN")
script() {
    "${LAUNCHER[@]}" server-script "$1" --config "$ZOOCFG" --conf-dir "$ZOOCFGDIR"
}

case "${1:-}" in
start | stop | restart | status | print-cmd)
    script "$1"
    exit $?
    ;;
start-foreground)
    mapfile -d '' -t COMMAND < <(script foreground-command) && ((${#COMMAND[@]} > 0)) || exit 1
    exec "${COMMAND[@]}"
    ;;
version)
    exec "${LAUNCHER[@]}" --version
    ;;
*)
    echo "Usage: $0 [--config <conf-dir>] {start|start-foreground|stop|version|restart|status|print-cmd}" >&2
    ;;
esac
