#!/usr/bin/env bash
# `npm test`: every check and test — static checks, unit, integration, then the browser suite
# in Debian's Chromium. Stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
	if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
		echo "Installing Debian's chromium and fonts-noto-core for the browser tests…"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null
	else
		echo "The browser tests need Debian's Chromium at /usr/bin/chromium." >&2
		echo "Install it with: sudo apt-get install -y chromium fonts-noto-core" >&2
		exit 1
	fi
fi

echo "▶ checks (svelte-check, ESLint, Prettier)"
npm run --silent check
echo "▶ unit and integration tests"
npx vitest run --project unit --project component --project integration --project security --project sync
echo "▶ browser tests (Playwright + Chromium)"
npx playwright test
# These ran on the embedded server; the same suites also run on Apache CouchDB (not part of
# `npm test`: it needs a CouchDB this run may wipe).
if [ -x ../shared/couchdb/start.sh ]; then
	echo "Also on Apache CouchDB 3.5 (../shared/couchdb): npm run test:couchdb"
else
	echo "Also on Apache CouchDB: npm run test:couchdb with a disposable CouchDB 3.x (it explains how)"
fi
