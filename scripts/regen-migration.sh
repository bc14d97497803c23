#!/usr/bin/env bash
# Regenerate the initial migration from the models. Only while sordino has no
# released schema: once a release ships, add new revisions instead.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f src/sordino/migrations/versions/0001_initial.py
tmp=$(mktemp -d)
python - "$tmp" <<'PY'
import sys
from alembic import command
from sordino.db import alembic_config
config = alembic_config(f"sqlite:///{sys.argv[1]}/empty.db")
command.revision(config, message="initial schema", autogenerate=True, rev_id="0001")
PY
mv src/sordino/migrations/versions/0001_initial_schema.py src/sordino/migrations/versions/0001_initial.py
rm -rf "$tmp"
ruff format -q src/sordino/migrations/versions/0001_initial.py
echo "regenerated src/sordino/migrations/versions/0001_initial.py"
