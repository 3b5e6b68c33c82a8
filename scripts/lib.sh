# Shared by scripts/demo, scripts/test and scripts/bench: make a fresh clone runnable.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '\033[1;34m[mesh]\033[0m %s\n' "$*" >&2; }

ensure_node() {
  if ! command -v node >/dev/null 2>&1; then
    echo "Node.js 20.19+ is required (node not found)" >&2
    exit 1
  fi
  local major minor
  major=$(node -p 'process.versions.node.split(".")[0]')
  minor=$(node -p 'process.versions.node.split(".")[1]')
  if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 19 ]; }; then
    echo "Node.js 20.19+ is required (found $(node -v)): ESM-only dependencies are loaded with require(esm)" >&2
    exit 1
  fi
}

# npm ci when node_modules is missing or was installed from another package-lock.json.
ensure_deps() {
  local stamp="$ROOT/node_modules/.mesh-lock-hash" want
  want=$(sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1)
  if [ ! -d "$ROOT/node_modules" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "installing dependencies (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
  fi
}

ensure_build() {
  log "building"
  (cd "$ROOT" && npx turbo run build --output-logs=errors-only >/dev/null) || (cd "$ROOT" && npx turbo run build --output-logs=errors-only)
}

# Redis and Postgres must answer; if they do not and the workspace helper exists, start them.
ensure_services() {
  local redis_url="${REDIS_URL:-redis://127.0.0.1:6379}" db_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  if node "$ROOT/scripts/check-services.mjs" "$redis_url" "$db_url" 2>/dev/null; then return 0; fi
  if [ -x "$ROOT/../shared/services-up" ]; then
    "$ROOT/../shared/services-up" >&2 || true
  fi
  node "$ROOT/scripts/check-services.mjs" "$redis_url" "$db_url"
}

# Installs Debian packages when a command is missing: apt_install <package>...
apt_install() {
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@")
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then apt=(sudo "${apt[@]}"); else
      echo "$* missing and this user cannot install it: run apt-get install -y $* as root" >&2
      return 1
    fi
  fi
  if ! "${apt[@]}" >/dev/null 2>&1; then
    # The package lists may be missing or stale on a fresh machine.
    if [ "${apt[0]}" = sudo ]; then sudo apt-get update -qq >/dev/null; else apt-get update -qq >/dev/null; fi
    "${apt[@]}" >/dev/null
  fi
}

# The console's browser test drives Debian's chromium (never a downloaded browser): install it when missing.
ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  log "installing chromium (apt-get) for the console's browser test"
  apt_install chromium
  [ -x /usr/bin/chromium ] || { echo "apt-get installed chromium but /usr/bin/chromium is missing" >&2; return 1; }
}

# The PgBouncer tests start Debian's pgbouncer on a loopback port of their own.
ensure_pgbouncer() {
  [ -x /usr/sbin/pgbouncer ] && return 0
  log "installing pgbouncer (apt-get) for the transaction-pooling tests"
  apt_install pgbouncer
  [ -x /usr/sbin/pgbouncer ] || { echo "apt-get installed pgbouncer but /usr/sbin/pgbouncer is missing" >&2; return 1; }
}

# docker-compose.yml is validated with `docker-compose config -q` (no Docker engine runs here).
ensure_docker_compose() {
  command -v docker-compose >/dev/null 2>&1 && return 0
  log "installing docker-compose (apt-get) to validate docker-compose.yml"
  # Not fatal: scripts/validate-compose falls back to the vendored compose-spec schema.
  apt_install docker-compose || log "could not install docker-compose; the compose file is checked against the compose-spec schema instead"
}
