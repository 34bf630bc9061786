# Shared by scripts/run.sh and scripts/test.sh: tool setup, the site build, and private PostgreSQL clusters.
# Sourced, not run.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
SITE_ROOT="$TARGET_DIR/site"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
WASM_BINDGEN_VERSION="0.2.130"
export LEPTOS_OUTPUT_NAME="gwm_crm" # read at compile time: the same for every cargo build and test

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() { # only the packages that are missing
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

ensure_build_tools() {
  [ -x "$PG_BIN/initdb" ] || apt_install postgresql-15
  rustup target list --installed | grep -q '^wasm32-unknown-unknown$' || rustup target add wasm32-unknown-unknown
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 min, once)"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
  if [ ! -d "$ROOT/end2end/node_modules/@playwright/test" ] || [ ! -d "$ROOT/end2end/node_modules/binaryen" ]; then
    log "npm ci (end2end: Playwright, binaryen)"
    (cd "$ROOT/end2end" && npm ci --no-audit --no-fund)
  fi
}

ensure_browser() { apt_install chromium; }

# build_site debug|release: the wasm bundle, css and assets into $SITE_ROOT, then the server binary.
build_site() {
  local profile="$1" wasm_profile_flag="" server_flag="" wasm_dir="debug"
  if [ "$profile" = release ]; then
    wasm_profile_flag="--profile wasm-release"; wasm_dir="wasm-release"; server_flag="--release"
  fi
  log "building the browser bundle ($profile)"
  # shellcheck disable=SC2086
  cargo build --locked -p frontend --lib --target wasm32-unknown-unknown $wasm_profile_flag
  rm -rf "$SITE_ROOT/pkg" && mkdir -p "$SITE_ROOT/pkg"
  wasm-bindgen --target web --no-typescript --out-dir "$SITE_ROOT/pkg" --out-name "$LEPTOS_OUTPUT_NAME" \
    "$TARGET_DIR/wasm32-unknown-unknown/$wasm_dir/frontend.wasm"
  mv "$SITE_ROOT/pkg/${LEPTOS_OUTPUT_NAME}_bg.wasm" "$SITE_ROOT/pkg/$LEPTOS_OUTPUT_NAME.wasm"
  if [ "$profile" = release ]; then
    "$ROOT/end2end/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
      -o "$SITE_ROOT/pkg/$LEPTOS_OUTPUT_NAME.wasm" "$SITE_ROOT/pkg/$LEPTOS_OUTPUT_NAME.wasm"
  fi
  cp "$ROOT/style/main.css" "$SITE_ROOT/pkg/$LEPTOS_OUTPUT_NAME.css"
  cp -r "$ROOT/public/." "$SITE_ROOT/"
  log "building the server ($profile)"
  # shellcheck disable=SC2086
  cargo build --locked -p gwm-crm $server_flag
}

# pg_start DATADIR SOCKETDIR [extra postgres -c options...]: initialise (once) and start a private cluster
# that listens on a Unix socket only. initdb refuses to run as root, so root runs it as `postgres`.
pg_start() {
  local data="$1" socket="$2"; shift 2
  local run=()
  if [ "$(id -u)" -eq 0 ]; then run=(runuser -u postgres --); fi
  mkdir -p "$data" "$socket"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$data" "$socket"; chmod 700 "$data"; fi
  if [ ! -s "$data/PG_VERSION" ]; then
    log "initialising PostgreSQL cluster in $data"
    "${run[@]}" "$PG_BIN/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  local opts="-c listen_addresses='' -c unix_socket_directories='$socket'"
  for o in "$@"; do opts="$opts -c $o"; done
  "${run[@]}" "$PG_BIN/pg_ctl" -D "$data" -l "$data/server.log" -o "$opts" -w -t 60 start >/dev/null
}

pg_stop() { # DATADIR
  local run=()
  if [ "$(id -u)" -eq 0 ]; then run=(runuser -u postgres --); fi
  [ -s "$1/postmaster.pid" ] && "${run[@]}" "$PG_BIN/pg_ctl" -D "$1" -m fast -w stop >/dev/null || true
}

# pg_prepare SOCKETDIR DBNAME: the owner role (runs migrations, owns the schema) and its database.
pg_prepare() {
  local socket="$1" db="$2"
  psql -h "$socket" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt <<SQL >/dev/null
SELECT 'CREATE ROLE gwm_owner LOGIN CREATEROLE CREATEDB' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gwm_owner')\gexec
SELECT 'CREATE DATABASE $db OWNER gwm_owner' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$db')\gexec
SQL
}

wait_for_http() { # URL SECONDS
  local url="$1" deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { echo "timed out waiting for $url" >&2; return 1; }
    sleep 0.3
  done
}
