#!/usr/bin/env bash
# A 3-node Apache CouchDB 3.5 cluster on this one machine, for the sync suite and bench:sync.
#
#   eval "$(tests/support/couchdb-cluster.sh start)"   # start, join, print the exports below
#   tests/support/couchdb-cluster.sh stop-node 3        # stop one node (SIGTERM, as a service stop)
#   tests/support/couchdb-cluster.sh kill-node 3        # or kill it (SIGKILL, a crash)
#   tests/support/couchdb-cluster.sh start-node 3       # start it again (it rejoins by itself)
#   tests/support/couchdb-cluster.sh status             # which nodes answer, cluster membership
#   tests/support/couchdb-cluster.sh stop               # stop all three (data stays in the dir)
#   tests/support/couchdb-cluster.sh destroy            # stop and remove the dir
#   tests/support/couchdb-cluster.sh test [files…]      # npm run test:cluster: the sync suite on it
#
# One unpacked release (the same tarball ../shared/couchdb/start.sh uses) serves three Erlang nodes
# cluster1..3@127.0.0.1, each with its own vm.args and ini (bin/couchdb reads COUCHDB_ARGS_FILE and
# COUCHDB_INI_FILES), data dir, HTTP port and distribution port. They share the Erlang cookie (the
# distribution refuses nodes without it), the server uuid and the [chttpd_auth] secret (an
# AuthSession cookie one node signs must verify on every node). New databases get q=2 shards,
# n=3 copies: every node holds every shard, so any node can answer while another is down.
#
# `start` prints `export COUCH_URL=… COUCH_ADMIN_USER=… COUCH_ADMIN_PASSWORD=…` for the first
# node (the one the gateway talks to) and `export DAZZLE_CLUSTER_NODES=url1,url2,url3
# DAZZLE_CLUSTER_CONTROL=…` for tests that stop and start nodes. Progress goes to stderr.
#
# Settings (environment): DAZZLE_CLUSTER_DIR (/tmp/dazzle-couchdb-cluster), DAZZLE_CLUSTER_PORTS
# ("15984 25984 35984"; each node's distribution port is its HTTP port + 2), COUCHDB_ADMIN_USER
# (admin), COUCHDB_ADMIN_PASSWORD (dazzle-test-admin), COUCHDB_TARBALL (the release under
# ../shared/couchdb).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=${DAZZLE_CLUSTER_DIR:-/tmp/dazzle-couchdb-cluster}
read -r -a ports <<< "${DAZZLE_CLUSTER_PORTS:-15984 25984 35984}"
user=${COUCHDB_ADMIN_USER:-admin}
pass=${COUCHDB_ADMIN_PASSWORD:-dazzle-test-admin}
release=$dir/release/couchdb
self="$here/couchdb-cluster.sh"

say() { echo "$*" >&2; }
die() { say "$*"; exit 1; }
[ "${#ports[@]}" = 3 ] || die "DAZZLE_CLUSTER_PORTS needs three ports, got: ${ports[*]}"

url_of() { echo "http://127.0.0.1:${ports[$1 - 1]}"; }
name_of() { echo "cluster$1@127.0.0.1"; }
node_dir() { echo "$dir/node$1"; }
answers() { curl -fsS -m 2 -o /dev/null "$(url_of "$1")/_up" 2>/dev/null; }
admin_curl() { curl -fsS -m 30 -u "$user:$pass" -H 'Content-Type: application/json' "$@"; }

tarball() {
	if [ -n "${COUCHDB_TARBALL:-}" ]; then echo "$COUCHDB_TARBALL"; return; fi
	local found
	found=$(ls "$root"/../shared/couchdb/apache-couchdb-3.5.0-*.tar.gz 2>/dev/null | head -1 || true)
	[ -n "$found" ] || die "no CouchDB release: set COUCHDB_TARBALL or provide ../shared/couchdb (see README, Tests)"
	echo "$found"
}

# The VM's pid: every node runs the same beam.smp, so the node name on its command line tells them
# apart. The pid file first; else one pgrep (a loop over /proc forks per process: 25 s on a loaded
# machine), each candidate checked to run this release's VM.
is_beam_of() {
	local exe
	exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 1
	case "$exe" in "$release"/erts-*/bin/beam.smp) ;; *) return 1 ;; esac
	tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -q -- "-name $2 "
}
beam_pid() {
	local name pid pidfile
	name=$(name_of "$1")
	pidfile="$(node_dir "$1")/couchdb.pid"
	if [ -s "$pidfile" ] && is_beam_of "$(cat "$pidfile")" "$name"; then cat "$pidfile"; return; fi
	for pid in $(pgrep -f -- "-name ${name//./\\.}( |\$)" || true); do
		if is_beam_of "$pid" "$name"; then echo "$pid"; return; fi
	done
}

# Writes the node's vm.args and ini once: later starts keep what the cluster setup persisted there.
configure_node() {
	local i=$1 nd port secret uuid cookie
	nd=$(node_dir "$i")
	port=${ports[$i - 1]}
	mkdir -p "$nd/data"
	[ -f "$nd/node.ini" ] && return
	# Shared by the three nodes, made once per cluster dir.
	[ -f "$dir/shared.env" ] || {
		rnd() { head -c16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
		printf 'uuid=%s\nsecret=%s\ncookie=%s\n' "$(rnd)" "$(rnd)" "dazzle-$(rnd)" > "$dir/shared.env"
	}
	uuid=$(sed -n 's/^uuid=//p' "$dir/shared.env")
	secret=$(sed -n 's/^secret=//p' "$dir/shared.env")
	cookie=$(sed -n 's/^cookie=//p' "$dir/shared.env")
	# The release's vm.args (distribution on 127.0.0.1 only) with this node's name, the shared
	# cookie and a fixed distribution port. The schedulers sleep instead of spinning while idle:
	# three VMs share two cores with the tests.
	sed -e "s/^-name .*/-name $(name_of "$i")/" "$release/etc/vm.args" > "$nd/vm.args"
	cat >> "$nd/vm.args" <<ARGS
-setcookie $cookie
-kernel inet_dist_listen_min $((port + 2))
-kernel inet_dist_listen_max $((port + 2))
+sbwt none
+sbwtdcpu none
+sbwtdio none
ARGS
	cat > "$nd/node.ini" <<INI
[couchdb]
single_node = false
uuid = $uuid
database_dir = $nd/data
view_index_dir = $nd/data

[cluster]
q = 2
n = 3

[chttpd]
bind_address = 127.0.0.1
port = $port

[chttpd_auth]
secret = $secret

[admins]
$user = $pass
INI
}

start_node() {
	local i=$1 nd
	nd=$(node_dir "$i")
	if answers "$i"; then say "node $i already answers at $(url_of "$i")"; return; fi
	configure_node "$i"
	# Detached, holding none of the caller's descriptors (a `$(…)` would wait for it otherwise).
	(
		cd "$release"
		for fd in $(ls /proc/$BASHPID/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done 2>/dev/null
		export COUCHDB_ARGS_FILE="$nd/vm.args"
		# Config changes made over HTTP (the setup's) persist to the last file: the node's own.
		export COUCHDB_INI_FILES="$release/etc/default.ini $release/etc/local.ini $nd/node.ini"
		exec setsid bin/couchdb < /dev/null >> "$nd/couchdb.log" 2>&1
	) &
}

wait_node() {
	local i=$1
	for _ in $(seq 1 180); do
		if answers "$i"; then beam_pid "$i" > "$(node_dir "$i")/couchdb.pid"; return; fi
		sleep 0.5
	done
	tail -20 "$(node_dir "$i")/couchdb.log" >&2
	die "node $i did not answer at $(url_of "$i") within 90 s: see $(node_dir "$i")/couchdb.log"
}

stop_node() {
	local i=$1 signal=${2:-TERM} pid
	pid=$(beam_pid "$i")
	[ -n "$pid" ] || { say "node $i is not running"; return; }
	kill "-$signal" "$pid" 2>/dev/null || true
	for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$(node_dir "$i")/couchdb.pid"
}

# `_membership` lists the configured nodes and those connected now.
membership() { admin_curl "$(url_of 1)/_membership"; }

joined() {
	local m
	m=$(membership 2>/dev/null) || return 1
	for i in 1 2 3; do
		# cluster_nodes and all_nodes both name every node once the three are connected.
		[ "$(grep -o "\"$(name_of "$i")\"" <<< "$m" | wc -l)" -ge 2 ] || return 1
	done
}

setup_cluster() {
	local coordinator body i
	coordinator=$(url_of 1)
	say "joining the nodes with /_cluster_setup…"
	# The wizard is made for machines on a network: it refuses to enable a cluster bound to
	# 127.0.0.1. It is given 0.0.0.0 for the setup, and every node is put back on 127.0.0.1 right
	# after (a test cluster with a known admin password must not listen beyond loopback).
	for i in 1 2 3; do
		body=$(printf '{"action":"enable_cluster","bind_address":"0.0.0.0","username":"%s","password":"%s","node_count":3,"port":%s}' \
			"$user" "$pass" "${ports[$i - 1]}")
		admin_curl -X POST "$(url_of "$i")/_cluster_setup" -d "$body" > /dev/null
	done
	for i in 2 3; do
		body=$(printf '{"action":"add_node","host":"127.0.0.1","port":%s,"name":"cluster%s","username":"%s","password":"%s"}' \
			"${ports[$i - 1]}" "$i" "$user" "$pass")
		admin_curl -X POST "$coordinator/_cluster_setup" -d "$body" > /dev/null
	done
	admin_curl -X POST "$coordinator/_cluster_setup" -d '{"action":"finish_cluster"}' > /dev/null
	for i in 1 2 3; do
		admin_curl -X PUT "$(url_of "$i")/_node/_local/_config/chttpd/bind_address" -d '"127.0.0.1"' > /dev/null
	done
	for i in 1 2 3; do wait_node "$i"; done
	for _ in $(seq 1 60); do joined && break; sleep 0.5; done
	joined || die "the nodes did not join: $(membership)"
	# (GET /_cluster_setup now says "cluster_disabled": the wizard equates "enabled" with a
	# non-loopback bind address. Membership is what tells: all three configured and connected.)
	say "membership: $(membership)"
}

exports() {
	printf 'export COUCH_URL=%s\nexport COUCH_ADMIN_USER=%s\nexport COUCH_ADMIN_PASSWORD=%s\n' "$(url_of 1)" "$user" "$pass"
	printf 'export DAZZLE_CLUSTER_NODES=%s,%s,%s\n' "$(url_of 1)" "$(url_of 2)" "$(url_of 3)"
	printf 'export DAZZLE_CLUSTER_CONTROL=%q\n' "DAZZLE_CLUSTER_DIR=$dir DAZZLE_CLUSTER_PORTS='${ports[*]}' $self"
}

cmd=${1:-start}
case "$cmd" in
	start)
		if [ ! -x "$release/bin/couchdb" ]; then
			mkdir -p "$dir/release"
			say "unpacking $(tarball)…"
			tar -xzf "$(tarball)" -C "$dir/release"
		fi
		command -v curl > /dev/null || die "the cluster script needs curl"
		fresh=true
		[ -f "$dir/joined" ] && fresh=false
		for i in 1 2 3; do start_node "$i"; done
		for i in 1 2 3; do wait_node "$i"; done
		# (A cluster joined before, from another dir or by hand, is not set up again.)
		if $fresh && ! joined; then
			setup_cluster
			touch "$dir/joined"
		else
			for _ in $(seq 1 60); do joined && break; sleep 0.5; done
			joined || die "the nodes answer but are not all connected: $(membership)"
		fi
		say "3-node CouchDB cluster (q=2, n=3) at $(url_of 1) $(url_of 2) $(url_of 3), admin $user, data in $dir"
		exports
		;;
	stop)
		for i in 1 2 3; do stop_node "$i"; done
		;;
	destroy)
		for i in 1 2 3; do stop_node "$i"; done
		rm -rf "$dir"
		;;
	stop-node | kill-node | start-node)
		i=${2:-}
		case "$i" in 1 | 2 | 3) ;; *) die "usage: $0 $cmd 1|2|3" ;; esac
		case "$cmd" in
			stop-node) stop_node "$i" TERM ;;
			kill-node) stop_node "$i" KILL ;;
			start-node)
				[ -f "$(node_dir "$i")/node.ini" ] || die "node $i was never set up: run $0 start"
				start_node "$i"
				wait_node "$i"
				;;
		esac
		;;
	status)
		for i in 1 2 3; do
			if answers "$i"; then say "node $i $(url_of "$i") up (pid $(beam_pid "$i"))"; else say "node $i $(url_of "$i") down"; fi
		done
		membership >&2 || true
		;;
	env)
		exports
		;;
	test)
		# `npm run test:cluster`: the sync suite (engine, first pull, network faults, and the node
		# restarts of sync-cluster.spec.ts) on the cluster. Uses a cluster that already answers on
		# the ports (left running), else starts one in a temporary dir and removes it at the end.
		shift
		started_here=""
		if ! answers 1; then
			dir=$(mktemp -d "${TMPDIR:-/tmp}/dazzle-test-cluster.XXXXXX")
			release=$dir/release/couchdb
			started_here=$dir
			trap 'DAZZLE_CLUSTER_DIR="$started_here" "$self" destroy' EXIT
		fi
		began=$(date +%s)
		eval "$(DAZZLE_CLUSTER_DIR="$dir" "$self" start)"
		export COUCH_URL COUCH_ADMIN_USER COUCH_ADMIN_PASSWORD DAZZLE_CLUSTER_NODES DAZZLE_CLUSTER_CONTROL
		# The suites empty the server between test files (loopback only): a test cluster is disposable.
		export DAZZLE_TEST_COUCH_RESET=1
		say "▶ sync suite on the 3-node cluster (gateway → $COUCH_URL)"
		(cd "$root" && npx vitest run --project sync "$@")
		say "▶ cluster suite passed in $(($(date +%s) - began)) s (cluster start included)"
		;;
	*)
		die "usage: $0 start|stop|destroy|status|env|test [vitest args]|stop-node N|kill-node N|start-node N"
		;;
esac
