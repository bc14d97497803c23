"""go.mod, with go.sum filling in the build list of modules older than Go 1.17."""

from __future__ import annotations

import re

from sordino.sca.lockfiles.base import Entry, Source, record, split_path

_REQUIRE_BLOCK = re.compile(r"^require\s*\(\s*$")
_REQUIRE_ONE = re.compile(r"^require\s+(\S+)\s+(\S+)(.*)$")
_ITEM = re.compile(r"^(\S+)\s+(v\S+)(.*)$")
_GO_DIRECTIVE = re.compile(r"^go\s+1\.(\d+)", re.MULTILINE)
_REPLACE = re.compile(r"^(\S+)(?:\s+\S+)?\s+=>\s+(\S+)\s+(v\S+)\s*$")


def _requires(source: Source) -> list[tuple[int, str, str, bool]]:
    """(line, module, version, indirect) of every ``require``."""
    found = []
    in_block = False
    for number, raw in enumerate(source.text.split("\n"), start=1):
        line = raw.strip()
        if in_block:
            if line == ")":
                in_block = False
            elif line and not line.startswith("//"):
                match = _ITEM.match(line)
                if not match:
                    raise source.error(f"cannot read requirement {line!r}", number)
                module, version, rest = match.groups()
                found.append((number, module, version, "// indirect" in rest))
        elif _REQUIRE_BLOCK.match(line):
            in_block = True
        elif match := _REQUIRE_ONE.match(line):
            module, version, rest = match.groups()
            found.append((number, module, version, "// indirect" in rest))
    if in_block:
        raise source.error("require block is not closed", number)
    return found


def _replacements(text: str) -> dict[str, tuple[str, str]]:
    replaced = {}
    for line in re.findall(r"^replace\s+(.+)$", text, re.MULTILINE):
        if match := _REPLACE.match(line.strip()):
            replaced[match.group(1)] = (match.group(2), match.group(3))
    for block in re.findall(r"^replace\s*\((.*?)^\)", text, re.MULTILINE | re.DOTALL):
        for line in block.split("\n"):
            if match := _REPLACE.match(line.strip()):
                replaced[match.group(1)] = (match.group(2), match.group(3))
    return replaced


def _from_go_sum(source: Source, known: set[str]) -> dict[str, str]:
    """Highest version per module with a content hash in go.sum, not yet known."""
    path = source.path.parent / "go.sum"
    if not path.is_file():
        return {}
    best: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8-sig", errors="replace").split("\n"):
        parts = line.split()
        if len(parts) != 3 or parts[1].endswith("/go.mod") or parts[0] in known:
            continue
        module, version = parts[0], parts[1]
        if module not in best or _semver_key(version) > _semver_key(best[module]):
            best[module] = version
    return best


def _semver_key(version: str) -> tuple[int, ...]:
    core = re.split(r"[-+]", version.lstrip("v"), maxsplit=1)[0]
    return tuple(int(p) if p.isdigit() else 0 for p in core.split("."))


def parse(source: Source) -> list[Entry]:
    """Modules required by a go.mod; ``// indirect`` ones are transitive."""
    replaced = _replacements(source.text)
    entries = []
    requires = _requires(source)
    for line, module, version, indirect in requires:
        module, version = replaced.get(module, (module, version))
        if module.startswith((".", "/")):
            continue
        namespace, name = split_path(module)
        rec = record(
            "golang",
            namespace,
            name,
            version,
            direct=not indirect,
            location=source.location(line),
        )
        entries.append(Entry(rec))
    go_minor = _GO_DIRECTIVE.search(source.text)
    if go_minor and int(go_minor.group(1)) >= 17:
        return entries
    known = {module for _, module, _, _ in requires}
    for module, version in sorted(_from_go_sum(source, known).items()):
        namespace, name = split_path(module)
        location = source.location(0).replace("go.mod", "go.sum")
        rec = record(
            "golang", namespace, name, version, direct=False, location=location
        )
        entries.append(Entry(rec))
    return entries
