"""sordino's own SARIF export read back: the finding as it was, not an ``extscan``.

``sordino.reports.sarif`` writes what SARIF has no member for in each result's
property bag: the finding's type (``sordino-type``), its tags, column-stored
ones such as category and language included (``sordino-tags``), and its
details (``sordino-details``). Its message is the finding's title, then a
blank line and the description; each thread-flow location's message is the
step's method name, its ``sordino-step`` the step's other members. A result
of a run whose tool is sordino, or one that carries ``sordino-type``, is read
that way.

Logs exported before ``sordino-tags`` was written held the description alone
as the message: they keep the rule's text as title and get back their type,
rule and dataflow method names only.
"""

from __future__ import annotations

from typing import Any, cast, get_args

from sordino.importers.sarif_flows import flow_locations
from sordino.importers.shape import JsonObject, Where, arr, below, obj, text
from sordino.ingest.bundle import DataflowStep, FindingRecord, FindingType

TOOL = "sordino"
TYPE = "sordino-type"
TAGS = "sordino-tags"
DETAILS = "sordino-details"
STEP = "sordino-step"
# Between a message's title and description.
TITLE_BREAK = "\n\n"
# Step members a thread-flow location's ``sordino-step`` may hold.
STEP_TEXT = ("short_method_name", "class_name", "code")
STEP_TAGS = ("method_tags", "parameter_tags")
_TYPES: frozenset[str] = frozenset(get_args(FindingType))
# Column-stored tags and the record fields they fill.
_COLUMNS = {
    "category": "category",
    "owasp_category": "owasp_2017",
    "owasp_2021_category": "owasp_2021",
    "language": "language",
}


def is_own(result: JsonObject, tool: str) -> bool:
    """Whether the result is a sordino finding exported by sordino."""
    return tool == TOOL or TYPE in _properties(result)


def escape(plain: str) -> str:
    """Plain text as a SARIF message string: braces doubled (SARIF 3.11.5)."""
    return plain.replace("{", "{{").replace("}", "}}")


def _unescape(said: str) -> str:
    return said.replace("{{", "{").replace("}}", "}")


def restore(record: FindingRecord, result: JsonObject, rule: str, where: Where) -> None:
    """Replace what a converted result has generic with what the export recorded.

    ``rule`` is the result's raw rule id, before the tool's name prefixed it.
    """
    props = _properties(result)
    kind = props.get(TYPE)
    known = isinstance(kind, str) and kind in _TYPES
    record.type = cast(FindingType, kind if known else "extscan")
    record.rule_id = rule or record.rule_id
    spot = below(where, "properties")
    record.details = obj(props.get(DETAILS), spot, DETAILS)
    if TAGS not in props:
        return
    record.tags = _tags(props.get(TAGS), below(spot, TAGS))
    for tag, name in _COLUMNS.items():
        setattr(record, name, record.tags.get(tag, ""))
    # A rule's CWE tags are those of its first finding; the finding's own is here.
    cwe = record.tags.get("cwe_category", "")
    record.cwe = [int(cwe)] if cwe.isdigit() else []
    source, sink = (record.details.get(k) for k in ("source_method", "sink_method"))
    record.source_method = source if isinstance(source, str) else ""
    record.sink_method = sink if isinstance(sink, str) else ""
    # The description holds the whole message, which opens with the title.
    title, _, description = record.description.partition(TITLE_BREAK)
    record.title, record.description = title, description


def _tags(value: Any, where: Where) -> dict[str, str]:
    bag = obj(value, where)
    return {key: text(item, where, key) for key, item in bag.items()}


def steps(result: JsonObject, where: Where, found: list[DataflowStep]) -> None:
    """Give the dataflow steps of an exported result their method names back.

    ``found`` are the steps read from the result's first thread flow, in order.
    """
    spot, items = flow_locations(result, where)
    if len(items) != len(found):
        return
    for i, (step, item) in enumerate(zip(found, items, strict=True)):
        _restore_step(step, obj(item, below(spot, i)), below(spot, i))


def _restore_step(step: DataflowStep, item: JsonObject, where: Where) -> None:
    location = obj(item.get("location"), where, "location")
    message = obj(location.get("message"), where, "location", "message")
    said = text(message.get("text"), where, "location", "message", "text")
    if said and not step.method_name:
        if not _has_snippet(location):
            # The message is the method, not the step's code.
            step.code = ""
        step.method_name = _unescape(said)
    step.short_method_name = step.method_name.rsplit(".", 1)[-1]
    extra = obj(_properties(item).get(STEP), where, "properties", STEP)
    for name in STEP_TEXT:
        if name in extra:
            setattr(step, name, text(extra[name], where, "properties", STEP, name))
    for name in STEP_TAGS:
        if name in extra:
            spot = below(where, "properties", STEP, name)
            setattr(step, name, _step_tags(extra[name], spot))


def _has_snippet(location: JsonObject) -> bool:
    physical = location.get("physicalLocation")
    region = physical.get("region") if isinstance(physical, dict) else None
    return isinstance(region, dict) and isinstance(region.get("snippet"), dict)


def _step_tags(value: Any, where: Where) -> list[dict[str, str]]:
    return [_tags(item, below(where, i)) for i, item in enumerate(arr(value, where))]


def _properties(holder: JsonObject) -> JsonObject:
    props = holder.get("properties")
    return props if isinstance(props, dict) else {}
