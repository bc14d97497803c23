"""Where a SARIF result points: its primary location and its code flow."""

from __future__ import annotations

from typing import Any

from sordino.importers.sarif_context import RunContext
from sordino.importers.shape import (
    JsonObject,
    Spot,
    Where,
    arr,
    below,
    integer,
    line_number,
    obj,
    text,
)
from sordino.ingest.bundle import DataflowStep

Place = tuple[str, int, int, str, str]
_REGION = ("physicalLocation", "region")


def location_parts(
    result: JsonObject, ctx: RunContext, where: Where, root: str = ""
) -> Place:
    """File, start line, end line, snippet and logical name of the first location."""
    locations = arr(result.get("locations"), where, "locations")
    if locations:
        spot = below(where, "locations", 0)
        return place(obj(locations[0], spot), ctx, spot, root)
    target_spot = below(where, "analysisTarget")
    target = obj(result.get("analysisTarget"), target_spot)
    if target:
        return ctx.resolve(target, target_spot, root), 0, 0, "", ""
    return "", 0, 0, "", ""


def place(location: JsonObject, ctx: RunContext, where: Where, root: str) -> Place:
    """The parts of one SARIF ``location`` object."""
    physical = obj(location.get("physicalLocation"), where, "physicalLocation")
    artifact = obj(
        physical.get("artifactLocation"), where, "physicalLocation", "artifactLocation"
    )
    file = ""
    if artifact:
        artifact_spot = below(where, "physicalLocation", "artifactLocation")
        file = ctx.resolve(artifact, artifact_spot, root)
    region = obj(physical.get("region"), where, "physicalLocation", "region")
    line = line_number(region.get("startLine"), where, *_REGION, "startLine")
    end = line_number(region.get("endLine"), where, *_REGION, "endLine") or line
    snippet = obj(region.get("snippet"), where, *_REGION, "snippet")
    code = text(snippet.get("text"), where, *_REGION, "snippet", "text")
    return file, line, end, code, _logical_name(location, where)


def _logical_name(location: JsonObject, where: Where) -> str:
    logicals = location.get("logicalLocations")
    if logicals is None:
        return ""
    spot = below(where, "logicalLocations")
    for i, item in enumerate(arr(logicals, spot)):
        logical = obj(item, below(spot, i))
        name = logical.get("fullyQualifiedName") or logical.get("name")
        if isinstance(name, str) and name:
            return name
    return ""


def flow_locations(result: JsonObject, where: Where) -> tuple[Spot, list[Any]]:
    """The spot and items of the first thread flow of the first code flow."""
    spot = below(where, "codeFlows")
    flows = arr(result.get("codeFlows"), spot)
    if not flows:
        return spot, []
    flow = obj(flows[0], below(spot, 0))
    threads_spot = below(spot, 0, "threadFlows")
    threads = arr(flow.get("threadFlows"), threads_spot)
    if not threads:
        return threads_spot, []
    thread = obj(threads[0], below(threads_spot, 0))
    steps_spot = below(threads_spot, 0, "locations")
    return steps_spot, arr(thread.get("locations"), steps_spot)


def needs_shared_locations(result: JsonObject) -> bool:
    """True when the code flow refers to ``run.threadFlowLocations`` by index."""
    flows = result.get("codeFlows")
    if not isinstance(flows, list):
        return False
    for flow in flows:
        for thread in flow.get("threadFlows") or [] if isinstance(flow, dict) else []:
            steps = thread.get("locations") if isinstance(thread, dict) else None
            if isinstance(steps, list) and any(
                isinstance(s, dict) and "index" in s for s in steps
            ):
                return True
    return False


def dataflow(
    result: JsonObject, ctx: RunContext, where: Where, root: str = ""
) -> list[DataflowStep]:
    """The steps of the first thread flow, source first and sink last."""
    if result.get("codeFlows") is None:
        return []
    spot, items = flow_locations(result, where)
    steps = []
    for i, item in enumerate(items):
        step = _shared(obj(item, below(spot, i)), ctx, below(spot, i))
        location_spot = below(spot, i, "location")
        location = obj(step.get("location"), location_spot)
        file, line, _, code, method = place(location, ctx, location_spot, root)
        message = location.get("message")
        said = message.get("text") if isinstance(message, dict) else None
        steps.append(
            DataflowStep(
                file_name=file,
                line_number=line,
                method_name=method,
                short_method_name=method.rsplit(".", 1)[-1],
                code=code or (said if isinstance(said, str) else ""),
            )
        )
    return steps


def _shared(step: JsonObject, ctx: RunContext, where: Where) -> JsonObject:
    if step.get("index") is None:
        return step
    index = integer(step.get("index"), below(where, "index"))
    if not 0 <= index < len(ctx.flow_locations):
        return step
    shared = ctx.flow_locations[index]
    merged = {**shared, **step}
    # An inline location refines the shared one member by member.
    if isinstance(shared.get("location"), dict) and isinstance(
        step.get("location"), dict
    ):
        merged["location"] = {**shared["location"], **step["location"]}
    return merged
