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
