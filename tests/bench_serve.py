"""Live-preview reload latency: from saving lectures.yaml to the browser being told to reload.

`measure_reload_latency(content_dir)` starts the server in this process on a free port, reads
/__coursesite/events over a raw socket, and rewrites one lecture title per run, timing from
the write to the `event: reload` line (watchdog, debounce, rebuild, event). `main()` prints
the median for the default content and for a 100-offering department.

    .venv/bin/python tests/bench_serve.py [--runs N]

Targets (issue 13): median < 50 ms for a lecture edit (default content, 100 offerings),
< 150 ms for a template edit (100 offerings), < 100 ms for a lecture edit at 1,000
offerings (`--large`).
"""
from __future__ import annotations

import argparse
import json
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
TARGETS = {"default content": 0.050, "100 offerings": 0.050, "100, template": 0.150,
           "1000 offerings": 0.100}


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


def lecture_edit(content_dir: Path, _project: Project):
    """(file, its text for run n): the first lecture's title rewritten."""
    lectures = first_lectures_file(content_dir)
    original = lectures.read_text(encoding="utf-8")
    assert FIRST_LECTURE.search(original), f"no 'number: 1, title:' in {lectures}"
    return lectures, lambda run: FIRST_LECTURE.sub(rf"\g<1>Bench title {run}", original,
                                                   count=1)


def template_edit(_content_dir: Path, project: Project):
    """(file, its text for run n): an HTML comment in the course page's main block rewritten,
    so that every offering's course page changes (an edit that changes no page reloads
    none)."""
    template = project.templates / "course.html"
    original = template.read_text(encoding="utf-8")
    assert "{% block main %}\n" in original, f"no main block in {template}"
    return template, lambda run: original.replace(
        "{% block main %}\n", f"{{% block main %}}\n<!-- bench {run} -->\n", 1)


def measure_reload_latency(content_dir, runs: int = 15, edit=lecture_edit) -> list[float]:
    """Seconds from each save of a file (`edit`: a lecture title, or a template) to the
    `event: reload` line, `runs` times.

    `content_dir` is edited in place (a copy is what callers should pass); the edited file is
    restored at the end.
    """
    content_dir = Path(content_dir)
    latencies = []
    with tempfile.TemporaryDirectory(prefix="coursesite-bench-serve-") as tmp:
        project = private_project(content_dir, Path(tmp))
        path, text_for = edit(content_dir, project)
        original = path.read_text(encoding="utf-8")
        with live_server(project) as srv:
            events = EventStream(srv.port)
            try:
                name, data = events.next_event()
                assert name == "hello" and not json.loads(data or '""').get("problems"), \
                    f"the content has problems: {data}"
                for run in range(runs):
                    start = time.perf_counter()
                    path.write_text(text_for(run), encoding="utf-8")
                    name, data = events.next_event()
                    latencies.append(time.perf_counter() - start)
                    if name != "reload":
                        raise AssertionError(f"run {run}: expected a reload event, got {name}: "
                                             f"{data}")
                    # Settle: nothing pending, no build running (the next run starts clean).
                    wait_until(lambda: srv.live.debounce.last is None
                               and srv.live.ready.is_set(), what="the server to settle")
            finally:
                events.close()
                path.write_text(original, encoding="utf-8")
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
    parser.add_argument("--large", action="store_true", help="also 1,000 offerings (slow)")
    args = parser.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory(prefix="coursesite-bench-serve-") as tmp:
        default = Path(tmp) / "content"
        shutil.copytree(ROOT / "tests" / "fixtures" / "amls", default)
        results["default content"] = measure_reload_latency(default, args.runs)
        department = Path(tmp) / "department"
        write_department(department, 100)
        results["100 offerings"] = measure_reload_latency(department, args.runs)
        results["100, template"] = measure_reload_latency(department, args.runs, template_edit)
        if args.large:
            large = Path(tmp) / "large"
            write_department(large, 1000)
            results["1000 offerings"] = measure_reload_latency(large, args.runs)
    for label, latencies in results.items():
        print(describe(label, latencies))
    missed = [label for label, xs in results.items()
              if statistics.median(xs) >= TARGETS[label]]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
