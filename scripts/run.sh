#!/usr/bin/env bash
# Runs GWM CRM at http://127.0.0.1:3000 (LEPTOS_SITE_ADDR to change).
#   scripts/run.sh            debug build
#   scripts/run.sh --release  optimised build (smaller wasm, faster server)
# With no DATABASE_URL, a private PostgreSQL cluster lives in data/postgres (kept between runs, stopped on
# exit) and files go to data/files. On an empty database the demo tenant is created and its sign-in printed.
source "$(dirname "$0")/lib.sh"

profile=debug
case "${1:-}" in
  --release) profile=release ;;
  "") ;;
  *) echo "usage: scripts/run.sh [--release]" >&2; exit 2 ;;
esac

ensure_build_tools
build_site "$profile"

PG_DATA="" FEED_PID=""
cleanup() {
  [ -n "$FEED_PID" ] && kill "$FEED_PID" 2>/dev/null
  if [ -n "$PG_DATA" ]; then log "stopping PostgreSQL"; pg_stop "$PG_DATA"; fi
}
trap cleanup EXIT
if [ -z "${DATABASE_URL:-}" ]; then
  PG_DATA="$ROOT/data/postgres"
  PG_SOCKET="$ROOT/data/postgres-socket"
  pg_start "$PG_DATA" "$PG_SOCKET"
  pg_prepare "$PG_SOCKET" gwm
  export DATABASE_URL="postgres://gwm_owner@localhost/gwm?host=$PG_SOCKET"
  log "PostgreSQL running privately in data/postgres (socket only)"
fi

export LEPTOS_SITE_ROOT="$SITE_ROOT"
export GWM_FILES_DIR="${GWM_FILES_DIR:-$ROOT/data/files}"
export GWM_SEED_DEMO="${GWM_SEED_DEMO:-if-empty}"
# A local run may read IdP metadata from a local address (a test IdP on this machine); never in PROD.
export GWM_ALLOW_PRIVATE_FETCHES="${GWM_ALLOW_PRIVATE_FETCHES:-1}"
bin="$TARGET_DIR/debug/gwm-crm"; [ "$profile" = release ] && bin="$TARGET_DIR/release/gwm-crm"
# The demo tenant's source polls a scripted SAM.gov-shaped feed on this machine (no internet needed): new
# notices, amendments and deadline moves every GWM_DEMO_FEED_STEP_MINUTES (2).
if [ "${GWM_DEMO_FEED:-1}" = 1 ]; then
  log "starting the demo opportunity feed on ${GWM_DEMO_FEED_ADDR:-127.0.0.1:3090}"
  "$bin" demo-feed &
  FEED_PID=$!
fi
log "starting the server"
# Not exec: the EXIT trap must stop PostgreSQL after the server stops (Ctrl-C reaches both).
"$bin" serve
