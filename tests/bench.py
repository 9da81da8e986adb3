"""`make bench`: cold-build time and peak memory for synthetic departments of K offerings.

Each offering has 14 lectures in two parts, 10 project proposals, an office hour, exams and
deadlines; all share a room list. Every K is built in a fresh process (a cold build: imports,
parsing, rendering, writing) several times; the median wall time and the peak RSS are printed.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (1, 10, 100, 1000)
RUNS = {1: 5, 10: 5, 100: 3, 1000: 1}


def write_department(folder: Path, k: int) -> None:
    """A content folder with k offerings of realistic size."""
    folder.mkdir(parents=True)
    (folder / "site.yaml").write_text("title: Bench department\ntimezone: Europe/Berlin\n")
    rooms = "".join(f"  - {{id: room-{i}, name: Room {i}, building: Main building}}\n"
                    for i in range(50))
    (folder / "rooms.yaml").write_text("rooms:\n" + rooms)
    for n in range(k):
        write_offering(folder / f"o{n:04d}", n)


def write_offering(folder: Path, n: int) -> None:
    folder.mkdir()
    year = 2000 + n % 26
    start = dt.date(year, 4, 13)
    weekday = ("mon", "tue", "wed", "thu", "fri")[n % 5]
    first = start + dt.timedelta(days=(n % 5 - start.weekday()) % 7)
    end = start + dt.timedelta(days=100)
    hour = 8 + 2 * (n // 50 % 5)
    about = ("A *synthetic* course used to measure build times. "
             "It has a [link](https://example.org).")
    lecture = f'start: "{hour:02d}:00", end: "{hour + 2:02d}:00", room: room-{n % 50}'
    office = f'start: "{hour + 3:02d}:00", end: "{hour + 4:02d}:00", room: room-{(n + 7) % 50}'
    (folder / "course.yaml").write_text(textwrap.dedent(f"""\
        title: Course {n // 3}
        short: C{n // 3}
        term: {{season: summer, year: {year}, start: {start}, end: {end}}}
        codes: [{{kind: VL/UE, number: "{40000 + n}", name: Course number {n}}}]
        ects: 6
        programmes: [computer science, data science]
        description: |
          {about}
        weekly:
          lectures:
            - {{weekday: {weekday}, {lecture},
               online: [{{label: Zoom, url: "https://example.org/zoom/{n}"}}]}}
          office_hours:
            - {{weekday: {weekday}, {office}}}
        """))
    lectures = []
    for i in range(14):
        day = first + dt.timedelta(weeks=i)
        lectures.append(f"      - {{number: {i + 1}, title: Topic {i + 1} of course {n}, "
                        f"date: {day}, "
                        f"materials: [{{kind: slides, url: 'https://example.org/{n}/{i}.pdf'}}]}}\n")
    (folder / "lectures.yaml").write_text(
        "parts:\n  - letter: A\n    title: Foundations\n    lectures:\n" + "".join(lectures[:7])
        + "  - letter: B\n    title: Systems\n    lectures:\n" + "".join(lectures[7:]))
    proposals = "".join(
        f"  - {{id: p{i}, title: Proposal {i}, system: Apache SystemDS, team_size: 1-2, "
        f"supervisors: [Jane Doe], status: {'open' if i % 3 else 'assigned'}, "
        f"description: Build **feature {i}** in the system.}}\n" for i in range(10))
    (folder / "projects.yaml").write_text("intro: Projects are worth 3 ECTS.\nproposals:\n"
                                          + proposals)
    exam_day, due = start + dt.timedelta(days=98), start + dt.timedelta(days=90)
    (folder / "organization.yaml").write_text(textwrap.dedent(f"""\
        lecturers: [{{name: Prof. Dr. Jane Doe, affiliation: Bench}}]
        assistants: [{{name: M.Sc. John Roe, affiliation: Bench}}]
        exams: [{{id: final, title: Final exam, date: {exam_day}, start: "10:00", end: "12:00"}}]
        deadlines: [{{id: projects, title: Project submission, date: {due}, time: "23:59"}}]
        grading: 100% final exam.
        """))


def measure_cold_build(content: Path, out: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of one `build.py build` in a fresh process."""
    code = textwrap.dedent(f"""
        import json, resource, sys, time
        start = time.perf_counter()
        sys.argv = ["build.py", "build", "--content", {str(content)!r}, "--out", {str(out)!r}]
        sys.path.insert(0, {str(ROOT)!r})
        import build
        rc = build.main(sys.argv[1:])
        wall = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps([rc, wall, peak]))
        """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    rc, wall, peak = json.loads(proc.stdout.strip().splitlines()[-1])
    if rc != 0:
        raise SystemExit(f"bench build failed:\n{proc.stderr}")
    return wall, peak


def main() -> None:
    print(f"{'K':>5} {'median s':>9} {'per offering ms':>16} {'peak MiB':>9} runs")
    with tempfile.TemporaryDirectory(prefix="coursesite-bench-") as tmp:
        for k in SIZES:
            content = Path(tmp) / f"content-{k}"
            write_department(content, k)
            walls, peaks = [], []
            for run in range(RUNS[k]):
                out = Path(tmp) / f"site-{k}-{run}"
                wall, peak = measure_cold_build(content, out)
                walls.append(wall)
                peaks.append(peak)
                shutil.rmtree(out)
            median = statistics.median(walls)
            print(f"{k:>5} {median:>9.3f} {1000 * median / k:>16.1f} {max(peaks):>9.1f} "
                  f"{len(walls)}", flush=True)


if __name__ == "__main__":
    main()
