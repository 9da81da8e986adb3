"""The Nu HTML Checker gate: valid HTML and CSS, from one run of vnu.jar over every page and
stylesheet. `run_vnu` is shared with tests/quality_helpers.py.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .gates_common import (
    _NODE_MODULES,
    GateResult,
    ToolError,
    _count,
    _find_file,
    _one_line,
    _site_path,
)

DEFAULT_VNU_JAR = _NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
VNU_TIMEOUT = 600   # seconds, for one run over the whole site

VNU = "Nu HTML Checker"


def find_vnu_jar() -> tuple[Path | None, str]:
    """(vnu.jar, "") from $VNU_JAR or tests/js/node_modules; (None, why) when not found."""
    return _find_file("VNU_JAR", DEFAULT_VNU_JAR,
                      "set VNU_JAR, or run `npm ci --prefix tests/js`")


# With --also-check-css, vnu 26.9 numbers the lines of HTML documents from 0 (CSS from 1, as
# without the option). So that one run can check both and still name true lines, each run also
# checks this page, whose one error is known to be on _PROBE_LINE, and corrects by the offset.
_LINE_PROBE = ('<!DOCTYPE html>\n<html lang="en">\n<head><title>probe</title></head>\n<body>\n'
               '<img src="probe.png">\n</body>\n</html>\n')
_PROBE_LINE = _LINE_PROBE[:_LINE_PROBE.index("<img")].count("\n") + 1


def run_vnu(files: Iterable[Path], jar: Path | None = None,
            java: str | None = None) -> dict[Path | None, list[dict]]:
    """Every error the Nu HTML Checker reports, per resolved file path (each of `files` is a
    key), from one run over all `files` (HTML, and CSS with --also-check-css), with true
    1-based line numbers; messages that name no file are under None. Raises ToolError when
    Java or vnu.jar is missing, or vnu gives no JSON."""
    files = list(files)
    java = java or shutil.which("java")
    if not java:
        raise ToolError("the Nu HTML Checker needs Java 17+ on PATH (Debian: "
                        "default-jre-headless, installed by .ci/run)")
    if jar is None:
        jar, why = find_vnu_jar()
        if jar is None:
            raise ToolError(f"the Nu HTML Checker is missing: {why}")
    with tempfile.TemporaryDirectory(prefix="coursesite-vnu-") as scratch:
        probe = Path(scratch, "line-probe.html").resolve()
        probe.write_text(_LINE_PROBE, encoding="utf-8")
        try:
            proc = subprocess.run([java, "-jar", str(jar), "--errors-only", "--also-check-css",
                                   "--format", "json", *map(str, files), str(probe)],
                                  capture_output=True, text=True, timeout=VNU_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise ToolError(f"vnu.jar did not finish within {VNU_TIMEOUT} s") from None
        except OSError as exc:
            raise ToolError(f"vnu.jar could not be started: {exc}") from None
    try:
        messages = json.loads(proc.stderr or proc.stdout)["messages"]
    except (ValueError, KeyError, TypeError):
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ToolError(f"vnu.jar gave no JSON (exit {proc.returncode}): "
                        f"{_one_line(tail[0])}") from None
    by_file: dict[Path | None, list[dict]] = {Path(f).resolve(): [] for f in files}
    for m in messages:
        url = m.get("url")
        path = Path(unquote(urlsplit(url).path)).resolve() if url else None
        by_file.setdefault(path, []).append(m)
    probe_lines = [m["lastLine"] for m in by_file.pop(probe, []) if "lastLine" in m]
    offset = _PROBE_LINE - probe_lines[0] if probe_lines else 0
    for path, found in by_file.items():
        if offset and path is not None and path.suffix != ".css":
            for m in found:
                for key in ("firstLine", "lastLine"):
                    if key in m:
                        m[key] += offset
    return by_file


def _vnu_gate(root: Path, pages: list[Path], sheets: list[Path]) -> GateResult:
    """The Nu checker's errors in every page and stylesheet, from one run."""
    java = shutil.which("java")
    if not java:
        return GateResult(VNU, False, (), "no Java on PATH (Debian: default-jre-headless)")
    jar, why = find_vnu_jar()
    if jar is None:
        return GateResult(VNU, False, (), why)
    note = f"{_count(len(pages), 'page')}, {_count(len(sheets), 'stylesheet')}"
    if not pages and not sheets:
        return GateResult(VNU, True, (), "no pages")
    try:
        by_file = run_vnu(pages + sheets, jar=jar, java=java)
    except ToolError as exc:
        return GateResult(VNU, True, (str(exc),), note)
    problems = []
    for path in sorted(by_file, key=lambda p: (p is None, str(p))):
        for m in by_file[path]:
            if m.get("type") == "info" or m.get("subType") == "warning":
                continue
            line = m.get("lastLine") or m.get("firstLine") or "?"
            problems.append(f"{_site_path(path, root)}:{line}: {_one_line(m.get('message', ''))}")
    return GateResult(VNU, True, tuple(problems), note)
