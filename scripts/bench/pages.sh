#!/usr/bin/env bash
# `scripts/bench.sh pages`: the board (/pipeline), table (/projects?sort=due&page=2), project
# (/projects/<id>) and contacts list (/contacts?page=2, and /contacts?q=<a name's first letters>) pages of the
# release server, and find anything (Ctrl-K:
# POST /api/search, a name's first letters), at 50 and 500 concurrent signed-in sessions over 20 tenants ×
# 1,000 projects × 50,000 contacts, in the same run as each page's own SQL under pgbench and (pages, not the
# search's JSON) the same bytes served statically by nginx, so the overheads show as ratios. Private
# PostgreSQL with durable settings (fsync on).
#
# Knobs (defaults are the committed benchmark): BENCH_TENANTS=20 BENCH_PROJECTS=1000 BENCH_CONTACTS=50000 (per tenant)
# BENCH_CONCURRENCY="50 500" BENCH_SECONDS=10 (each measured phase, after a 2 s warm-up)
# BENCH_PAGES="board table project contacts contact_search find" BENCH_THINK=5-15 (seconds a person reads a page, for the think-time runs
# at the highest concurrency; "" skips them) BENCH_THINK_SECONDS=30 BENCH_DB_POOL (the server's GWM_DB_MAX_CONNECTIONS; unset: its default)
# BENCH_APP_PORT=38080 BENCH_STATIC_PORT=38081; BENCH_NO_BUILD=1 uses the binaries already built.
# Raw results (goose logs and reports, pgbench output and logs, the saved pages, the server log, results.jsonl
# and summary.txt) go to target/bench-results/pages-<time>/.
source "$(dirname "$0")/../lib.sh"

TENANTS="${BENCH_TENANTS:-20}"
PROJECTS="${BENCH_PROJECTS:-1000}"
CONTACTS="${BENCH_CONTACTS:-50000}"
CONCURRENCY="${BENCH_CONCURRENCY:-50 500}"
MEASURE_SECONDS="${BENCH_SECONDS:-10}"
PAGES="${BENCH_PAGES:-board table project contacts contact_search find}"
THINK="${BENCH_THINK-5-15}"
THINK_SECONDS="${BENCH_THINK_SECONDS:-30}"
APP_PORT="${BENCH_APP_PORT:-38080}"
STATIC_PORT="${BENCH_STATIC_PORT:-38081}"
USERS_PER_TENANT=25
PASSWORD="Bench-Pages-2026!"
BIN="$TARGET_DIR/release/gwm-crm"
DRIVER="$TARGET_DIR/release/gwm-bench"
RESULTS="$ROOT/target/bench-results/pages-$(date +%Y%m%d-%H%M%S)"
MAX_CONCURRENCY=$(printf '%s\n' $CONCURRENCY | sort -n | tail -1)
STARTED_AT=$SECONDS

for port in "$APP_PORT" "$STATIC_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use: set BENCH_APP_PORT / BENCH_STATIC_PORT" >&2; exit 1
  fi
done

ensure_build_tools
apt_install nginx
# 500 sessions hold 500 sockets in the driver, the server and nginx each.
ulimit -n "$(ulimit -Hn)"

# Only the server's HTML is measured: no wasm bundle is needed (pages reference /pkg/*, never fetched here).
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  log "building the server and the load driver (release)"
  (cd "$ROOT" && nice -n 10 cargo build --release --locked -p gwm-crm --bin gwm-crm)
  (cd "$ROOT" && nice -n 10 cargo build --release --locked -p gwm-bench)
fi

WORK="$(mktemp -d /tmp/gwm-bench-pages.XXXXXX)"
chmod 755 "$WORK" # nginx's workers (nobody) read the saved pages; postgres owns its cluster folder
SOCKET="$WORK/socket"
SERVER_PID="" NGINX_PID=""
cleanup() {
  [ -z "$NGINX_PID" ] || kill "$NGINX_PID" 2>/dev/null || true
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  pg_stop "$WORK/pg"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$RESULTS"/{pgbench,pages} "$WORK"/{site/pkg,files,static,nginx/tmp}

log "starting a private PostgreSQL cluster (fsync on)"
# Room for pgbench's clients at the highest concurrency beside the server's pool (20 unless BENCH_DB_POOL).
pg_start "$WORK/pg" "$SOCKET" max_connections=$((MAX_CONCURRENCY + ${BENCH_DB_POOL:-20} + 50)) shared_buffers=512MB
pg_prepare "$SOCKET" gwm_bench
export DATABASE_URL="postgres://gwm_owner@localhost/gwm_bench?host=$SOCKET"

log "creating $TENANTS tenants with $PROJECTS projects, $CONTACTS contacts and $USERS_PER_TENANT users each"
RUST_LOG=warn "$BIN" migrate >/dev/null
for i in $(seq -f '%02g' 1 "$TENANTS"); do
  GWM_ADMIN_PASSWORD="$PASSWORD" RUST_LOG=warn "$BIN" create-tenant --name "Bench Federal $i" --id "bench-$i" \
    --admin-email "admin@bench-$i.gwm.test" --admin-first-name Avery --admin-last-name Morgan --plan enterprise >/dev/null
done
PGOPTIONS="-c client_min_messages=warning" psql -h "$SOCKET" -U gwm_owner -d gwm_bench -q -v ON_ERROR_STOP=1 \
  -v projects="$PROJECTS" -v contacts="$CONTACTS" -f "$ROOT/scripts/bench/pages-data.sql"

# Each tenant's id, its admin (the user pgbench acts as) and its projects (what sessions open). Tenant tables
# are readable per tenant only, even by the owner (forced RLS).
psql -h "$SOCKET" -U gwm_owner -d gwm_bench -At -F $'\t' \
  -c "SELECT id, subdomain FROM tenants WHERE subdomain LIKE 'bench-%' ORDER BY subdomain" >"$WORK/tenants.tsv"
while IFS=$'\t' read -r id sub; do
  printf "SELECT set_config('app.current_tenant_id', '%s', false) \\\\g /dev/null\n" "$id"
  printf "SELECT 'admin', '%s', id FROM users WHERE email LIKE 'admin@%%';\n" "$sub"
  printf "SELECT 'project', '%s', id FROM opportunity_projects WHERE project_status <> 'archived' ORDER BY id;\n" "$sub"
done <"$WORK/tenants.tsv" | psql -h "$SOCKET" -U gwm_owner -d gwm_bench -At -F $'\t' -v ON_ERROR_STOP=1 >"$WORK/ids.tsv"
grep '^project' "$WORK/ids.tsv" | cut -f2,3 >"$WORK/projects.tsv"
TENANT_IDS=$(cut -f1 "$WORK/tenants.tsv" | paste -sd,)
ADMIN_IDS=$(grep '^admin' "$WORK/ids.tsv" | cut -f3 | paste -sd,)
# Users ordered person by person across tenants: the first 50 sessions already span every tenant.
for k in $(seq 1 "$USERS_PER_TENANT"); do
  while IFS=$'\t' read -r _ sub; do
    if [ "$k" = 1 ]; then printf '%s\tadmin@%s.gwm.test\n' "$sub" "$sub"; else printf '%s\tuser%02d@%s.gwm.test\n' "$sub" "$k" "$sub"; fi
  done <"$WORK/tenants.tsv"
done >"$WORK/all-users.tsv"
head -n "$MAX_CONCURRENCY" "$WORK/all-users.tsv" >"$WORK/users.tsv"

log "starting the server (release, production settings) on port $APP_PORT"
# Sign-in throttling and lockout raised: 500 sign-ins come from one address within seconds.
LEPTOS_ENV=PROD GWM_SECRET_KEY="$(openssl rand -base64 32)" GWM_PUBLIC_SCHEME=http \
  LEPTOS_SITE_ADDR="127.0.0.1:$APP_PORT" LEPTOS_SITE_ROOT="$WORK/site" GWM_FILES_DIR="$WORK/files" \
  GWM_SEED_DEMO=never RUST_LOG=warn GWM_SIGN_IN_RATE_PER_MINUTE=100000 GWM_LOCKOUT_THRESHOLD=100 \
  GWM_DB_MAX_CONNECTIONS="${BENCH_DB_POOL:-}" "$BIN" serve >"$RESULTS/server.log" 2>&1 &
SERVER_PID=$!
wait_for_http "http://127.0.0.1:$APP_PORT/healthz" 60 || { tail -n 20 "$RESULTS/server.log" >&2; exit 1; }

log "signing in $(wc -l <"$WORK/users.tsv") sessions over HTTP"
BENCH_PASSWORD="$PASSWORD" "$DRIVER" sign-in --base "http://127.0.0.1:$APP_PORT" --users "$WORK/users.tsv" \
  --out "$WORK/sessions.tsv"

# The same bytes, served statically: each page saved once (by the first session) for nginx.
IFS=$'\t' read -r HOST COOKIE <"$WORK/sessions.tsv"
PROJECT_ID=$(grep -m1 "^${HOST%%.*}"$'\t' "$WORK/projects.tsv" | cut -f2)
declare -A PATHS=([board]="/pipeline" [table]="/projects?sort=due&page=2" [project]="/projects/$PROJECT_ID"
  [contacts]="/contacts?page=2")
for page in board table project contacts; do
  curl -fsS -H "Host: $HOST" -H "Cookie: $COOKIE" "http://127.0.0.1:$APP_PORT${PATHS[$page]}" -o "$WORK/static/$page.html"
  cp "$WORK/static/$page.html" "$RESULTS/pages/"
done
chmod 644 "$WORK"/static/*.html
cat >"$WORK/nginx/nginx.conf" <<NGINX
daemon off;
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    types { text/html html; }
    default_type text/html;
    sendfile on;
    gzip off; # the server does not compress either
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    server {
        listen 127.0.0.1:$STATIC_PORT;
        root $WORK/static;
        location = /pipeline { try_files /board.html =404; }
        location = /projects { try_files /table.html =404; }
        location /projects/ { try_files /project.html =404; }
        location = /contacts { try_files /contacts.html =404; }
    }
}
NGINX
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" 2>"$WORK/nginx/start.log" &
NGINX_PID=$!
wait_for_http "http://127.0.0.1:$STATIC_PORT/pipeline" 10

# One page at one concurrency through goose: TARGET (app|static) BASE PAGE CONCURRENCY [extra driver flags]
load() {
  local log_file="$RESULTS/goose-$3-$4-$1${5:+-think}.log"
  "$DRIVER" load --target "$1" --base "$2" --page "$3" --users "$4" --seconds "$MEASURE_SECONDS" \
    --sessions "$WORK/sessions.tsv" --projects "$WORK/projects.tsv" --out "$RESULTS/results.jsonl" "${@:5}" >"$log_file" 2>&1 ||
    { tail -n 20 "$log_file" >&2; return 1; }
  tail -n 1 "$log_file"
}

for page in $PAGES; do
  # The page's SQL for pgbench, made from the app's own query functions (src/pgbench.rs), never a copy.
  "$BIN" pgbench-script "$page" >"$RESULTS/pgbench/$page.sql"
  for c in $CONCURRENCY; do
    log "$page page, $c sessions: the app"
    load app "http://127.0.0.1:$APP_PORT" "$page" "$c"
    log "$page page, $c clients: its SQL under pgbench"
    rm -f "$RESULTS/pgbench/$page-$c".*
    (cd "$RESULTS/pgbench" && "$PG_BIN/pgbench" -h "$SOCKET" -U gwm_app -n -c "$c" -j 2 -T "$MEASURE_SECONDS" \
      -D prepared=0 -D ntenants="$TENANTS" -D projects="$PROJECTS" -D "tenants='{$TENANT_IDS}'" -D "users='{$ADMIN_IDS}'" \
      -f "$RESULTS/pgbench/$page.sql" -l --log-prefix "$page-$c" gwm_bench >"$page-$c.txt" 2>&1) ||
      { tail -n 20 "$RESULTS/pgbench/$page-$c.txt" >&2; exit 1; }
    "$DRIVER" pgbench --page "$page" --clients "$c" --output "$RESULTS/pgbench/$page-$c.txt" \
      --log-prefix "$RESULTS/pgbench/$page-$c" --out "$RESULTS/results.jsonl"
    # Find anything answers JSON to a POST, and a search's pages differ by term: nothing one file can stand for.
    if [ "$page" != find ] && [ "$page" != contact_search ]; then
      log "$page page, $c sessions: the same bytes from nginx"
      load static "http://127.0.0.1:$STATIC_PORT" "$page" "$c"
    fi
  done
  if [ -n "$THINK" ]; then
    # People read what they opened: the same sessions, each loading a page every few seconds. The warm-up is
    # one longest think time, so every session has made its first visit before the window opens.
    log "$page page, $MAX_CONCURRENCY sessions thinking ${THINK} s between pages: the app, then nginx"
    targets="app static"; [ "$page" != find ] && [ "$page" != contact_search ] || targets=app
    for target in $targets; do
      base="http://127.0.0.1:$APP_PORT"; [ "$target" = app ] || base="http://127.0.0.1:$STATIC_PORT"
      MEASURE_SECONDS="$THINK_SECONDS" load "$target" "$base" "$page" "$MAX_CONCURRENCY" --think "$THINK" --warmup "${THINK#*-}"
    done
  fi
done

{
  echo "GWM CRM pages, release build at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores:" \
    "$TENANTS tenants x $PROJECTS projects x $CONTACTS contacts, $MEASURE_SECONDS s per phase; latencies of whole pages, errors apart"
  "$DRIVER" report "$RESULTS/results.jsonl"
  echo "Server warnings and errors, by message (all of them in $RESULTS/server.log):"
  grep -o -E '"level":"(WARN|ERROR)","message":"[^"]*"' "$RESULTS/server.log" | sort | uniq -c | sort -rn || echo "  none"
} | tee "$RESULTS/summary.txt"
log "done in $((SECONDS - STARTED_AT)) s; raw results in $RESULTS"
