"""Where a SARIF result points: its primary location and its code flow."""

from __future__ import annotations

from typing import Any

from sordino.importers.sarif_context import RunContext
from sordino.importers.shape import JsonObject, arr, integer, obj, pointer, text
from sordino.ingest.bundle import DataflowStep

Place = tuple[str, int, int, str, str]


def location_parts(
    result: JsonObject, ctx: RunContext, where: str, root: str = ""
) -> Place:
    """File, start line, end line, snippet and logical name of the first location."""
    spot = pointer(where, "locations")
    locations = arr(result.get("locations"), spot)
    if locations:
        return place(obj(locations[0], pointer(spot, 0)), ctx, pointer(spot, 0), root)
    target = obj(result.get("analysisTarget"), pointer(where, "analysisTarget"))
    if target:
        return ctx.resolve(target, pointer(where, "analysisTarget"), root), 0, 0, "", ""
    return "", 0, 0, "", ""


def place(location: JsonObject, ctx: RunContext, where: str, root: str) -> Place:
    """The parts of one SARIF ``location`` object."""
    physical_spot = pointer(where, "physicalLocation")
    physical = obj(location.get("physicalLocation"), physical_spot)
    artifact_spot = pointer(physical_spot, "artifactLocation")
    artifact = obj(physical.get("artifactLocation"), artifact_spot)
    file = ctx.resolve(artifact, artifact_spot, root) if artifact else ""
    region_spot = pointer(physical_spot, "region")
    region = obj(physical.get("region"), region_spot)
    line = integer(region.get("startLine"), pointer(region_spot, "startLine"))
    end = integer(region.get("endLine"), pointer(region_spot, "endLine")) or line
    snippet_spot = pointer(region_spot, "snippet")
    snippet = obj(region.get("snippet"), snippet_spot)
    code = text(snippet.get("text"), pointer(snippet_spot, "text"))
    return file, line, end, code, _logical_name(location, where)


def _logical_name(location: JsonObject, where: str) -> str:
    spot = pointer(where, "logicalLocations")
    for i, item in enumerate(arr(location.get("logicalLocations"), spot)):
        logical = obj(item, pointer(spot, i))
        name = logical.get("fullyQualifiedName") or logical.get("name")
        if isinstance(name, str) and name:
            return name
    return ""


def flow_locations(result: JsonObject, where: str) -> tuple[str, list[Any]]:
    """The pointer and items of the first thread flow of the first code flow."""
    spot = pointer(where, "codeFlows")
    flows = arr(result.get("codeFlows"), spot)
    if not flows:
        return spot, []
    flow = obj(flows[0], pointer(spot, 0))
    threads_spot = pointer(spot, 0, "threadFlows")
    threads = arr(flow.get("threadFlows"), threads_spot)
    if not threads:
        return threads_spot, []
    thread = obj(threads[0], pointer(threads_spot, 0))
    steps_spot = pointer(threads_spot, 0, "locations")
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
    result: JsonObject, ctx: RunContext, where: str, root: str = ""
) -> list[DataflowStep]:
    """The steps of the first thread flow, source first and sink last."""
    spot, items = flow_locations(result, where)
    steps = []
    for i, item in enumerate(items):
        step = _shared(obj(item, pointer(spot, i)), ctx, pointer(spot, i))
        location = obj(step.get("location"), pointer(spot, i, "location"))
        file, line, _, code, method = place(
            location, ctx, pointer(spot, i, "location"), root
        )
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


def _shared(step: JsonObject, ctx: RunContext, where: str) -> JsonObject:
    if step.get("index") is None:
        return step
    index = integer(step.get("index"), pointer(where, "index"))
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
