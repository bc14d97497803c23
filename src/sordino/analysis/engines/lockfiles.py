"""Dependencies from manifests and lockfiles, through sordino's SCA parsers.

This engine runs in-process (the parsers are pure Python) and turns every
package into a ``package`` finding, so the API lists packages as findings.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import cast

from sordino.analysis import fingerprint
from sordino.analysis.engines.base import EngineContext, EngineError, EngineResult
from sordino.analysis.inventory import Inventory, language_of
from sordino.ingest.bundle import FindingRecord, PackageRecord
from sordino.sca import reachability
from sordino.sca.naming import full_name

MODULE = "sordino.sca.lockfiles"


def _module() -> ModuleType | None:
    try:
        return importlib.import_module(MODULE)
    except ImportError:
        return None


def purl_without_version(purl: str) -> str:
    """``purl`` with its ``@version`` part removed (qualifiers and subpath kept)."""
    head, sep, tail = purl.partition("#")
    head, qsep, qualifiers = head.partition("?")
    slash = head.rfind("/")
    at = head.find("@", slash + 1)
    if at != -1:
        head = head[:at]
    return head + (qsep + qualifiers if qsep else "") + (sep + tail if sep else "")


def package_finding(package: PackageRecord) -> FindingRecord:
    """The ``package`` finding that lists one dependency."""
    name = full_name(package.type, package.namespace, package.name)
    title = f"{name}@{package.version}" if package.version else name
    location = package.location.split("#", 1)[0]
    return FindingRecord(
        type="package",
        rule_id="package",
        title=title,
        description=f"Dependency {title} declared in {location or 'a manifest'}",
        severity="low",
        language=language_of(location),
        file=location,
        tags={"package_url": package.purl},
        fingerprint=fingerprint.package_fingerprint(purl_without_version(package.purl)),
        engine="lockfiles",
    )


class LockfilesEngine:
    """Reads every supported manifest and lockfile under the tree."""

    name = "lockfiles"
    optional = False

    def applies(self, inventory: Inventory) -> bool:
        """Whether the tree holds a file the SCA parsers read."""
        module = _module()
        format_for = getattr(module, "format_for", None) if module else None
        if format_for is None:
            return bool(inventory.lockfiles)
        return any(format_for(path.name) is not None for path in inventory.files)

    def available(self) -> bool:
        """Whether the SCA lockfile parsers are importable."""
        return _module() is not None

    def run(self, ctx: EngineContext) -> EngineResult:
        """Parse every lockfile; unreadable ones become warnings."""
        module = _module()
        if module is None:
            raise EngineError("missing", f"{MODULE} cannot be imported")
        warnings: list[str] = []
        with_errors = getattr(module, "parse_all_with_errors", None)
        if with_errors is not None:
            outcome = with_errors(ctx.root)
            packages = cast(list[PackageRecord], outcome.packages)
            warnings = [f"lockfiles: {error}" for error in outcome.errors]
        else:
            parse_all = cast(Callable[[Path], list[PackageRecord]], module.parse_all)
            packages = parse_all(ctx.root)
        packages = sorted(packages, key=lambda p: (p.purl, p.location))
        return EngineResult(
            findings=[package_finding(package) for package in packages],
            packages=packages,
            warnings=warnings,
            usage=code_usage(ctx.root) if packages else {},
        )


def code_usage(root: Path) -> dict[str, dict[str, list[str]]]:
    """What the code imports and uses, per language, for server-side reachability.

    Every language the reachability reader knows gets an entry, empty when the
    tree has no such code, so that an empty list means "not used", not unknown.
    """
    imports = reachability.imported_modules(root)
    return {
        language: {
            "imports": sorted(imports.get(language, set())),
            "symbols": sorted(reachability.used_symbols(root, language)),
        }
        for language in reachability.LANGUAGE_SUFFIXES
    }
