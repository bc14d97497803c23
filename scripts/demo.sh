#!/usr/bin/env bash
# Install sordino, start its API, analyse the sample app and show the findings.
# Re-running is safe: it reuses the install, the org and a running server.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${SORDINO_PORT:-8080}
server="http://127.0.0.1:${port}"
export SORDINO_DATA_DIR=${SORDINO_DATA_DIR:-$PWD/.sordino}

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
echo "==> installing sordino and its engines (semgrep, bandit, detect-secrets)"
pip install -q --disable-pip-version-check -e '.[engines]' 2>&1 \
  | { grep -v '^WARNING: Location' || true; }

# PDF reports need Pango and HarfBuzz's subsetting library (Debian packages).
if ! ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so'; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing the libraries PDF reports need"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 >/dev/null
  else
    echo "note: PDF reports need libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"
  fi
fi

if [ ! -f "$SORDINO_DATA_DIR/profile.json" ]; then
  echo "==> creating the first org, its admin and a token"
  sordino init --server "$server"
fi
token=$(python -c "import json,sys; print(json.load(open(sys.argv[1]))['token'])" \
  "$SORDINO_DATA_DIR/profile.json")
org=$(python -c "import json,sys; print(json.load(open(sys.argv[1]))['org_id'])" \
  "$SORDINO_DATA_DIR/profile.json")

if ! curl -fsS "$server/healthz" >/dev/null 2>&1; then
  echo "==> starting the API at $server/api/v4 (log: $SORDINO_DATA_DIR/server.log)"
  nohup sordino serve --port "$port" >"$SORDINO_DATA_DIR/server.log" 2>&1 &
  echo $! >"$SORDINO_DATA_DIR/server.pid"
  for _ in $(seq 1 60); do
    curl -fsS "$server/healthz" >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -fsS "$server/healthz" >/dev/null || {
    echo "the server did not start; see $SORDINO_DATA_DIR/server.log" >&2
    exit 1
  }
fi

advisories=${SORDINO_OSV_DIR:-../shared/data/osv}
if [ -d "$advisories" ]; then
  echo "==> loading OSV advisories from $advisories (incremental)"
  for source in "$advisories"/*/; do
    sordino vulndb import "$source"
  done
else
  echo "==> no OSV advisories at $advisories: dependency vulnerabilities are skipped"
  echo "    (import an OSV export with: sordino vulndb import FILE|DIR)"
fi

echo "==> analysing examples/vulnerable-app"
# --no-compound: the sample holds several platforms, which would otherwise be
# stored as a compound of per-platform apps, with no app named vulnerable-app.
sordino analyze --app vulnerable-app --server "$server" --token "$token" \
  --branch main --tag env=demo --no-compound examples/vulnerable-app

echo "==> the findings, as the API serves them"
sordino findings --app vulnerable-app --server "$server" --token "$token" --limit 20

echo "==> one SQL-injection finding with its dataflow (GET .../findings?include_dataflows=true)"
curl -fsS -H "Authorization: Bearer $token" \
  "$server/api/v4/orgs/$org/apps/vulnerable-app/findings?per_page=1&type=vuln&finding_tags=category%3DSQL%20Injection&include_dataflows=true" \
  | python -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["response"]["findings"][0], indent=2))'

cat <<EOT

sordino is running at $server/api/v4 (OpenAPI: $server/api/v4/openapi.json).
  export SORDINO_TOKEN=\$(python -c "import json; print(json.load(open('$SORDINO_DATA_DIR/profile.json'))['token'])")
  curl -H "Authorization: Bearer \$SORDINO_TOKEN" $server/api/v4/orgs/$org/apps
Stop the server with: kill \$(cat $SORDINO_DATA_DIR/server.pid)
EOT
