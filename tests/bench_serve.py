"""Live-preview reload latency: from saving lectures.yaml to the browser being told to reload.

`measure_reload_latency(content_dir)` starts the server in this process on a free port, reads
/__coursesite/events over a raw socket, and rewrites one lecture title per run, timing from
the write to the `event: reload` line (watchdog, debounce, rebuild, event). `main()` prints
the median for the default content and for a 100-offering department.

    .venv/bin/python tests/bench_serve.py [--runs N]

Targets: median < 100 ms (default content), < 250 ms (100 offerings).
"""
from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
for folder in (TESTS, ROOT):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from bench import write_department  # noqa: E402
from helpers import theme_assets  # noqa: E402
from test_serve import EventStream, live_server, wait_until  # noqa: E402

from coursesite.pipeline import Project  # noqa: E402

FIRST_LECTURE = re.compile(r"(number: 1, title: )([^,}\n]+)")
TARGETS = {"default content": 0.100, "100 offerings": 0.250}


def first_lectures_file(content_dir: Path) -> Path:
    """lectures.yaml of the first offering (folders in name order)."""
    for folder in sorted(p for p in Path(content_dir).iterdir() if p.is_dir()):
        if (folder / "lectures.yaml").is_file():
            return folder / "lectures.yaml"
    raise SystemExit(f"no offering with lectures.yaml in {content_dir}")


def private_project(content_dir: Path, tmp: Path) -> Project:
    """`content_dir` with copies of the repository's templates and assets (which may be edited
    while the benchmark runs: each edit would cost an extra rebuild)."""
    shutil.copytree(ROOT / "templates", tmp / "templates")
    theme_assets(tmp / "assets")
    return Project(content=content_dir, templates=tmp / "templates", assets=tmp / "assets")


def measure_reload_latency(content_dir, runs: int = 15) -> list[float]:
    """Seconds from each rewrite of a lecture title to the `event: reload` line, `runs` times.

    `content_dir` is edited in place (a copy is what callers should pass); its first lecture
    title is restored at the end.
    """
    content_dir = Path(content_dir)
    lectures = first_lectures_file(content_dir)
    original = lectures.read_text(encoding="utf-8")
    assert FIRST_LECTURE.search(original), f"no 'number: 1, title:' in {lectures}"
    latencies = []
    with tempfile.TemporaryDirectory(prefix="coursesite-bench-serve-") as tmp, \
            live_server(private_project(content_dir, Path(tmp))) as srv:
        events = EventStream(srv.port)
        try:
            name, data = events.next_event()
            assert name == "hello" and data == '""', f"the content has problems: {data}"
            for run in range(runs):
                text = FIRST_LECTURE.sub(rf"\g<1>Bench title {run}", original, count=1)
                start = time.perf_counter()
                lectures.write_text(text, encoding="utf-8")
                name, data = events.next_event()
                latencies.append(time.perf_counter() - start)
                if name != "reload":
                    raise AssertionError(f"run {run}: expected a reload event, got {name}: {data}")
                # Settle: nothing pending, no build running (so the next run starts clean).
                wait_until(lambda: srv.live.debounce.last is None and srv.live.ready.is_set(),
                           what="the server to settle")
        finally:
            events.close()
            lectures.write_text(original, encoding="utf-8")
    return latencies


def describe(label: str, latencies: list[float]) -> str:
    ms = sorted(x * 1000 for x in latencies)
    median = statistics.median(ms)
    target = TARGETS.get(label)
    verdict = "" if target is None else (
        f"  target < {target * 1000:.0f} ms: {'ok' if median < target * 1000 else 'MISSED'}")
    return (f"{label:>16}: median {median:6.1f} ms  min {ms[0]:6.1f}  max {ms[-1]:6.1f}  "
            f"({len(ms)} runs){verdict}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory(prefix="coursesite-bench-serve-") as tmp:
        default = Path(tmp) / "content"
        shutil.copytree(ROOT / "tests" / "fixtures" / "amls", default)
        results["default content"] = measure_reload_latency(default, args.runs)
        department = Path(tmp) / "department"
        write_department(department, 100)
        results["100 offerings"] = measure_reload_latency(department, args.runs)
    for label, latencies in results.items():
        print(describe(label, latencies))
    missed = [label for label, xs in results.items()
              if statistics.median(xs) >= TARGETS[label]]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
