"""What every quality gate shares: its result, the error of a tool that fails, finding a tool's
file, and the words of a problem line. The gates themselves are in gates.py (links and anchors,
third-party requests, and the runner), gates_vnu.py (the Nu HTML Checker) and gates_browser.py
(axe-core in Chromium).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_NODE_MODULES = ROOT / "tests" / "js" / "node_modules"


@dataclass(frozen=True)
class GateResult:
    """What one gate found. It failed when it ran and has problems; it was skipped when it
    did not run, and then `note` says why."""

    name: str
    ran: bool
    problems: tuple[str, ...]   # one line each; empty when passed or skipped
    note: str = ""              # why skipped, or what was checked ("12 pages, 230 references")


class ToolError(Exception):
    """A gate's tool is missing or gave unusable output; the message is one line."""


def _find_file(env: str, default: Path, hint: str) -> tuple[Path | None, str]:
    """(the file, "") from $env if set, else `default`; (None, why) when it does not exist.
    An $env naming a missing file counts as not found: it never falls back to `default`."""
    value = os.environ.get(env, "")
    if value:
        path = Path(value).expanduser()
        return (path, "") if path.is_file() else (None, f"{env}={value}: no such file")
    return (default, "") if default.is_file() else (None, f"no {default.name} ({hint})")


def _count(n: int, word: str) -> str:
    """'1 page', '2 pages'."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _one_line(text: str, limit: int = 300) -> str:
    """`text` on one line, at most `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _site_path(path: Path | None, root: Path) -> str:
    """`path` relative to the site, as in a problem line."""
    if path is None:
        return "(no file)"
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
