"""Load test: how many learners one server holds. A real hub on localhost, N learners at once, the guide's path.

    python -m tools.load_test                          # N = 1, 2, 4, 8; notebooks 02-06 and 08
    python -m tools.load_test --learners 1,4,12 --notebooks 02,08 --p95 3,6

For each N, a fresh hub (workshop.room.RoomHub: real JupyterHub, proxy, system users) takes N
learners; each pulls the lab with nbgitpuller and all run the notebooks through the hub's API, one
cell at a time for everybody, the way a room runs when the trainer says "run the next cell". Every
output is compared with the one committed in the learner's own clone (nbval's rules), isolation is
probed between two learners, and the memory of each learner's processes (PSS: server, kernel,
PostgreSQL, other) is sampled every second. "other load" is the machine's 1-minute load average just
before the round, while the room is not running: anything above 0 means other work shared the cores. It prints a table and the capacity: the largest N with
every output right and a p95 cell latency under each bar of ``--p95`` (seconds a learner waits for a
cell), next to the latency of one learner alone.

A benchmark: it reports figures, never fails on them. Exit 1 when a round could not run at all,
2 on bad input. Needs root (it creates system users); `make load` builds what it needs first.
"""
import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from workshop import hub as hub_checks
from workshop import memory
from workshop.errors import WorkshopError, run_command
from workshop.room import RoomHub, free_port, isolation_problems, join, run_in_lockstep

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NOTEBOOKS = "02,03,04,05,06,08"


def parse_counts(text):
    try:
        counts = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise WorkshopError(f"--learners {text!r}: give numbers separated by commas, e.g. 1,2,4,8") from None
    if not counts or counts[0] < 1 or counts[-1] > 200:
        raise WorkshopError(f"--learners {text!r}: each N must be between 1 and 200")
    return counts


def notebook_paths(text, lab=ROOT):
    """``02,08`` -> [notebooks/02_init.ipynb, notebooks/08_production.ipynb] (as the clone will hold them)."""
    paths = []
    for number in (part.strip() for part in text.split(",") if part.strip()):
        found = sorted((lab / "notebooks").glob(f"{number}_*.ipynb"))
        if not number.isdigit() or len(found) != 1:
            raise WorkshopError(f"--notebooks: no notebook numbered {number!r} in notebooks/")
        paths.append(found[0].relative_to(lab).as_posix())
    if not paths:
        raise WorkshopError("--notebooks: name at least one notebook, e.g. 02")
    return paths


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))] if ordered else float("nan")


class MemorySampler:
    """Samples each learner's PSS by kind every ``interval`` seconds; keeps each learner's peak total."""

    def __init__(self, learners, interval=1.0):
        self.learners = learners
        self.interval = interval
        self.peaks = {learner.name: {kind: 0.0 for kind in memory.KINDS} for learner in learners}

    async def run(self):
        while True:
            for learner in self.learners:
                sample = await asyncio.to_thread(memory.by_kind, learner.uid)
                if sum(sample.values()) > sum(self.peaks[learner.name].values()):
                    self.peaks[learner.name] = sample
            await asyncio.sleep(self.interval)

    def mean_peak(self):
        """{kind: MiB}: the mean over learners of their breakdown at their own peak."""
        peaks = list(self.peaks.values())
        return {kind: statistics.mean(p[kind] for p in peaks) for kind in memory.KINDS}


async def one_round(room, count, notebooks):
    """N learners through the notebooks: a dict of figures for the table."""
    names = [f"u{i:03d}" for i in range(count)]
    load_before = os.getloadavg()[0]  # the room is not running yet: this is everyone else's load
    started = time.monotonic()
    joined = await asyncio.gather(*(join(room, name) for name in names), return_exceptions=True)
    learners = [j for j in joined if not isinstance(j, BaseException)]
    failures = [f"join: {j}" for j in joined if isinstance(j, BaseException)]
    figures = {"N": count, "joined": len(learners), "load_before": load_before, "join_seconds": time.monotonic() - started,
               "start_p95": percentile([l.start_seconds for l in learners], 0.95)}
    sampler = MemorySampler(learners)
    sampling = asyncio.create_task(sampler.run())
    runs = []
    try:
        for path in notebooks:
            if not learners:
                break
            print(f"    N={count}: {path}", flush=True)
            try:
                runs += await run_in_lockstep(learners, path)
            except (WorkshopError, asyncio.TimeoutError, OSError) as error:
                failures.append(f"{path}: {type(error).__name__}: {error}")
    finally:
        sampling.cancel()
    if len(learners) >= 2:
        for a, b in ((learners[0], learners[1]), (learners[-1], learners[0])):
            failures += [f"isolation: {p}" for p in await isolation_problems(a, b)]
    latencies = [run.seconds for run in runs]
    wrong = [run for run in runs if run.differences]
    failures += [f"{run.learner} cell {run.cell}: {run.differences[0]}" for run in wrong[:5]]
    figures.update(cells=len(runs), wrong=len(wrong), p50=percentile(latencies, 0.5),
                   p95=percentile(latencies, 0.95), max=max(latencies, default=float("nan")),
                   memory=sampler.mean_peak() if learners else {k: float("nan") for k in memory.KINDS},
                   failures=failures, seconds=time.monotonic() - started)
    return figures


def table(rounds, baseline):
    lines = ["| learners | cells run | outputs wrong | p50 s | p95 s | p95 / alone | max s | "
             "MiB per learner (server + kernel + PostgreSQL + other) | server start p95 s | round s | "
             "other load |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |"]
    for r in rounds:
        m = r["memory"]
        total = sum(m.values())
        lines.append(f"| {r['N']} | {r['cells']} | {r['wrong']} | {r['p50']:.2f} | {r['p95']:.2f} | "
                     f"{r['p95'] / baseline:.1f}x | {r['max']:.1f} | {total:.0f} ({m['server']:.0f} + "
                     f"{m['kernel']:.0f} + {m['postgres']:.0f} + {m['other']:.0f}) | {r['start_p95']:.1f} | "
                     f"{r['seconds']:.0f} | {r['load_before']:.1f} |")
    return "\n".join(lines)


def capacity(rounds, bar, cores):
    """The largest N whose every learner joined, every output was right and p95 cell latency <= ``bar`` s."""
    good = [r for r in rounds if r["joined"] == r["N"] and not r["failures"] and r["p95"] <= bar]
    if not good:
        return f"p95 <= {bar:g} s: no round met the bar"
    best = max(good, key=lambda r: r["N"])
    per_learner = sum(best["memory"].values())
    beyond = "" if best is rounds[-1] else f" (N={rounds[rounds.index(best) + 1]['N']} did not)"
    return (f"p95 <= {bar:g} s, every output right: {best['N']} learners{beyond} on {cores} cores = "
            f"{best['N'] / cores:.1f} learners per core; {per_learner:.0f} MiB per learner at its peak = "
            f"{1024 / per_learner:.1f} learners per GiB")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.load_test", description=__doc__.splitlines()[0])
    parser.add_argument("--learners", default="1,2,4,8", help="values of N, comma-separated (default 1,2,4,8)")
    parser.add_argument("--notebooks", default=DEFAULT_NOTEBOOKS, help=f"default {DEFAULT_NOTEBOOKS}")
    parser.add_argument("--port", type=int, default=0, help="the hub's port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--p95", default="2,4,8", help="p95 cell-latency bars in seconds for the capacity (default 2,4,8)")
    parser.add_argument("--logs", type=Path, default=Path(tempfile.gettempdir()) / "lab-load-test",
                        help="folder for each round's hub log (default: the temporary folder)")
    args = parser.parse_args(argv)
    counts, notebooks = parse_counts(args.learners), notebook_paths(args.notebooks)
    try:
        bars = sorted(float(bar) for bar in args.p95.split(","))
    except ValueError:
        raise WorkshopError(f"--p95 {args.p95!r}: give seconds separated by commas, e.g. 2,4,8") from None
    if not bars or bars[0] <= 0:
        raise WorkshopError(f"--p95 {args.p95!r}: each bar must be more than 0 seconds")
    if args.port:
        hub_checks.check_port("127.0.0.1", args.port)
    hub_checks.check_root()
    args.logs.mkdir(parents=True, exist_ok=True)
    if 1 not in counts:
        counts = [1, *counts]  # one learner alone is the yardstick
    cores = os.cpu_count()
    print(f"machine: {cores} cores, {os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB; "
          f"notebooks: {', '.join(Path(p).stem for p in notebooks)}", flush=True)
    rounds = []
    for count in counts:
        print(f"  round N={count} ...", flush=True)
        try:
            with RoomHub(args.port or free_port(), keep_log=args.logs / f"hub-N{count}.log") as room:
                rounds.append(asyncio.run(one_round(room, count, notebooks)))
        except WorkshopError as error:
            print(f"  N={count} could not run: {error}", flush=True)
            break
        for failure in rounds[-1]["failures"][:8]:
            print(f"    problem: {failure}", flush=True)
    if not rounds:
        return 1
    baseline = rounds[0]["p95"]
    print("\n" + table(rounds, baseline))
    print("\ncapacity (one learner alone is the yardstick: the p95 / alone column)")
    for bar in bars:
        print("  " + capacity(rounds, bar, cores))
    first_broken = next((r for r in rounds if r["failures"] or r["joined"] < r["N"]), None)
    print(f"hub logs: {args.logs}/hub-N*.log")
    print("first problem as N grew: " + (f"N={first_broken['N']}: {first_broken['failures'][0]}"
                                        if first_broken else "none up to the largest N tried"))
    return 0


if __name__ == "__main__":
    sys.exit(run_command(main))
