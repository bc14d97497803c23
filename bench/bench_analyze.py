"""Analysis overhead: ``sordino analyze`` against the same engines run by hand.

Run: python bench/bench_analyze.py [--path TREE] [--repeat N]

On the sample app (``examples/vulnerable-app`` by default) this times
``sordino.analysis.runner.analyze`` restricted to the engines that are
external tools, then the very same command lines (taken from the engine
modules, with the same working directory and environment) run by hand: one
after another, and all started together; and a fourth time all together
but each in its own session under sordino's address-space limit, as sordino
starts them, which tells the cost of sordino's own work apart from the effect
of those process settings. Each mode runs N times (default 3),
interleaved so that a change of load on a shared machine hits every mode
alike, and the median is kept. Besides wall-clock time it prints the CPU time
of the process and its children, which a busy machine disturbs less. The
target is an overhead of at most 15 % against the parallel run by hand.
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sordino.analysis.engines import ENGINES, Engine, EngineContext
from sordino.analysis.engines.bandit import BanditEngine
from sordino.analysis.engines.checkov import CheckovEngine
from sordino.analysis.engines.secrets import SecretsEngine
from sordino.analysis.engines.semgrep import SemgrepEngine
from sordino.analysis.inventory import Inventory, scan
from sordino.analysis.runner import analyze

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "vulnerable-app"
TARGET_PERCENT = 15.0
MODES = ("sordino", "by hand, parallel", "by hand, sequential", "by hand, limited")
TIMEOUT_S = 600.0
MEMORY_MB = 4096


@dataclass(frozen=True)
class Command:
    """One engine's command line as sordino starts it."""

    engine: str
    argv: list[str]
    env: dict[str, str]


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds and CPU seconds (this process and its children)."""

    wall: float
    cpu: float


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(action: Callable[[], object]) -> Timing:
    """Run ``action`` and measure it."""
    wall, cpu = time.perf_counter(), _cpu()
    action()
    return Timing(time.perf_counter() - wall, _cpu() - cpu)


def external_engines(inventory: Inventory) -> list[Engine]:
    """The registered engines that run an outside tool and would run on this tree."""
    kinds = (SemgrepEngine, BanditEngine, SecretsEngine, CheckovEngine)
    return [
        engine
        for engine in ENGINES
        if isinstance(engine, kinds)
        and engine.applies(inventory)
        and engine.available()
    ]


def command_of(engine: Engine, ctx: EngineContext) -> Command:
    """The command line and environment ``engine`` uses for ``ctx``."""
    if isinstance(engine, SemgrepEngine):
        return Command(engine.name, engine.command(ctx), engine.environment(ctx))
    if isinstance(engine, BanditEngine):
        return Command(engine.name, engine.command(ctx), {})
    if isinstance(engine, SecretsEngine | CheckovEngine):
        return Command(engine.name, engine.command(), {})
    raise ValueError(f"{engine.name} has no command line to run by hand")


def _limit_memory() -> None:
    limit = MEMORY_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _start(
    command: Command, root: Path, scratch: Path, *, limited: bool
) -> subprocess.Popen[bytes]:
    # Output goes to files, as sordino's own runs keep it.
    with (
        (scratch / f"{command.engine}.out").open("wb") as out,
        (scratch / f"{command.engine}.err").open("wb") as err,
    ):
        return subprocess.Popen(
            command.argv,
            cwd=root,
            env={**os.environ, **command.env},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            # sordino starts each tool in its own session under an address-space
            # limit; ``limited`` does the same, to tell that apart from the rest.
            start_new_session=limited,
            preexec_fn=_limit_memory if limited else None,
        )


def by_hand(
    commands: list[Command],
    root: Path,
    scratch: Path,
    *,
    parallel: bool,
    limited: bool = False,
) -> None:
    """Run ``commands`` on ``root``, each writing its output to files."""
    if parallel:
        started = [_start(c, root, scratch, limited=limited) for c in commands]
        for process in started:
            process.wait()
        return
    for command in commands:
        _start(command, root, scratch, limited=limited).wait()


def _context(
    root: Path, inventory: Inventory, scratch: Path, name: str
) -> EngineContext:
    workdir = scratch / name
    workdir.mkdir()
    return EngineContext(root, inventory, workdir, TIMEOUT_S, MEMORY_MB)


def _median(timings: list[Timing]) -> Timing:
    return Timing(
        statistics.median(t.wall for t in timings),
        statistics.median(t.cpu for t in timings),
    )


def _report(results: dict[str, list[Timing]], engines: list[str]) -> None:
    medians = {mode: _median(timings) for mode, timings in results.items()}
    for mode in MODES:
        median = medians[mode]
        walls = ", ".join(f"{t.wall:.2f}" for t in results[mode])
        print(
            f"{mode:<20} median {median.wall:7.2f} s wall {median.cpu:7.2f} s cpu"
            f"   (runs: {walls})"
        )
    ours = medians["sordino"]
    parallel = medians["by hand, parallel"]
    sequential = medians["by hand, sequential"]
    print(
        f"sordino / by hand parallel:   {ours.wall / parallel.wall:.3f} wall, "
        f"{ours.cpu / parallel.cpu:.3f} cpu"
    )
    print(
        f"sordino / by hand sequential: {ours.wall / sequential.wall:.3f} wall, "
        f"{ours.cpu / sequential.cpu:.3f} cpu"
    )
    limited = medians["by hand, limited"]
    print(
        f"sordino / by hand limited:    {ours.wall / limited.wall:.3f} wall, "
        f"{ours.cpu / limited.cpu:.3f} cpu"
    )
    overhead = (ours.wall / parallel.wall - 1) * 100
    print(
        f"analyze overhead ({', '.join(engines)}): {overhead:+.1f} % "
        f"against the parallel run by hand (target at most {TARGET_PERCENT:.0f} %)"
    )


def one_round(
    root: Path, inventory: Inventory, engines: list[Engine], turn: int
) -> dict[str, Timing]:
    """Time sordino and the same commands by hand, in parallel and in sequence.

    The modes take turns going first, so that none always runs on a machine
    still busy with the previous one.
    """
    with tempfile.TemporaryDirectory(prefix="bench-analyze-") as tmp:
        scratch = Path(tmp)
        commands = [
            command_of(e, _context(root, inventory, scratch, e.name)) for e in engines
        ]
        modes: list[tuple[str, Callable[[], object]]] = [
            (
                "sordino",
                functools.partial(
                    analyze,
                    root,
                    app="bench",
                    version="",
                    branch="",
                    tags={},
                    engines=engines,
                ),
            ),
            (
                "by hand, parallel",
                functools.partial(by_hand, commands, root, scratch, parallel=True),
            ),
            (
                "by hand, sequential",
                functools.partial(by_hand, commands, root, scratch, parallel=False),
            ),
            (
                "by hand, limited",
                functools.partial(
                    by_hand, commands, root, scratch, parallel=True, limited=True
                ),
            ),
        ]
        shift = turn % len(modes)
        return {mode: timed(run) for mode, run in modes[shift:] + modes[:shift]}


def main() -> None:
    """Time every mode ``--repeat`` times and print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=SAMPLE)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = args.path.resolve()
    inventory = scan(root)
    engines = external_engines(inventory)
    names = [engine.name for engine in engines]
    print(
        f"tree: {root} ({len(inventory.files)} files), engines: {', '.join(names)}, "
        f"{os.cpu_count()} cpus, load {os.getloadavg()[0]:.2f}"
    )
    results: dict[str, list[Timing]] = {}
    for turn in range(args.repeat):
        for mode, timing in one_round(root, inventory, engines, turn).items():
            results.setdefault(mode, []).append(timing)
    print(f"load after: {os.getloadavg()[0]:.2f}")
    _report(results, names)


if __name__ == "__main__":
    main()
