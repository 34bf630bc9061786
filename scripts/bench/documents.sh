#!/usr/bin/env bash
# `scripts/bench.sh documents`: a 1 GiB document uploaded and downloaded through the release server, to local
# disk and to an S3-protocol store (s3s-fs), beside the same file written straight to the same backend in the
# same run, so the server's overhead shows as a ratio; and the server's memory, which must stay flat (its peak
# under 100 MiB above idle, whatever the file's size).
#
# Per backend: a fresh server (its own PID, so /proc/<pid>/status is read), one admin session of the demo
# tenant, a small upload and download as warm-up, then idle VmRSS is read and VmHWM reset to it
# (/proc/<pid>/clear_refs); each repeat then makes the four transfers, in alternating order (direct first on
# odd repeats, the server first on even ones):
#   direct upload    local: dd conv=fsync into the files folder (the server also fsyncs before its rename);
#                    s3s-fs: one SigV4 PUT by curl (UNSIGNED-PAYLOAD)
#   server upload    curl -T (streamed, never buffered by curl) POST /documents/upload
#   direct download  local: dd of the direct copy to /dev/null; s3s-fs: a SigV4 GET by curl to /dev/null
#   server download  curl GET /documents/<id>/download to /dev/null
# Every transfer is timed by the wall clock around the command, after an untimed `sync`; MiB/s are medians over
# the repeats. The local disk writes are durable (fsync) on both paths; s3s-fs does not fsync, on either path.
# Checks: each upload's recorded SHA-256 (the server hashes on the way) equals the source's; once per backend
# a download through the server, and the direct copy, are hashed too. Reads may come from the page cache on
# both paths alike (caches cannot be dropped here): just-written files are read back.
# On builds with background text extraction, each stored copy is kept until its extraction is done, and the
# extraction children (separate processes) are measured apart: GWM_EXTRACTOR runs them under GNU time.
#
# The documents go to a project of the demo tenant (BENCH_PLACE=library: the tenant's library). An upload
# declares its length, so the server streams it to S3 as one PUT.
#
# Knobs (defaults are the committed benchmark): BENCH_SIZE_MIB=1024 BENCH_REPEATS=3 BENCH_PLACE=project
# BENCH_BACKENDS="local s3" BENCH_SETTLE_SECONDS=5 (memory is read again after this idle pause, for background
# jobs a finished upload starts) BENCH_DIR=/var/tmp (where the file, PostgreSQL, the files folder and the
# bucket live: one filesystem, a real disk) BENCH_APP_PORT=38090 BENCH_S3_PORT=38091; BENCH_NO_BUILD=1 uses
# the server binary already built. The summary goes to stdout and target/bench-results/documents-<time>.txt.
source "$(dirname "$0")/../lib.sh"

SIZE_MIB="${BENCH_SIZE_MIB:-1024}"
REPEATS="${BENCH_REPEATS:-3}"
BACKENDS="${BENCH_BACKENDS:-local s3}"
SETTLE="${BENCH_SETTLE_SECONDS:-5}"
PLACE="${BENCH_PLACE:-project}"
BENCH_DIR="${BENCH_DIR:-/var/tmp}"
APP_PORT="${BENCH_APP_PORT:-38090}"
S3_PORT="${BENCH_S3_PORT:-38091}"
FLAT_LIMIT_MIB=100
HOST="demo.localhost:$APP_PORT"
BASE="http://127.0.0.1:$APP_PORT"
EMAIL="admin@demo.gwm.test"
PASSWORD="Capture-Demo-2026!"
S3_KEY="gwm-bench" S3_SECRET="gwm-bench-secret-key" S3_BUCKET="gwm-bench"
S3_BASE="http://127.0.0.1:$S3_PORT/$S3_BUCKET"
S3_AUTH=(--aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_KEY:$S3_SECRET" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")
BIN="$TARGET_DIR/release/gwm-crm"
RESULTS_DIR="$ROOT/target/bench-results"
RESULTS="$RESULTS_DIR/documents-$(date +%Y%m%d-%H%M%S).txt"
STARTED_AT=$SECONDS
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)

fail() { echo "documents bench: $*" >&2; exit 1; }

for port in "$APP_PORT" "$S3_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    fail "port $port is in use: set BENCH_APP_PORT / BENCH_S3_PORT"
  fi
done
[[ "$REPEATS" =~ ^[1-9][0-9]*$ && "$SIZE_MIB" =~ ^[1-9][0-9]*$ ]] || fail "BENCH_REPEATS and BENCH_SIZE_MIB are whole numbers"
for backend in $BACKENDS; do [[ "$backend" == local || "$backend" == s3 ]] || fail "BENCH_BACKENDS: local and/or s3, not $backend"; done
[[ "$PLACE" == library || "$PLACE" == project ]] || fail "BENCH_PLACE: library or project, not $PLACE"

# Up to four copies at once: the file, the direct copy, the server's copy and a hashed download (or, in s3s-fs,
# the server's parts beside the object they are joined into). Each repeat's copies are removed after it.
mkdir -p "$BENCH_DIR"
free_mib=$(( $(df -Pk "$BENCH_DIR" | awk 'NR == 2 { print $4 }') / 1024 ))
[ "$free_mib" -ge $((4 * SIZE_MIB + 1024)) ] ||
  fail "$BENCH_DIR has $free_mib MiB free; this needs $((4 * SIZE_MIB + 1024)) (BENCH_DIR to put it elsewhere)"
[ "$(df --output=fstype "$BENCH_DIR" | tail -1)" != tmpfs ] || log "warning: $BENCH_DIR is a tmpfs: the disk numbers are memory numbers"

# The server only: no page is rendered, so no wasm bundle is needed (the site root is an empty folder).
[ -x "$PG_BIN/initdb" ] || apt_install postgresql-15
apt_install jq time
if [[ " $BACKENDS " == *" s3 "* ]]; then ensure_s3s_fs; fi
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  apt_install libxmlsec1-dev pkg-config libclang-dev
  log "building the server (release)"
  (cd "$ROOT" && nice -n 10 cargo build --release --locked -p gwm-crm --bin gwm-crm)
fi
[ -x "$BIN" ] || fail "no server binary at $BIN"

WORK="$(mktemp -d "$BENCH_DIR/gwm-bench-documents.XXXXXX")"
chmod 755 "$WORK" # postgres owns its cluster folder inside
SOCKET="$WORK/socket"
SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  SERVER_PID=""
}
cleanup() {
  local status=$? log_file
  stop_server
  if [ "$status" != 0 ]; then # the logs outlive a failed run
    for log_file in "$WORK"/server-*.log "$WORK/s3/s3s-fs.log"; do
      [ ! -s "$log_file" ] || cp "$log_file" "${RESULTS%.txt}-$(basename "$log_file")"
    done
    log "failed; the server and s3s-fs logs are in ${RESULTS%.txt}-*.log"
  fi
  s3_stop "$WORK/s3"
  pg_stop "$WORK/pg"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$WORK"/{site/pkg,files,s3} "$RESULTS_DIR"
FILES="$WORK/files"
SRC="$WORK/bench-1gib.txt"
RUNS="$WORK/runs.tsv"
: >"$RUNS"

log "writing a $SIZE_MIB MiB ASCII text file (base64 of random bytes)"
# base64 of 3/4 of the size gives a little more than the size (line breaks included); head cuts it exact
# (base64 then dies of SIGPIPE, which is expected: the size is checked instead).
(set +o pipefail; head -c $((SIZE_MIB * 786432 + 1048576)) /dev/urandom | base64 -w 76 | head -c $((SIZE_MIB * 1048576)) >"$SRC")
[ "$(stat -c %s "$SRC")" = $((SIZE_MIB * 1048576)) ] || fail "could not write $SRC"
SRC_SHA=$(openssl dgst -sha256 -r "$SRC" | cut -d' ' -f1)
head -c 1048576 "$SRC" >"$WORK/warm-up.txt"

log "starting a private PostgreSQL cluster (fsync on) and seeding the demo tenant"
pg_start "$WORK/pg" "$SOCKET"
pg_prepare "$SOCKET" gwm_bench
export DATABASE_URL="postgres://gwm_owner@localhost/gwm_bench?host=$SOCKET"
RUST_LOG=warn "$BIN" seed-demo >/dev/null
TENANT_ID=$(psql -h "$SOCKET" -U gwm_owner -d gwm_bench -At -v ON_ERROR_STOP=1 -c "SELECT id FROM tenants WHERE subdomain = 'demo'")
demo_sql() { # SQL: run as the owner in the demo tenant (tenant tables are readable per tenant only, even by the owner)
  printf "SELECT set_config('app.current_tenant_id', '%s', false) \\g /dev/null\n%s\n" "$TENANT_ID" "$1" |
    psql -h "$SOCKET" -U gwm_owner -d gwm_bench -At -F ' ' -v ON_ERROR_STOP=1
}
# Builds with background text extraction (migration 0014) read each upload's text soon after it is stored.
EXTRACTS=$(psql -h "$SOCKET" -U gwm_owner -d gwm_bench -At -c "SELECT to_regproc('claim_document_extractions') IS NOT NULL")
PLACE_QUERY=""
if [ "$PLACE" = project ]; then
  PROJECT=$(demo_sql "SELECT id FROM opportunity_projects WHERE project_status <> 'archived' ORDER BY id LIMIT 1")
  [ -n "$PROJECT" ] || fail "the demo tenant has no open project"
  PLACE_QUERY="project=$PROJECT&"
fi
SECRET_KEY="$(openssl rand -base64 32)"

now_ns() { date +%s%N; }
mem() { awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { printf "%d %d\n", r, h }' "/proc/$SERVER_PID/status"; } # KiB
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

start_server() { # BACKEND
  local storage=(GWM_STORAGE=local)
  if [ "$1" = s3 ]; then
    storage=(GWM_STORAGE=s3 GWM_S3_ENDPOINT="http://127.0.0.1:$S3_PORT" GWM_S3_REGION=us-east-1 GWM_S3_BUCKET="$S3_BUCKET"
      GWM_S3_ACCESS_KEY_ID="$S3_KEY" GWM_S3_SECRET_ACCESS_KEY="$S3_SECRET" GWM_S3_FORCE_PATH_STYLE=true)
  fi
  # Text extraction runs in child processes (`gwm-crm extract-text`, or GWM_EXTRACTOR), whose memory is not the
  # server's: this one runs the same program under GNU time, which appends each child's maximum RSS to a file.
  printf '#!/bin/sh\nexec /usr/bin/time -a -o %s -f %%M %s "$@"\n' "$WORK/extractor-$1" "$BIN" >"$WORK/extractor.sh"
  chmod 755 "$WORK/extractor.sh"
  : >"$WORK/extractor-$1"
  # `env` execs the server: $! is the server's own PID.
  env LEPTOS_ENV=PROD GWM_SECRET_KEY="$SECRET_KEY" GWM_PUBLIC_SCHEME=http LEPTOS_SITE_ADDR="127.0.0.1:$APP_PORT" \
    GWM_EXTRACTOR="$WORK/extractor.sh" LEPTOS_SITE_ROOT="$WORK/site" GWM_FILES_DIR="$FILES" GWM_SEED_DEMO=never RUST_LOG=warn "${storage[@]}" \
    "$BIN" serve >"$WORK/server-$1.log" 2>&1 &
  SERVER_PID=$!
  wait_for_http "$BASE/healthz" 60 || { tail -n 20 "$WORK/server-$1.log" >&2; exit 1; }
}

sign_in() {
  local headers
  headers=$(curl -sS -o "$WORK/sign-in.json" -D - -H "Host: $HOST" -H "Origin: http://$HOST" -H "Accept: application/json" \
    --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" "$BASE/api/auth/sign-in")
  COOKIE=$(printf '%s\n' "$headers" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(gwm_session=[^;]*\).*/\1/p' | head -1)
  [ -n "$COOKIE" ] && grep -q SignedIn "$WORK/sign-in.json" || fail "signing in $EMAIL failed: $(cat "$WORK/sign-in.json")"
}

# Each transfer sets ELAPSED (seconds); uploads through the server set DOC_ID and DOC_SHA. Both curl uploads
# send curl's default `Expect: 100-continue` (an empty Expect header would be signed by SigV4 and then not sent).
timed() { local t0; t0=$(now_ns); "$@" || return; ELAPSED=$(awk -v a="$t0" -v b="$(now_ns)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'); }

server_upload() { # FILE NAME
  local code
  timed curl -sS -o "$WORK/upload.json" -w '%{http_code}' -X POST -T "$1" -H "Host: $HOST" -H "Origin: http://$HOST" \
    -H "Cookie: $COOKIE" -H "Accept: application/json" -H "Content-Type: application/octet-stream" \
    "$BASE/documents/upload?${PLACE_QUERY}name=$2&type=other&access=public" >"$WORK/code" || fail "upload of $2 failed"
  code=$(cat "$WORK/code")
  [ "$code" = 201 ] || fail "upload of $2 answered $code: $(head -c 500 "$WORK/upload.json")"
  DOC_ID=$(jq -r .id "$WORK/upload.json")
  DOC_SHA=$(jq -r .file_hash_sha256 "$WORK/upload.json")
}
server_download() { # ID OUT
  local code
  timed curl -sS -o "$2" -w '%{http_code}' -H "Host: $HOST" -H "Cookie: $COOKIE" "$BASE/documents/$1/download" >"$WORK/code" || fail "download of $1 failed"
  code=$(cat "$WORK/code")
  [ "$code" = 200 ] || fail "download of $1 answered $code"
}
direct_upload() { # BACKEND FILE NAME
  if [ "$1" = local ]; then
    timed dd if="$2" of="$FILES/$3" bs=8M conv=fsync status=none || fail "writing $FILES/$3 failed"
  else
    timed curl -sS -f -o /dev/null "${S3_AUTH[@]}" -T "$2" "$S3_BASE/direct/$3" || fail "PUT of direct/$3 to s3s-fs failed"
  fi
}
direct_download() { # BACKEND NAME OUT
  if [ "$1" = local ]; then
    timed dd if="$FILES/$2" of="$3" bs=8M status=none || fail "reading $FILES/$2 failed"
  else
    timed curl -sS -f -o "$3" "${S3_AUTH[@]}" "$S3_BASE/direct/$2" || fail "GET of direct/$2 from s3s-fs failed"
  fi
}
# Where the server extracts text, its stored copy stays until the extraction is done with it (60 s at most), so
# that the memory readings include the extraction of every upload and no extraction fails for a removed file.
wait_for_extraction() { # DOC_ID
  [ "$EXTRACTS" = t ] || return 0
  local deadline=$((SECONDS + 60)) status
  while status=$(demo_sql "SELECT processing_status FROM documents WHERE id = '$1'") && [[ "$status" == pending || "$status" == processing ]]; do
    [ $SECONDS -lt $deadline ] || { log "warning: document $1 is still $status after 60 s"; return 0; }
    sleep 0.5
  done
}
remove_copies() { # BACKEND NAME DOC_ID: the direct copy and the server's (its row stays; it is not read again)
  local stored="${3//-/}"
  wait_for_extraction "$3"
  if [ "$1" = local ]; then
    rm -f "$FILES/$2"
    find "$FILES" -type f -name "$stored.*" -delete
  else
    curl -sS -f -o /dev/null "${S3_AUTH[@]}" -X DELETE "$S3_BASE/direct/$2"
    find "$WORK/s3/root/$S3_BUCKET" -type f -name "$stored.*" -delete
  fi
}
record() { # BACKEND PATH OP REPEAT
  local rss hwm
  read -r rss hwm < <(mem)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$ELAPSED" "$rss" "$hwm" >>"$RUNS"
  printf '  %-6s %-6s %-8s run %s: %7.2f s %8.1f MiB/s   server RSS %6s MiB, HWM %6s MiB\n' "$1" "$2" "$3" "$4" "$ELAPSED" \
    "$(awk -v s="$ELAPSED" -v m="$SIZE_MIB" 'BEGIN { printf "%.1f", m / s }')" "$(mib "$rss")" "$(mib "$hwm")" >&2
}

declare -A IDLE_RSS PEAK_HWM SETTLED_RSS SETTLED_HWM HWM_RESET CHILD_HWM CHILDREN
for backend in $BACKENDS; do
  if [ "$backend" = s3 ]; then
    log "starting s3s-fs on port $S3_PORT (bucket in $WORK/s3/root)"
    s3_start "$S3_PORT" "$WORK/s3" "$S3_KEY" "$S3_SECRET" "$S3_BUCKET"
  fi
  log "$backend: starting the server (release, production settings, GWM_STORAGE=$backend) on port $APP_PORT"
  start_server "$backend"
  sign_in
  # Warm-up: the first upload and download (connections, the session, the backend's first write) and, for
  # s3s-fs, one direct PUT and GET.
  server_upload "$WORK/warm-up.txt" warm-up.txt
  server_download "$DOC_ID" /dev/null
  direct_upload "$backend" "$WORK/warm-up.txt" warm-up.txt
  direct_download "$backend" warm-up.txt /dev/null
  remove_copies "$backend" warm-up.txt "$DOC_ID"
  sleep 2
  read -r IDLE_RSS[$backend] _ < <(mem)
  # VmHWM from here on is the peak of the transfers, not of start-up (clear_refs 5 resets it to VmRSS).
  if echo 5 >"/proc/$SERVER_PID/clear_refs" 2>/dev/null; then HWM_RESET[$backend]=yes; else HWM_RESET[$backend]=no; fi
  log "$backend: idle RSS $(mib "${IDLE_RSS[$backend]}") MiB; $REPEATS x $SIZE_MIB MiB up and down, direct and through the server"
  for r in $(seq 1 "$REPEATS"); do
    name="bench-$r.txt"
    if [ $((r % 2)) = 1 ]; then order="direct server"; else order="server direct"; fi
    for path in $order; do
      sync # untimed: the previous transfer's dirty pages (s3s-fs does not fsync) are not written back during this one
      if [ "$path" = direct ]; then direct_upload "$backend" "$SRC" "$name"; else server_upload "$SRC" "$name"; fi
      record "$backend" "$path" upload "$r"
      if [ "$path" = server ] && [ "$DOC_SHA" != "$SRC_SHA" ]; then fail "$backend: the server recorded SHA-256 $DOC_SHA, the file's is $SRC_SHA"; fi
    done
    for path in $order; do
      sync
      if [ "$path" = direct ]; then direct_download "$backend" "$name" /dev/null; else server_download "$DOC_ID" /dev/null; fi
      record "$backend" "$path" download "$r"
    done
    if [ "$r" = 1 ]; then
      # Untimed: the bytes that come back are the bytes that went in, on both paths.
      server_download "$DOC_ID" "$WORK/check"
      [ "$(openssl dgst -sha256 -r "$WORK/check" | cut -d' ' -f1)" = "$SRC_SHA" ] || fail "$backend: a download through the server differs from the file"
      direct_download "$backend" "$name" "$WORK/check"
      [ "$(openssl dgst -sha256 -r "$WORK/check" | cut -d' ' -f1)" = "$SRC_SHA" ] || fail "$backend: the direct copy differs from the file"
      rm -f "$WORK/check"
    fi
    remove_copies "$backend" "$name" "$DOC_ID"
  done
  read -r _ PEAK_HWM[$backend] < <(mem)
  sleep "$SETTLE"
  read -r SETTLED_RSS[$backend] SETTLED_HWM[$backend] < <(mem)
  # The extraction children's maximum RSS (KiB), one line each, and how many ran.
  read -r CHILD_HWM[$backend] CHILDREN[$backend] < <(awk '$1 ~ /^[0-9]+$/ { n++; if ($1 > m) m = $1 } END { print m + 0, n + 0 }' "$WORK/extractor-$backend")
  grep -q -E '"level":"(WARN|ERROR)"' "$WORK/server-$backend.log" && { log "$backend: server warnings:"; grep -E '"level":"(WARN|ERROR)"' "$WORK/server-$backend.log" | tail -n 5 >&2; }
  stop_server
  if [ "$backend" = s3 ]; then s3_stop "$WORK/s3"; fi
done

# Whether the background text extraction ran on the uploads while memory was watched (on builds that have it).
EXTRACTION=$(demo_sql "SELECT storage_provider || ' ' || processing_status, count(*) FROM documents GROUP BY 1 ORDER BY 1" |
  paste -sd, | sed 's/,/, /g')

median_mibps() { # BACKEND PATH OP
  awk -F'\t' -v b="$1" -v p="$2" -v o="$3" -v m="$SIZE_MIB" '$1 == b && $2 == p && $3 == o { print m / $5 }' "$RUNS" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) printf "%.0f\n", v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
{
  echo "GWM CRM documents: a $SIZE_MIB MiB text file, release build at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores," \
    "$REPEATS runs each (median MiB/s), into the $PLACE, files in $BENCH_DIR ($(df --output=fstype "$BENCH_DIR" | tail -1)); $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "Load average at the start: $LOAD_AT_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the numbers)"
  echo
  printf '%-12s %-9s %13s %13s %14s\n' backend transfer "direct MiB/s" "server MiB/s" "server/direct"
  for backend in $BACKENDS; do
    label=$([ "$backend" = local ] && echo "local disk" || echo "s3s-fs")
    for op in upload download; do
      d=$(median_mibps "$backend" direct "$op") s=$(median_mibps "$backend" server "$op")
      printf '%-12s %-9s %13s %13s %14s\n' "$label" "$op" "$d" "$s" "$(awk -v d="$d" -v s="$s" 'BEGIN { printf "%.2f", s / d }')"
    done
  done
  echo
  echo "Server memory (MiB, /proc/<pid>/status): idle = VmRSS after start-up, sign-in and a 1 MiB warm-up, when VmHWM is reset"
  echo "to it (clear_refs); peak = VmHWM at the end of the transfers; +${SETTLE}s = VmRSS and VmHWM after ${SETTLE} s more idle (background"
  echo "work an upload starts); peak - idle uses the later VmHWM. Flat means peak - idle under $FLAT_LIMIT_MIB MiB. child = the"
  echo "largest maximum RSS of the server's text-extraction child processes (GNU time), and how many ran. The uploaded"
  echo "documents' processing status at the end, by backend: ${EXTRACTION:-none}."
  printf '%-12s %9s %9s %9s %9s %12s %12s  %s\n' backend "idle RSS" "peak HWM" "RSS +${SETTLE}s" "HWM +${SETTLE}s" "peak - idle" "child (n)" flat
  for backend in $BACKENDS; do
    label=$([ "$backend" = local ] && echo "local disk" || echo "s3s-fs")
    grow=$(( ${SETTLED_HWM[$backend]} - ${IDLE_RSS[$backend]} ))
    verdict=$([ "$grow" -lt $((FLAT_LIMIT_MIB * 1024)) ] && echo yes || echo NO)
    [ "${HWM_RESET[$backend]}" = yes ] || verdict="$verdict (HWM not reset: includes start-up)"
    printf '%-12s %9s %9s %9s %9s %12s %12s  %s\n' "$label" "$(mib "${IDLE_RSS[$backend]}")" "$(mib "${PEAK_HWM[$backend]}")" \
      "$(mib "${SETTLED_RSS[$backend]}")" "$(mib "${SETTLED_HWM[$backend]}")" "$(mib "$grow")" \
      "$(mib "${CHILD_HWM[$backend]}") (${CHILDREN[$backend]})" "$verdict"
  done
  echo
  echo "Every transfer, in the order run (the server's VmRSS and VmHWM in MiB right after it):"
  awk -F'\t' -v m="$SIZE_MIB" '{ printf "  %-6s %-6s %-8s run %s %8.2f s %8.1f MiB/s   RSS %7.1f  HWM %7.1f\n", $1, $2, $3, $4, $5, m / $5, $6 / 1024, $7 / 1024 }' "$RUNS"
  echo
  echo "Direct: local = dd bs=8M (conv=fsync writing), s3s-fs = one curl SigV4 PUT/GET. Server: curl -T POST /documents/upload, GET"
  echo "/documents/<id>/download to /dev/null. Reads of just-written files may be served from the page cache, on both paths alike."
  echo "SHA-256 of every upload (as the server recorded it) and of one download per path per backend matched the file."
  echo "Wall time: $((SECONDS - STARTED_AT)) s"
} | tee "$RESULTS"
log "done in $((SECONDS - STARTED_AT)) s; summary in $RESULTS"
