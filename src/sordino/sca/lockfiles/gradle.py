"""Gradle dependency lockfiles (gradle.lockfile)."""

from __future__ import annotations

from sordino.sca.lockfiles.base import Entry, Source, record


def _build_script(source: Source) -> str | None:
    """The sibling build script, which says which dependencies were declared."""
    for name in ("build.gradle", "build.gradle.kts"):
        path = source.path.parent / name
        if path.is_file():
            return path.read_text(encoding="utf-8-sig", errors="replace")
    return None


def parse(source: Source) -> list[Entry]:
    """``group:artifact:version=configurations`` lines; test-only ones are marked."""
    script = _build_script(source)
    entries = []
    for number, raw in enumerate(source.text.split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", "empty=")):
            continue
        coordinates, _, configurations = line.partition("=")
        parts = coordinates.split(":")
        if len(parts) != 3 or not all(parts):
            raise source.error(f"expected group:artifact:version, got {line!r}", number)
        group, artifact, version = parts
        names = [c for c in configurations.split(",") if c]
        test_only = bool(names) and all(c.startswith("test") for c in names)
        rec = record(
            "maven",
            group,
            artifact,
            version,
            direct=script is None or f"{group}:{artifact}" in script,
            location=source.location(number),
        )
        entries.append(Entry(rec, "test" if test_only else "runtime"))
    return entries
