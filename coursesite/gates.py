"""Quality gates on a built site that know nothing of its content: valid HTML and CSS (the Nu
HTML Checker), internal links and anchors, no requests to other hosts, and WCAG 2.1 A/AA
(axe-core in Chromium). `make check` runs them on a site built into a temporary folder.

A gate whose tool is missing (Java, vnu.jar, Playwright, Chromium, axe-core) is skipped with
the reason; a gate whose tool fails (vnu gives no JSON, Chromium does not start) fails with a
one-line problem. The links and third-party gates need nothing but the standard library.

Each gate that drives a tool has its own module: gates_vnu.py (the Nu HTML Checker) and
gates_browser.py (axe-core in Chromium). The static gates here read files with the reference
parser in html_refs.py; what every gate shares (GateResult, problem lines) is gates_common.py.
"""
from __future__ import annotations

import concurrent.futures
import functools
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .gates_browser import _axe_gate
from .gates_common import GateResult, _count, _site_path
from .gates_vnu import _vnu_gate
from .html_refs import Ref, code_scheme, css_refs, parse_page

# Read by run_gates at each run (and passed to the axe gate), so it can be pointed elsewhere.
CHROMIUM = "/usr/bin/chromium"

LINKS = "links and anchors"
THIRD_PARTY = "third-party requests"


# --- links and anchors, third-party requests: a static look at the files --------------------------

@dataclass
class _Parsed:
    """What the static gates need of one file."""

    refs: list[Ref]
    ids: set[str]


def _parse_file(path: Path) -> _Parsed:
    """The references (and, of a page, the ids) of one page or stylesheet."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".css":
        return _Parsed(css_refs(text), set())
    page = parse_page(text)
    return _Parsed(page.refs, page.ids)


def _where(rel: str, ref: Ref) -> str:
    """Where a reference is, as a problem line starts: file:line: and the reference."""
    shown = ref.value.strip()
    if ref.tag in ("css", "style"):
        return f"{rel}:{ref.line}: {'@import ' if ref.attr == '@import' else ''}url({shown})"
    return f'{rel}:{ref.line}: <{ref.tag} {ref.attr}="{shown}">'


def _link_problem(ref: Ref, source: Path, root: Path,
                  ids_of) -> tuple[str | None, bool]:
    """(what is wrong with one reference or None, whether it was an internal reference)."""
    value = ref.value.strip()
    if not value:
        return None, False
    scheme = code_scheme(value)
    if scheme:
        return f"scheme '{scheme}:' runs code; it is not allowed in a page", False
    if value.startswith("//"):
        return ("protocol-relative ('//host/...'), which breaks from file://; "
                "write https://"), False
    if value.startswith(("/", "\\")):
        return ("starts with '/', so it breaks under a sub-path and from file://; links must "
                "be relative to the page"), False
    parts = urlsplit(value)
    if parts.scheme == "file":
        return "a file: URL points into the visitor's own disk", False
    if parts.scheme:
        return None, False   # external (https:, mailto:, webcal:, data:image...): not fetched
    if parts.path:
        target = Path(os.path.normpath(source.parent / unquote(parts.path)))
        if not target.is_relative_to(root):
            return f"resolves to {target}, outside the site", True
    else:
        target = source
    rel = _site_path(target, root)
    if target.is_dir():
        return (f"{rel} is a folder, which from file:// shows no page; link to "
                f"{parts.path.rstrip('/')}/index.html"), True
    if not target.is_file():
        return f"{rel} does not exist", True
    if not target.resolve().is_relative_to(root):
        return f"{rel} is a symbolic link to outside the site", True
    fragment = unquote(parts.fragment)
    # A stylesheet's url(#x) means an element of whichever page uses it: not checkable here.
    # "#top" scrolls to the top without an element (HTML spec); ":~:" starts a text fragment.
    if (fragment and ref.tag != "css" and target.suffix in (".html", ".htm", ".svg")
            and fragment.lower() != "top" and not fragment.startswith(":~:")
            and fragment not in ids_of(target)):
        return f"no element with id '{fragment}' on {rel}", True
    return None, True


def _links_gate(root: Path, parsed: dict[Path, _Parsed]) -> GateResult:
    """Every relative reference resolves to a file of the site, and its #fragment to an id."""
    @functools.cache
    def ids_of(path: Path) -> frozenset[str]:
        if path in parsed:
            return frozenset(parsed[path].ids)
        if path.suffix == ".css":
            return frozenset()
        return frozenset(_parse_file(path).ids)

    problems, checked = [], 0
    for source, found in parsed.items():
        rel = _site_path(source, root)
        for ref in found.refs:
            problem, internal = _link_problem(ref, source, root, ids_of)
            checked += internal
            if problem:
                problems.append(f"{_where(rel, ref)}: {problem}")
    pages = sum(p.suffix != ".css" for p in parsed)
    return GateResult(LINKS, True, tuple(problems),
                      f"{_count(pages, 'page')}, {_count(len(parsed) - pages, 'stylesheet')}, "
                      f"{_count(checked, 'internal reference')}")


# What makes a browser fetch a resource when it opens a page (not a link a visitor follows).
_LOADING_ATTRS = {"src", "srcset", "imagesrcset", "poster"}
_LOADING_HREF_TAGS = {"image", "use", "feimage"}   # SVG elements that fetch their href
_LOADING_RELS = {"stylesheet", "icon", "preload", "modulepreload", "manifest", "prefetch",
                 "preconnect", "dns-prefetch", "apple-touch-icon",
                 "apple-touch-icon-precomposed", "mask-icon"}


def _loads(ref: Ref) -> bool:
    """Whether opening the page makes the browser fetch this reference."""
    if ref.tag in ("css", "style") or ref.attr in _LOADING_ATTRS:
        return True
    if ref.attr == "data":
        return ref.tag == "object"
    if ref.attr in ("href", "xlink:href"):
        return (ref.tag in _LOADING_HREF_TAGS
                or (ref.tag == "link" and bool(_LOADING_RELS & set(ref.rel.split()))))
    return False


def _other_host(value: str) -> str | None:
    """The host an absolute http(s) or protocol-relative URL names, else None."""
    value = re.sub(r"[\x00-\x20]", "", value)
    if value.startswith("//"):
        value = "https:" + value
    parts = urlsplit(value)
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return parts.hostname or parts.netloc
    return None


def _third_party_gate(root: Path, parsed: dict[Path, _Parsed]) -> GateResult:
    """No resource a browser loads on opening a page comes from another host."""
    problems, loads = [], 0
    for source, found in parsed.items():
        rel = _site_path(source, root)
        for ref in found.refs:
            if not _loads(ref):
                continue
            loads += 1
            host = _other_host(ref.value)
            if host:
                problems.append(f"{_where(rel, ref)}: loads from another host ({host}) on "
                                "every visit; serve a copy from the site")
    return GateResult(THIRD_PARTY, True, tuple(problems),
                      f"{_count(len(parsed), 'file')}, "
                      f"{_count(loads, 'resource')} a browser loads")


# --- all gates ----------------------------------------------------------------------------------

def run_gates(site_dir: Path) -> list[GateResult]:
    """Every gate over the built site in `site_dir`, in the order Nu HTML Checker, links and
    anchors, third-party requests, axe; a gate failed when it ran and has problems. Raises
    NotADirectoryError when site_dir is not a folder; never raises for a missing or failing
    tool (see the module docstring)."""
    root = Path(site_dir).resolve()
    if not root.is_dir():
        raise NotADirectoryError(f"{site_dir}: no built site here")
    pages = sorted(p for p in root.rglob("*") if p.suffix in (".html", ".htm") and p.is_file())
    sheets = sorted(p for p in root.rglob("*.css") if p.is_file())
    # vnu (a Java process) runs while the other gates do; Playwright's sync API stays here.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        vnu = pool.submit(_vnu_gate, root, pages, sheets)
        parsed = {path: _parse_file(path) for path in pages + sheets}
        links = _links_gate(root, parsed)
        third_party = _third_party_gate(root, parsed)
        axe = _axe_gate(root, pages, CHROMIUM)
        return [vnu.result(), links, third_party, axe]


def gates_report(results: Iterable[GateResult]) -> str:
    """One line per gate, "name  passed (note)", "name  FAILED (n problems)" or
    "name  skipped: reason", each problem indented beneath its gate."""
    results = list(results)
    width = max((len(r.name) for r in results), default=0)
    lines = []
    for r in results:
        if not r.ran:
            status = f"skipped: {r.note}"
        elif r.problems:
            n = len(r.problems)
            status = f"FAILED ({n} problem{'' if n == 1 else 's'})"
        else:
            status = f"passed ({r.note})" if r.note else "passed"
        lines.append(f"{r.name:<{width}}  {status}")
        lines += [f"    {p}" for p in r.problems]
    return "\n".join(lines)
