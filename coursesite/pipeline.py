"""The build, read like a table of contents: load, validate, render, write.

Nothing is written until every file has been read, validated and rendered.
"""
from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from .errors import ContentError, Problem
from .load import display_path
from .model import Site, load_site
from .render import collect_assets, render_pages, server_config
from .write import WriteReport, write_site

PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Project:
    """Where content, templates and assets live."""

    content: Path
    templates: Path = PROJECT_DIR / "templates"
    assets: Path = PROJECT_DIR / "assets"


@dataclass(frozen=True)
class BuildResult:
    """What one build produced: the validated site and every output file's bytes."""

    site: Site
    files: dict  # output path -> bytes

    @property
    def pages(self) -> int:
        return sum(1 for p in self.files if p.endswith(".html"))


@dataclass
class BuildCache:
    """What one process (the live preview) remembers between builds so that a save re-reads
    and re-renders only what changed. A build with a cache gives the same bytes as without."""

    content: dict = field(default_factory=dict)
    pages: dict = field(default_factory=dict)
    assets: dict = field(default_factory=dict)


def validate(project: Project, strict: bool = False, cache: BuildCache | None = None) -> Site:
    """Load and validate content; under `strict`, warnings are problems too."""
    site = load_site(project.content, project.assets, cache.content if cache else None)
    if strict and site.warnings:
        raise ContentError([Problem(w.file, w.line, w.path, f"{w.message} [warning, fatal "
                                    "under --strict]") for w in site.warnings])
    return site


def render_site(project: Project, strict: bool = False,
                cache: BuildCache | None = None) -> BuildResult:
    """Validate and render the whole site into memory; raises ContentError, writes nothing."""
    site = validate(project, strict, cache)
    files: dict[str, bytes] = {}
    files.update(render_templates(site, project, cache.pages if cache else None))
    files.update(collect_assets(project.assets, cache.assets if cache else None))
    files.update(server_config())
    return BuildResult(site, files)


def render_templates(site: Site, project: Project, cache: dict | None = None) -> dict:
    """HTML pages; a broken template is the maintainer's to fix, so it is a ContentError."""
    try:
        return render_pages(site, project.templates, cache)
    except jinja2.TemplateSyntaxError as exc:
        where = display_path(Path(exc.filename)) if exc.filename else f"templates/{exc.name}"
        raise ContentError([Problem(where, exc.lineno or 0, "", f"template syntax: {exc.message}")]) from None
    except jinja2.TemplateNotFound as exc:
        raise ContentError([Problem(display_path(project.templates), 0, "",
                                    f"template not found: {exc.name}")]) from None
    except jinja2.UndefinedError as exc:
        file, line = _template_frame(exc)
        raise ContentError([Problem(file, line, "", f"template uses an undefined value: "
                                    f"{exc.message}")]) from None


def _template_frame(exc: BaseException) -> tuple[str, int]:
    """The innermost template file and line of a rendering error (Jinja maps its frames)."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".html", ".ics", ".xml", ".txt")):
            return display_path(Path(frame.filename)), frame.lineno or 0
    return "templates", 0


def build(project: Project, out: Path, strict: bool = False) -> tuple[BuildResult, WriteReport]:
    """Render everything, then write it to `out` atomically."""
    result = render_site(project, strict)
    return result, write_site(out, result.files)


def summary(result: BuildResult, seconds: float, out: Path | None = None) -> str:
    """The one-line report that ends a build."""
    n, w = len(result.site.offerings), len(result.site.warnings)
    text = (f"{n} offering{'s' * (n != 1)}, {result.pages} pages, {len(result.files)} files, "
            f"{w} warning{'s' * (w != 1)}, {seconds:.2f} s")
    return f"Built {text} -> {display_path(out)}/" if out else f"Checked: {text}"


def timed(fn, *args, **kwargs):
    """(result, seconds) of fn(*args, **kwargs)."""
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start
