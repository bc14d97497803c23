"""Small source trees the analysis tests run the real engines on.

``python tests/analysis/tree.py`` regenerates the captured engine outputs in
``samples/`` by running each installed tool on these trees.
"""

from __future__ import annotations

from pathlib import Path

VIEWS_PY = """\
import subprocess

from flask import Flask, request

app = Flask(__name__)
AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
DB_PASSWORD = "Xk9#mQ2vLp8zRt4w"


@app.route("/users")
def lookup(cur):
    name = request.args.get("name")
    query = "SELECT * FROM users WHERE name = '" + name + "'"
    cur.execute(query)
    return "ok"


@app.route("/run")
def run_tool():
    tool = request.args.get("tool")
    subprocess.call("echo " + tool, shell=True)
    return "done"
"""

SERVER_JS = """\
const express = require('express');
const { exec } = require('child_process');

const app = express();

app.get('/archive', (req, res) => {
  const folder = req.query.folder;
  const command = 'tar czf /tmp/out.tgz ' + folder;
  exec(command, () => res.send('done'));
});
"""

ONE_PY = """\
import os

from flask import request


def list_dir():
    path = request.args.get("path")
    return os.system("ls " + path)
"""

SETTINGS_INI = "[aws]\nkey = AKIAIOSFODNN7EXAMPLE\n"

CLEAN_PY = '''\
def add(left, right):
    """Add two numbers."""
    return left + right
'''

REQUIREMENTS = "flask==2.0.0\nrequests==2.19.0\n"

MAIN_TF = """\
resource "aws_s3_bucket" "data" {
  bucket = "sordino-test-data"
  acl    = "public-read"
}
"""

TREES: dict[str, dict[str, str]] = {
    "many": {
        "app/views.py": VIEWS_PY,
        "web/server.js": SERVER_JS,
        "requirements.txt": REQUIREMENTS,
        "infra/main.tf": MAIN_TF,
        "node_modules/lib/index.js": "eval(process.argv[2]);\n",
        "venv/lib/site.py": "import pickle\n\npickle.loads(open(0).read())\n",
    },
    "one": {"tool.py": ONE_PY, "settings.ini": SETTINGS_INI},
    "empty": {"clean.py": CLEAN_PY},
}

SAMPLES = Path(__file__).parent / "samples"


def make_tree(root: Path, name: str) -> Path:
    """Write the tree called ``name`` under ``root`` and return ``root``."""
    for relative, text in TREES[name].items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _command(tool: str, ctx: object) -> tuple[list[str], dict[str, str]]:
    from sordino.analysis.engines import bandit, secrets, semgrep
    from sordino.analysis.engines.base import EngineContext

    assert isinstance(ctx, EngineContext)
    if tool == "semgrep":
        engine = semgrep.SemgrepEngine()
        return engine.command(ctx), engine.environment(ctx)
    if tool == "bandit":
        return bandit.BanditEngine().command(ctx), {}
    return secrets.SecretsEngine().command(), {}


def regenerate(tools: list[str]) -> None:
    """Run the real tools on every tree and store their raw JSON output."""
    import tempfile

    from sordino.analysis.engines.base import EngineContext, run_process
    from sordino.analysis.inventory import scan

    for name in TREES:
        with tempfile.TemporaryDirectory() as scratch:
            root = make_tree(Path(scratch) / "src", name)
            work = Path(scratch) / "work"
            work.mkdir()
            ctx = EngineContext(root, scan(root), work, 300, 4096)
            for tool in tools:
                argv, env = _command(tool, ctx)
                outcome = run_process(argv, ctx, env=env)
                (SAMPLES / f"{tool}_{name}.json").write_bytes(outcome.stdout)


if __name__ == "__main__":
    import sys

    regenerate(sys.argv[1:] or ["semgrep", "bandit", "detect_secrets"])
