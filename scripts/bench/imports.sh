#!/usr/bin/env bash
# `scripts/bench.sh imports`: a 50,000-row contacts CSV imported through the release server (upload, then the
# background job, "valid rows only"), timed from the start call to the job's end, and the server's memory while
# it runs, which must stay flat (its peak under 100 MiB above idle: the file streams in 500-row batches).
#
# One fresh server (its own PID, so /proc/<pid>/status is read) on a private PostgreSQL cluster with durable
# settings (fsync on), one tenant with its admin signed in over HTTP. A 100-row import warms it up; then idle
# VmRSS is read and VmHWM reset to it (/proc/<pid>/clear_refs). Each repeat uploads a file of BENCH_ROWS people
# at 40 organizations (each repeat's e-mail addresses are new, so every row imports), starts it, and polls the
# progress every 0.2 s until it is done: rows per second over the job (the upload is timed apart), the peak
# memory, and the rows, history and audit written are checked.
#
# Knobs (defaults are the committed benchmark): BENCH_ROWS=50000 BENCH_REPEATS=3 BENCH_APP_PORT=38095
# BENCH_DIR=/var/tmp BENCH_RUST_LOG (the server's RUST_LOG; its log is then kept beside the summary); BENCH_NO_BUILD=1 uses the server binary already built. The summary goes to stdout and
# target/bench-results/imports-<time>.txt.
source "$(dirname "$0")/../lib.sh"

ROWS="${BENCH_ROWS:-50000}"
REPEATS="${BENCH_REPEATS:-3}"
APP_PORT="${BENCH_APP_PORT:-38095}"
BENCH_DIR="${BENCH_DIR:-/var/tmp}"
FLAT_LIMIT_MIB=100
HOST="bench-imports.localhost:$APP_PORT"
BASE="http://127.0.0.1:$APP_PORT"
EMAIL="admin@bench-imports.gwm.test"
PASSWORD="Bench-Imports-2026!"
BIN="$TARGET_DIR/release/gwm-crm"
RESULTS_DIR="$ROOT/target/bench-results"
RESULTS="$RESULTS_DIR/imports-$(date +%Y%m%d-%H%M%S).txt"
STARTED_AT=$SECONDS

fail() { echo "imports bench: $*" >&2; exit 1; }
[[ "$ROWS" =~ ^[1-9][0-9]*$ && "$REPEATS" =~ ^[1-9][0-9]*$ ]] || fail "BENCH_ROWS and BENCH_REPEATS are whole numbers"
if (exec 3<>"/dev/tcp/127.0.0.1/$APP_PORT") 2>/dev/null; then fail "port $APP_PORT is in use: set BENCH_APP_PORT"; fi

[ -x "$PG_BIN/initdb" ] || apt_install postgresql-15
apt_install jq
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  ensure_build_tools
  log "building the server (release)"
  (cd "$ROOT" && nice -n 10 cargo build --release --locked -p gwm-crm --bin gwm-crm)
fi
[ -x "$BIN" ] || fail "no server binary at $BIN"

mkdir -p "$BENCH_DIR" "$RESULTS_DIR"
WORK="$(mktemp -d "$BENCH_DIR/gwm-bench-imports.XXXXXX")"
chmod 755 "$WORK"
SOCKET="$WORK/socket"
SERVER_PID=""
cleanup() {
  local status=$?
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ "$status" != 0 ] || [ -n "${BENCH_RUST_LOG:-}" ]; then
    [ ! -s "$WORK/server.log" ] || cp "$WORK/server.log" "${RESULTS%.txt}-server.log"
  fi
  pg_stop "$WORK/pg"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$WORK"/{site/pkg,files}

log "starting a private PostgreSQL cluster (fsync on) and one tenant"
pg_start "$WORK/pg" "$SOCKET"
pg_prepare "$SOCKET" gwm_bench
export DATABASE_URL="postgres://gwm_owner@localhost/gwm_bench?host=$SOCKET"
RUST_LOG=warn "$BIN" migrate >/dev/null
GWM_ADMIN_PASSWORD="$PASSWORD" RUST_LOG=warn "$BIN" create-tenant --name "Bench Imports" --id bench-imports \
  --admin-email "$EMAIL" --admin-first-name Avery --admin-last-name Morgan --plan enterprise >/dev/null
TENANT_ID=$(psql -h "$SOCKET" -U gwm_owner -d gwm_bench -At -v ON_ERROR_STOP=1 -c "SELECT id FROM tenants WHERE subdomain = 'bench-imports'")
tenant_sql() {
  printf "SELECT set_config('app.current_tenant_id', '%s', false) \\g /dev/null\n%s\n" "$TENANT_ID" "$1" |
    psql -h "$SOCKET" -U gwm_owner -d gwm_bench -At -F ' ' -v ON_ERROR_STOP=1
}

mem() { awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { printf "%d %d\n", r, h }' "/proc/$SERVER_PID/status"; } # KiB
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
now_ns() { date +%s%N; }
since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }

log "starting the server (release, production settings) on port $APP_PORT"
env LEPTOS_ENV=PROD GWM_SECRET_KEY="$(openssl rand -base64 32)" GWM_PUBLIC_SCHEME=http LEPTOS_SITE_ADDR="127.0.0.1:$APP_PORT" \
  LEPTOS_SITE_ROOT="$WORK/site" GWM_FILES_DIR="$WORK/files" GWM_SEED_DEMO=never RUST_LOG="${BENCH_RUST_LOG:-warn}" \
  "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
wait_for_http "$BASE/healthz" 60 || { tail -n 20 "$WORK/server.log" >&2; exit 1; }

headers=$(curl -sS -o "$WORK/sign-in.json" -D - -H "Host: $HOST" -H "Origin: http://$HOST" -H "Accept: application/json" \
  --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" "$BASE/api/auth/sign-in")
COOKIE=$(printf '%s\n' "$headers" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(gwm_session=[^;]*\).*/\1/p' | head -1)
[ -n "$COOKIE" ] && grep -q SignedIn "$WORK/sign-in.json" || fail "signing in failed: $(cat "$WORK/sign-in.json")"
api() { # PATH FORM...: a server function's JSON answer
  local path="$1"; shift
  local args=() pair
  for pair in "$@"; do args+=(--data-urlencode "$pair"); done
  curl -sS -f -H "Host: $HOST" -H "Origin: http://$HOST" -H "Cookie: $COOKIE" -H "Accept: application/json" "${args[@]}" "$BASE$path"
}

write_file() { # ROWS TAG OUT: people at 40 organizations, addresses unique to TAG
  awk -v n="$1" -v tag="$2" 'BEGIN {
    printf "First name,Last name,E-mail,Organization,Title,Phone,Strength,Notes\r\n"
    for (i = 0; i < n; i++)
      printf "Pat,Person%d %s,pat%d.%s@agency%d.gov,Agency %d,Program Analyst,+1 202 555 %04d,%d,\"Met at the industry day,\nfollow up in spring\"\r\n", i, tag, i, tag, i % 40, i % 40, i % 10000, i % 5 + 1
  }' >"$3"
}

MAPPING="first_name,last_name,email,organization,title,phone,relationship_strength,notes"
import_file() { # FILE NAME: sets UPLOAD_S, JOB_S, IMPORTED, PEAK_KIB
  local code id t0 status summary
  t0=$(now_ns)
  code=$(curl -sS -o "$WORK/upload.json" -w '%{http_code}' -X POST -T "$1" -H "Host: $HOST" -H "Origin: http://$HOST" \
    -H "Cookie: $COOKIE" -H "Accept: application/json" -H "Content-Type: text/csv" "$BASE/imports/upload?kind=contacts&name=$2")
  [ "$code" = 201 ] || fail "upload of $2 answered $code: $(head -c 500 "$WORK/upload.json")"
  UPLOAD_S=$(since "$t0")
  id=$(jq -r .id "$WORK/upload.json")
  t0=$(now_ns)
  api /api/imports/start "id=$id" "mapping=$MAPPING" "encoding=utf-8" "mode=valid_only" >/dev/null || fail "starting $id failed"
  while :; do
    summary=$(api /api/imports/progress "id=$id") || fail "progress of $id failed"
    status=$(jq -r .status <<<"$summary")
    [ "$status" = queued ] || [ "$status" = running ] || break
    sleep 0.2
  done
  JOB_S=$(since "$t0")
  [ "$status" = done ] || fail "import $id ended $status: $(jq -r .failure <<<"$summary")"
  IMPORTED=$(jq -r .rows_imported <<<"$summary")
  [ "$(jq -r .rows_rejected <<<"$summary")" = 0 ] || fail "import $id rejected rows: $summary"
  read -r _ PEAK_KIB <<<"$(mem)"
  JOB_ID=$id
}

log "warming up with a 100-row import"
write_file 100 warm "$WORK/warm.csv"
import_file "$WORK/warm.csv" warm.csv
sleep 2
read -r IDLE_KIB _ <<<"$(mem)"
echo 5 >"/proc/$SERVER_PID/clear_refs"

: >"$WORK/runs.tsv"
for r in $(seq 1 "$REPEATS"); do
  write_file "$ROWS" "r$r" "$WORK/people.csv"
  SIZE=$(stat -c %s "$WORK/people.csv")
  log "repeat $r: $ROWS rows ($(mib $((SIZE / 1024))) MiB)"
  import_file "$WORK/people.csv" "people-$r.csv"
  [ "$IMPORTED" = "$ROWS" ] || fail "repeat $r imported $IMPORTED of $ROWS rows"
  written=$(tenant_sql "SELECT count(*) FROM contacts WHERE import_id = '$JOB_ID'")
  [ "$written" = "$ROWS" ] || fail "repeat $r: $written contacts carry the import's id, not $ROWS"
  rate=$(awk -v n="$ROWS" -v s="$JOB_S" 'BEGIN { printf "%.0f", n / s }')
  printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$UPLOAD_S" "$JOB_S" "$rate" "$PEAK_KIB" >>"$WORK/runs.tsv"
  log "repeat $r: upload $UPLOAD_S s, import $JOB_S s ($rate rows/s), peak RSS $(mib "$PEAK_KIB") MiB"
done
HISTORY=$(tenant_sql "SELECT count(*) FROM change_history WHERE entity_type = 'contact'")
AUDITS=$(tenant_sql "SELECT count(*) FROM audit_logs WHERE action_type = 'import'")
read -r _ PEAK_KIB <<<"$(mem)"
ABOVE_MIB=$(awk -v p="$PEAK_KIB" -v i="$IDLE_KIB" 'BEGIN { printf "%.1f", (p - i) / 1024 }')
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
{
  echo "GWM CRM CSV import, release build at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores," \
    "PostgreSQL with fsync on: $ROWS contacts per file (8 columns, a quoted two-line note each, 40 organizations), $REPEATS repeats"
  printf '  import (start to done): median %s s = %s rows/s (runs: %s)\n' "$(cut -f3 "$WORK/runs.tsv" | median)" \
    "$(cut -f4 "$WORK/runs.tsv" | median)" "$(cut -f4 "$WORK/runs.tsv" | paste -sd' ')"
  printf '  upload of the file: median %s s\n' "$(cut -f2 "$WORK/runs.tsv" | median)"
  printf '  server memory: idle %s MiB, peak %s MiB, %s MiB above idle (limit %s)\n' "$(mib "$IDLE_KIB")" "$(mib "$PEAK_KIB")" \
    "$ABOVE_MIB" "$FLAT_LIMIT_MIB"
  printf '  written: %s field-history rows for contacts, %s import audit rows (2 per import)\n' "$HISTORY" "$AUDITS"
} | tee "$RESULTS"
awk -v a="$ABOVE_MIB" -v l="$FLAT_LIMIT_MIB" 'BEGIN { exit !(a < l) }' || fail "memory grew $ABOVE_MIB MiB above idle"
log "done in $((SECONDS - STARTED_AT)) s; summary in $RESULTS"
