"""Benchmark: import 100,000 OSV advisories into SQLite and match 5,000 packages.

The advisories are the real PyPA and Go ones, copied under new ids and new
package names until there are enough. Run with ``python bench/bench_vulndb.py``.
"""

from __future__ import annotations

import copy
import json
import os
import random
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

import sordino.models  # noqa: F401  (registers every table)
from sordino.db import Base, Database
from sordino.ingest.bundle import PackageRecord
from sordino.sca.lockfiles.base import record, split_path
from sordino.vulndb.service import import_path, match

OSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "osv"
TARGET = int(os.environ.get("BENCH_ADVISORIES", "100000"))
PACKAGES = int(os.environ.get("BENCH_PACKAGES", "5000"))


def _originals() -> list[dict[str, Any]]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    docs = [
        yaml.load(p.read_text(), loader)  # noqa: S506  (CSafeLoader is safe)
        for p in sorted((OSV / "pypa-advisory-database" / "vulns").rglob("*.yaml"))
    ]
    docs += [
        json.loads(p.read_text())
        for p in sorted((OSV / "go-vulndb" / "osv").glob("*.json"))
    ]
    return [d for d in docs if d.get("affected")]


def _renamed(doc: dict[str, Any], copy_no: int) -> dict[str, Any]:
    clone = copy.deepcopy(doc)
    clone["id"] = f"{doc['id']}-B{copy_no}"
    clone["aliases"] = [f"{a}-B{copy_no}" for a in doc.get("aliases") or []]
    for affected in clone["affected"]:
        affected["package"]["name"] = f"{affected['package']['name']}-b{copy_no}"
    return clone


def _write_zip(path: Path, originals: list[dict[str, Any]]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(TARGET):
            doc = _renamed(originals[n % len(originals)], n // len(originals))
            archive.writestr(f"{doc['id']}.json", json.dumps(doc, default=str))


def _package(ecosystem: str, name: str, version: str) -> PackageRecord:
    if ecosystem == "Go":
        namespace, short = split_path(name)
        return record(
            "golang", namespace, short, "v" + version, direct=True, location=""
        )
    return record("pypi", "", name, version, direct=True, location="")


def _packages(originals: list[dict[str, Any]]) -> list[PackageRecord]:
    """A realistic mix: most dependencies are known to the database but at a
    safe version, some are unknown, a fifth are vulnerable to 1-3 advisories."""
    rng = random.Random(7)
    copies = TARGET // len(originals)
    per_name: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for doc in originals:
        package = doc["affected"][0]["package"]
        per_name.setdefault((package["ecosystem"], package["name"]), []).append(doc)
    rare = [docs for docs in per_name.values() if len(docs) <= 3]
    names = list(per_name)
    packages = []
    for n in range(PACKAGES):
        copy_no = rng.randrange(copies)
        roll = rng.random()
        if roll < 0.2:
            doc = rng.choice(rng.choice(rare))
            affected = doc["affected"][0]
            version = str(rng.choice(affected.get("versions") or ["0.0.1"]))
            name = affected["package"]["name"]
            packages.append(
                _package(
                    affected["package"]["ecosystem"], f"{name}-b{copy_no}", version
                )
            )
        elif roll < 0.85:
            ecosystem, name = rng.choice(names)
            packages.append(_package(ecosystem, f"{name}-b{copy_no}", "999.0.0"))
        else:
            packages.append(_package("PyPI", f"unknown-package-{n}", "1.0.0"))
    return packages


def _histogram(packages: list[PackageRecord], found: list[Any]) -> str:
    per_package = Counter(m.package.purl for m in found)
    buckets = Counter(
        "0" if not per_package[p.purl] else "1-3" if per_package[p.purl] <= 3 else "4+"
        for p in packages
    )
    return ", ".join(f"{k}: {buckets[k]}" for k in ("0", "1-3", "4+"))


def main() -> None:
    """Generate, import, match and print the figures."""
    originals = _originals()
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "advisories.zip"
        started = time.perf_counter()
        _write_zip(archive, originals)
        print(f"generated {TARGET} advisories in {time.perf_counter() - started:.1f}s")
        db = Database(f"sqlite:///{folder}/bench.sqlite")
        Base.metadata.create_all(db.engine)
        started = time.perf_counter()
        with db.session() as session:
            stats = import_path(session, archive)
        seconds = time.perf_counter() - started
        print(
            f"import: {stats.inserted} advisories in {seconds:.1f}s "
            f"({stats.inserted / seconds:,.0f} advisories/s)"
        )
        started = time.perf_counter()
        with db.session() as session:
            again = import_path(session, archive)
        elapsed = time.perf_counter() - started
        print(f"re-import (unchanged {again.unchanged}): {elapsed:.1f}s")
        packages = _packages(originals)
        for label in ("match (cold caches)", "match (warm caches)"):
            with db.sessions() as session:
                started = time.perf_counter()
                found = match(session, packages)
                seconds = time.perf_counter() - started
            print(
                f"{label}: {len(packages)} packages -> {len(found)} matches "
                f"in {seconds:.2f}s ({len(packages) / seconds:,.0f} packages/s)"
            )
        print(f"matches per package: {_histogram(packages, found)}")


if __name__ == "__main__":
    sys.exit(main())
