#!/usr/bin/env bash
# Runs every test: the style gates (rustfmt, clippy with warnings denied), Rust unit and integration tests
# against a real PostgreSQL, then the browser tests in Debian's Chromium against the real server. Installs what
# is missing; leaves nothing running.
source "$(dirname "$0")/lib.sh"

ensure_build_tools
ensure_browser
ensure_saml_idp
ensure_s3s_fs
ensure_pgbouncer
# After the installs: `cargo install` builds its package as a workspace member, which the gate would lint.
style_gates

WORK="$(mktemp -d /tmp/gwm-test.XXXXXX)"
chmod 755 "$WORK"
PG_DATA="$WORK/pg"
PG_SOCKET="$WORK/socket"
SERVER_PID="" FEED_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [ -n "$FEED_PID" ] && kill "$FEED_PID" 2>/dev/null
  idp_stop "$WORK/idp"
  pgb_stop "$WORK/pgbouncer"
  s3_stop "$WORK/s3"
  pg_stop "$PG_DATA"
  rm -rf "$WORK"
}
trap cleanup EXIT

log "starting a throwaway PostgreSQL cluster"
pg_start "$PG_DATA" "$PG_SOCKET" fsync=off synchronous_commit=off full_page_writes=off max_connections=300
pg_prepare "$PG_SOCKET" gwm_e2e

# Integration tests create one fresh database per test through the superuser, owned by gwm_owner.
export TEST_PG_SOCKET="$PG_SOCKET"

# The pooler test serves the app role through pgbouncer in transaction mode (migrations stay direct).
PGB_PORT=$((20000 + RANDOM % 20000))
log "starting pgbouncer (transaction mode) on its socket, port $PGB_PORT"
pgb_start "$WORK/pgbouncer" "$PG_SOCKET" "$PGB_PORT"
export TEST_PGBOUNCER_SOCKET="$WORK/pgbouncer" TEST_PGBOUNCER_PORT="$PGB_PORT"

# The S3 backend's tests run against s3s-fs; each test uses its own key prefix in the one bucket.
S3_PORT=$((20000 + RANDOM % 20000))
log "starting s3s-fs (S3 protocol) on port $S3_PORT"
export TEST_S3_ENDPOINT="http://127.0.0.1:$S3_PORT" TEST_S3_BUCKET=gwm-test
export TEST_S3_ACCESS_KEY="gwm-test-$(openssl rand -hex 4)" TEST_S3_SECRET_KEY="$(openssl rand -hex 20)"
s3_start "$S3_PORT" "$WORK/s3" "$TEST_S3_ACCESS_KEY" "$TEST_S3_SECRET_KEY" "$TEST_S3_BUCKET"

build_site debug

log "building the tests, the sign-in and sync benchmarks and the pages benchmark's driver (so that they cannot rot)"
cargo test --locked --no-run
cargo test --locked --bench sign_in --bench sync --no-run
cargo build --locked -p gwm-bench

log "cargo test"
# The default members (server + app), natively. Not --workspace: that would build `app` with the frontend's
# `hydrate` feature unified into the server, which breaks server rendering.
cargo test --locked

log "browser tests (Playwright + Chromium)"
PORT=$((20000 + RANDOM % 20000))
# The demo tenant's source polls the scripted SAM.gov-shaped feed, as in scripts/run.sh.
FEED_ADDR="127.0.0.1:$((PORT + 2))"
# With its test-only control: a browser test amends a solicitation on demand.
GWM_DEMO_FEED_ADDR="$FEED_ADDR" GWM_DEMO_FEED_CONTROL=1 RUST_LOG=warn "$TARGET_DIR/debug/gwm-crm" demo-feed >"$WORK/feed.log" 2>&1 &
FEED_PID=$!
DATABASE_URL="postgres://gwm_owner@localhost/gwm_e2e?host=$PG_SOCKET" \
  LEPTOS_SITE_ROOT="$SITE_ROOT" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" GWM_SEED_DEMO=if-empty GWM_ALLOW_PRIVATE_FETCHES=1 \
  GWM_DEMO_FEED_ADDR="$FEED_ADDR" \
  GWM_FILES_DIR="$WORK/files" RUST_LOG="${RUST_LOG:-warn}" \
  "$TARGET_DIR/debug/gwm-crm" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
wait_for_http "http://127.0.0.1:$PORT/healthz" 120 || { cat "$WORK/server.log"; exit 1; }
# A real SAML IdP (SimpleSAMLphp) that trusts the demo tenant's service provider at the bare address.
IDP_PORT=$((PORT + 1))
log "starting the SAML identity provider (SimpleSAMLphp) on port $IDP_PORT"
idp_start "$IDP_PORT" "$WORK/idp" "http://127.0.0.1:$PORT/saml/metadata"
# The accessibility scan visits every page of the router's list.
"$TARGET_DIR/debug/gwm-crm" routes >"$WORK/routes.txt"
(cd "$ROOT/end2end" && BASE_URL="http://127.0.0.1:$PORT" ROUTES_FILE="$WORK/routes.txt" \
  IDP_METADATA_URL="http://127.0.0.1:$IDP_PORT/saml2/idp/metadata.php" DEMO_FEED_URL="http://$FEED_ADDR" npx playwright test) ||
  { tail -50 "$WORK/server.log"; exit 1; }

log "all tests passed"
