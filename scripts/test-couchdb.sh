#!/usr/bin/env bash
# `npm run test:couchdb`: the integration, security and sync suites (the authorisation matrix
# included) and the browser specs for sync, health records and questionnaires, against a real
# Apache CouchDB 3.x instead of the embedded server.
#
# Which CouchDB:
#   - COUCH_URL (+ COUCH_ADMIN_USER, COUCH_ADMIN_PASSWORD) given: that one. The tests reset it to
#     an empty server between files (every database and account is deleted), so this needs
#     DAZZLE_TEST_COUCH_RESET=1 as a second key: never point it at data you want to keep.
#   - else ../shared/couchdb/start.sh (Apache CouchDB 3.5 for tests, beside this checkout): a
#     fresh single node on a free port in a temporary folder, stopped and removed at the end.
#   - else: explains how to get one and exits 1 (`npm test` does not need any of this).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
shared_couch="$root/../shared/couchdb"
started_dir=""

stop_started() {
	if [ -n "$started_dir" ]; then
		COUCHDB_DIR="$started_dir" "$shared_couch/stop.sh" || true
		rm -rf "$started_dir"
	fi
}
trap stop_started EXIT

if [ -n "${COUCH_URL:-}" ]; then
	if [ "${DAZZLE_TEST_COUCH_RESET:-}" != "1" ]; then
		echo "COUCH_URL=$COUCH_URL: the CouchDB suites delete every database and account there between" >&2
		echo "test files. Use a disposable CouchDB and confirm with DAZZLE_TEST_COUCH_RESET=1." >&2
		exit 1
	fi
	echo "▶ using the CouchDB at $COUCH_URL"
elif [ -x "$shared_couch/start.sh" ]; then
	# A port nothing listens on (start.sh reuses whatever already answers on its port, and the
	# tests wipe the server they use) and a node name no other CouchDB on this machine has.
	# DAZZLE_TEST_COUCH_PORT picks the port (it must be free).
	port=${DAZZLE_TEST_COUCH_PORT:-$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}
	if curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; then
		echo "port $port is taken: something answers there" >&2
		exit 1
	fi
	started_dir=$(mktemp -d "${TMPDIR:-/tmp}/dazzle-test-couchdb.XXXXXX")
	echo "▶ starting Apache CouchDB from ../shared/couchdb on port $port"
	eval "$(COUCHDB_DIR="$started_dir" COUCHDB_PORT="$port" COUCHDB_NODE="dazzle-test-$$" "$shared_couch/start.sh")"
	export COUCH_URL COUCH_ADMIN_USER COUCH_ADMIN_PASSWORD
	export DAZZLE_TEST_COUCH_RESET=1
	# The settings the README asks of a production CouchDB: sessions as long as the cookie
	# (the gateway passes on no refreshed cookie; CouchDB's default would end them after 10 min).
	for setting in "chttpd_auth/timeout:\"2592000\"" "chttpd_auth/allow_persistent_cookies:\"true\""; do
		curl -fsS -o /dev/null -u "$COUCH_ADMIN_USER:$COUCH_ADMIN_PASSWORD" -X PUT \
			"$COUCH_URL/_node/_local/_config/${setting%%:*}" -d "${setting#*:}"
	done
else
	cat >&2 <<'HELP'
No CouchDB for the CouchDB suites. Either
  - check the project out beside ../shared (../shared/couchdb/start.sh starts Apache CouchDB 3.5), or
  - start a disposable Apache CouchDB 3.x yourself, e.g.
      docker run -d --name dazzle-test-couch -p 127.0.0.1:5984:5984 \
        -e COUCHDB_USER=admin -e COUCHDB_PASSWORD=secret couchdb:3.5
    and run
      COUCH_URL=http://127.0.0.1:5984 COUCH_ADMIN_USER=admin COUCH_ADMIN_PASSWORD=secret \
        DAZZLE_TEST_COUCH_RESET=1 npm run test:couchdb
HELP
	exit 1
fi
export COUCH_ADMIN_USER COUCH_ADMIN_PASSWORD

started=$(date +%s)
echo "▶ integration, security and sync suites on $COUCH_URL"
npx vitest run --project integration --project security --project sync
echo "▶ browser tests for sync, health records and questionnaires on $COUCH_URL"
npx tsx tests/support/reset-test-couch.ts
npx playwright test tests/e2e/sync.spec.ts tests/e2e/health.spec.ts tests/e2e/questionnaire.spec.ts
echo "▶ CouchDB suites passed in $(($(date +%s) - started)) s"
