"""What `check` does, and the parts of a build it shares: where the content is (`Project`),
validation, and the lines that report the outcome. Apart from pipeline.py, so that `check`
imports no renderer of pages, feeds or search index (a quick check is the editing loop's).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from .cache import NO_CACHE, BuildCache
from .errors import ContentError, Problem
from .load import display_path
from .model import Site, load_site
from .render import compile_templates, make_environment
from .repository import History, repository_notes
from .theme import default_assets, default_templates, template_folders


@dataclass(frozen=True)
class Project:
    """Where content, templates and assets live: `templates` and `assets` are the site's own,
    laid over the default theme file by file (theme.py); either may be missing."""

    content: Path
    templates: Path = default_templates()
    assets: Path = default_assets()


@dataclass(frozen=True)
class CheckResult:
    """What `check` found in valid content: the site, and what its change record will lack."""

    site: Site
    history: History  # notes and warnings only: check replays no history


def validate(project: Project, strict: bool = False, cache: BuildCache = NO_CACHE) -> Site:
    """Load and validate content; under `strict`, warnings are problems too."""
    site = load_site(project.content, project.assets, cache)
    if strict and site.warnings:
        raise ContentError([Problem(w.file, w.line, w.path, f"{w.message} [warning, fatal "
                                    "under --strict]") for w in site.warnings])
    return site


def check(project: Project, strict: bool = False) -> CheckResult:
    """`check`: validate the content, compile every template (a syntax error names its
    file:line) and say what the change record will lack; renders and writes nothing, and
    replays no history (that is the build's: its warnings show on `build` and `check --gates`).
    Raises ContentError."""
    site = validate(project, strict)
    history = repository_notes(project.content)
    fail_on_history_warnings(history, strict)
    compile_templates(make_environment(template_folders(project.templates)))
    return CheckResult(site, history)


def fail_on_history_warnings(history: History, strict: bool) -> None:
    """Under `strict`, the change record's warnings (a shallow clone, ...) are problems."""
    if strict and history.warnings:
        raise ContentError([Problem(w, 0, "", "[warning, fatal under --strict]")
                            for w in history.warnings])


def warning_lines(result, notes: bool = True) -> list[str]:
    """What a successful build has to say: its warnings (fatal under --strict), then notes on
    what it could not do (never fatal), one line each; `result` is a BuildResult or a
    CheckResult."""
    return ([f"warning: {w}" for w in sorted(set(result.site.warnings))]
            + [f"warning: {w}" for w in result.history.warnings]
            + ([f"note: {n}" for n in result.history.notes] if notes else []))


def summary(result, seconds: float, out: Path | None = None) -> str:
    """The one-line report that ends a build (a BuildResult) or a check (CheckResult)."""
    n, w = len(result.site.offerings), len(result.site.warnings)
    written = ("" if isinstance(result, CheckResult)
               else f"{result.pages} pages, {len(result.files)} files, ")
    text = f"{n} offering{'s' * (n != 1)}, {written}{w} warning{'s' * (w != 1)}, {seconds:.2f} s"
    return f"Built {text} -> {display_path(out)}/" if out else f"Checked: {text}"


def timed(fn, *args, **kwargs):
    """(result, seconds) of fn(*args, **kwargs)."""
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start
