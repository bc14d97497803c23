"""What a SARIF run knows besides its results: tool, rules, artifacts, URI bases."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from sordino.importers.shape import (
    JsonObject,
    Where,
    arr,
    below,
    integer,
    obj,
    pointer,
    text,
)

# Run members the results refer to; everything else in a run is skipped.
CONTEXT_KEYS = frozenset(
    {"tool", "originalUriBaseIds", "artifacts", "threadFlowLocations", "invocations"}
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_WINDOWS_DRIVE = re.compile(r"^/[A-Za-z]:/")


@dataclass
class RunContext:
    """The parts of one run that results are resolved against."""

    where: str
    roots: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    tool: str = ""
    driver_rules: list[JsonObject] = field(default_factory=list)
    extension_rules: list[list[JsonObject]] = field(default_factory=list)
    rules_by_id: dict[str, JsonObject] = field(default_factory=dict)
    base_ids: dict[str, JsonObject] = field(default_factory=dict)
    artifacts: list[JsonObject] = field(default_factory=list)
    flow_locations: list[JsonObject] = field(default_factory=list)
    # What results take from their rule, worked out once per rule (see sarif_results).
    rule_memo: dict[tuple[str, int], tuple[JsonObject, object]] = field(
        default_factory=dict
    )

    def add(self, key: str, value: Any) -> None:
        """Record one run member as it is read from the stream."""
        where = pointer(self.where, key)
        self.seen.add(key)
        if key == "tool":
            self._add_tool(obj(value, where), where)
        elif key == "originalUriBaseIds":
            bases = obj(value, where)
            self.base_ids = {k: obj(v, pointer(where, k)) for k, v in bases.items()}
        elif key == "artifacts":
            items = arr(value, where)
            self.artifacts = [
                obj(obj(a, below(where, i)).get("location"), below(where, i))
                for i, a in enumerate(items)
            ]
        elif key == "threadFlowLocations":
            items = arr(value, where)
            self.flow_locations = [obj(x, below(where, i)) for i, x in enumerate(items)]
        elif key == "invocations":
            self._add_invocations(arr(value, where), where)

    def _add_tool(self, tool: JsonObject, where: str) -> None:
        driver = obj(tool.get("driver"), pointer(where, "driver"))
        self.tool = text(driver.get("name"), pointer(where, "driver", "name"))
        self.driver_rules = _rules(driver, pointer(where, "driver"))
        extensions = arr(tool.get("extensions"), pointer(where, "extensions"))
        self.extension_rules = [
            _rules(obj(ext, pointer(where, "extensions", i)), pointer(where, i))
            for i, ext in enumerate(extensions)
        ]
        for rules in [*self.extension_rules, self.driver_rules]:
            for rule in rules:
                if isinstance(rule.get("id"), str):
                    self.rules_by_id[rule["id"]] = rule

    def _add_invocations(self, invocations: list[Any], where: str) -> None:
        for i, invocation in enumerate(invocations):
            spot = pointer(where, i, "workingDirectory")
            directory = obj(
                obj(invocation, pointer(where, i)).get("workingDirectory"), spot
            )
            uri = text(directory.get("uri"), pointer(spot, "uri"))
            if uri:
                self.roots.append(uri_path(uri))

    def rule_for(self, result: JsonObject, where: Where) -> tuple[str, JsonObject]:
        """The rule id a result reports and the rule's descriptor (maybe empty)."""
        ref = obj(result.get("rule"), where, "rule")
        rule_id = text(result.get("ruleId"), where, "ruleId") or text(
            ref.get("id"), where, "rule", "id"
        )
        rules = self._rule_list(ref, where)
        index = ref.get("index", result.get("ruleIndex"))
        if index is not None:
            position = integer(index, below(where, "ruleIndex"))
            if 0 <= position < len(rules):
                rule = rules[position]
                return rule_id or text(rule.get("id"), where), rule
        rule = self.rules_by_id.get(rule_id) or self.rules_by_id.get(
            rule_id.split("/")[0], {}
        )
        if rule_id:
            return rule_id, rule
        return self._rule_from_message(result)

    def _rule_list(self, ref: JsonObject, where: Where) -> list[JsonObject]:
        component = obj(ref.get("toolComponent"), where, "rule", "toolComponent")
        index = component.get("index")
        if index is None:
            return self.driver_rules
        position = integer(index, below(where, "rule", "toolComponent", "index"))
        if 0 <= position < len(self.extension_rules):
            return self.extension_rules[position]
        return []

    def _rule_from_message(self, result: JsonObject) -> tuple[str, JsonObject]:
        # Some tools (gitleaks 7) omit ruleId; their message starts with the rule.
        message = result.get("message")
        said = message.get("text") if isinstance(message, dict) else None
        if isinstance(said, str):
            names = sorted(self.rules_by_id, key=len, reverse=True)
            for name in names:
                if said.startswith(name):
                    return name, self.rules_by_id[name]
        return "unknown", {}

    def artifact_location(self, location: JsonObject, where: Where) -> JsonObject:
        """An artifactLocation completed from ``run.artifacts`` when it has an index."""
        if "uri" in location or location.get("index") is None:
            return location
        index = integer(location.get("index"), below(where, "index"))
        if 0 <= index < len(self.artifacts):
            return {**self.artifacts[index], **location}
        return location

    def resolve(self, location: JsonObject, where: Where, root: str = "") -> str:
        """The repository-relative path an artifactLocation points at."""
        location = self.artifact_location(location, where)
        parts = [text(location.get("uri"), where, "uri").strip()]
        base_id = location.get("uriBaseId")
        if base_id is None and parts[0] and not _is_absolute(parts[0]):
            # The common case, a plain relative URI: what the loop below makes of it.
            return unquote(parts[0].strip("/"))
        visited: set[str] = set()
        while isinstance(base_id, str) and base_id in self.base_ids:
            if base_id in visited or _is_absolute(parts[-1]):
                break
            visited.add(base_id)
            base = self.base_ids[base_id]
            parts.append(str(base.get("uri") or "").strip())
            base_id = base.get("uriBaseId")
        relative = [p for p in reversed(parts) if p and not _is_absolute(p)]
        absolute = next((p for p in parts if _is_absolute(p)), "")
        if absolute == parts[0]:
            return self._relative_to_roots(uri_path(absolute), root)
        return unquote("/".join(p.strip("/") for p in relative if p.strip("/")))

    def _relative_to_roots(self, path: str, root: str) -> str:
        bases = [
            uri_path(b["uri"]) for b in self.base_ids.values() if _absolute_base(b)
        ]
        candidates = [root, *self.roots, *bases] if root else [*self.roots, *bases]
        for candidate in candidates:
            prefix = candidate.rstrip("/") + "/"
            if candidate and path.startswith(prefix):
                return path[len(prefix) :]
        return path


def _rules(component: JsonObject, where: str) -> list[JsonObject]:
    rules = arr(component.get("rules"), pointer(where, "rules"))
    return [obj(rule, pointer(where, "rules", i)) for i, rule in enumerate(rules)]


def _is_absolute(uri: str) -> bool:
    return bool(_SCHEME.match(uri)) or uri.startswith("/")


def _absolute_base(base: JsonObject) -> bool:
    uri = base.get("uri")
    return isinstance(uri, str) and _is_absolute(uri.strip())


def uri_path(uri: str) -> str:
    """The local path of a ``file:`` URI (or the URI itself for other schemes)."""
    uri = uri.strip()
    parts = urlsplit(uri)
    if parts.scheme and parts.scheme != "file":
        return uri
    path = unquote(parts.path)
    if _WINDOWS_DRIVE.match(path):
        path = path[1:]
    return path
