"""The build, read like a table of contents: load, validate, render, write.

Nothing is written until every file has been read, validated and rendered.
"""
from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import time
import traceback
import zoneinfo
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import jinja2

from .errors import ContentError, Problem
from .load import display_path
from .model import Site, is_local, load_site, pending_releases
from .calendar import offering_feeds
from .history import History, change_records
from .render import (collect_assets, landing_job, make_environment, render_jobs, render_pages,
                     server_config)
from .write import WriteReport, write_site

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The files of assets/ that belong to the tool (the templates link them), not to a course.
THEME_ASSETS = ("style.css", "coursesite.js")


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
    files: dict   # output path -> bytes
    history: History  # the change record of every offering, and notes on what it lacks

    @property
    def pages(self) -> int:
        return sum(1 for p in self.files if p.endswith(".html"))


@dataclass
class BuildCache:
    """What one process (the live preview) remembers between builds so that a save re-reads
    and re-renders only what changed. A build with a cache gives the same bytes as without."""

    content: dict = field(default_factory=dict)
    pages: dict = field(default_factory=dict)
    feeds: dict = field(default_factory=dict)
    assets: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)


def validate(project: Project, strict: bool = False, cache: BuildCache | None = None) -> Site:
    """Load and validate content; under `strict`, warnings are problems too."""
    site = load_site(project.content, project.assets, cache.content if cache else None)
    if strict and site.warnings:
        raise ContentError([Problem(w.file, w.line, w.path, f"{w.message} [warning, fatal "
                                    "under --strict]") for w in site.warnings])
    return site


def render_site(project: Project, strict: bool = False, cache: BuildCache | None = None,
                now: dt.datetime | None = None) -> BuildResult:
    """Validate and render the whole site into memory as of `now` (default: the clock; it
    decides which timed materials are released); raises ContentError, writes nothing."""
    site = validate(project, strict, cache)
    now = now or dt.datetime.now(dt.timezone.utc)
    if now.tzinfo is None:  # a --now without offset is local time of the site
        now = now.replace(tzinfo=zoneinfo.ZoneInfo(site.config.timezone))
    pending = {o.slug: pending_releases(o, now) for o in site.offerings}
    history = site_history(site, project, cache)
    if strict and history.warnings:
        raise ContentError([Problem(w, 0, "", "[warning, fatal under --strict]")
                            for w in history.warnings])
    records = history.records
    if cache is None and len(site.offerings) >= PARALLEL_FROM and _workers() > 1:
        files = render_in_parallel(site, project, pending, records)
    else:
        files = render_feeds(site, cache.feeds if cache else None, pending, records)
        files.update(render_templates(site, project, cache.pages if cache else None, pending,
                                      records))
    unreleased = {f"assets/{url}" for urls in pending.values() for url in urls if is_local(url)}
    assets = collect_assets(project.assets, cache.assets if cache else None)
    files.update({path: data for path, data in assets.items() if path not in unreleased})
    files.update(server_config())
    return BuildResult(site, dict(sorted(files.items())), history)


def site_history(site: Site, project: Project, cache: BuildCache | None) -> History:
    """The change record (history.py). The preview keeps the committed versions while HEAD
    stays the same commit, so a save replays no git history, only the working tree."""
    return change_records(site, project.content, cache.history if cache else None)


# Offerings render independently; a department's worth is split over the machine's cores.
# Below this many offerings, starting processes costs more than it saves.
PARALLEL_FROM = 16
_JOB: tuple = ()  # (site, project, pending), inherited by forked workers, never pickled


def _workers() -> int:
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1, 8)


def render_in_parallel(site: Site, project: Project, pending: dict, records: dict) -> dict:
    """Feeds and pages of all offerings, rendered in forked workers: same bytes as
    rendering them one after another (every renderer is pure)."""
    global _JOB
    slugs = [o.slug for o in site.offerings]
    n = _workers()
    _JOB = (site, project, pending, records)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(n, mp_context=context) as pool:
            parts = list(pool.map(_render_chunk, [slugs[i::n] for i in range(n)]))
    finally:
        _JOB = ()
    files = render_templates(site, project, landing_only=True)
    for chunk_files in parts:
        files.update(chunk_files)
    return files


def _render_chunk(slugs: list[str]) -> dict:
    site, project, pending, records = _JOB
    wanted = set(slugs)
    part = replace(site, offerings=tuple(o for o in site.offerings if o.slug in wanted))
    files = render_feeds(part, None, pending, records)
    files.update(render_templates(part, project, None, pending, records, landing=False))
    return files


def render_feeds(site: Site, cache: dict | None, pending: dict, records: dict) -> dict:
    """Every offering's calendar feeds; with a cache (the preview's), an offering whose inputs
    are unchanged keeps its feeds."""
    files = {}
    for o in site.offerings:
        waiting = pending.get(o.slug, frozenset())
        inputs = (o, site.config, site.rooms, records[o.slug], waiting)
        hit = cache.get(o.slug) if cache is not None else None
        if hit and hit[0][0] is o and hit[0][1] is site.config and hit[0][2:] == inputs[2:]:
            feeds = hit[1]
        else:
            feeds = offering_feeds(site, o, records[o.slug], waiting)
            if cache is not None:
                cache[o.slug] = (inputs, feeds)
        files.update(feeds)
    return files


def render_templates(site: Site, project: Project, cache: dict | None = None,
                     pending: dict | None = None, records: dict | None = None,
                     landing: bool = True, landing_only: bool = False) -> dict:
    """HTML pages; a broken template is the maintainer's to fix, so it is a ContentError."""
    try:
        if landing_only:
            return render_jobs(make_environment(project.templates), landing_job(site))
        return render_pages(site, project.templates, cache, pending, records, landing)
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


def build(project: Project, out: Path, strict: bool = False,
          now: dt.datetime | None = None) -> tuple[BuildResult, WriteReport]:
    """Render everything, then write it to `out` atomically."""
    check_output_folder(project, out)
    result = render_site(project, strict, now=now)
    return result, write_site(out, result.files)


def check_output_folder(project: Project, out: Path) -> None:
    """Refuse an output folder inside the content folder (the next build would take it for an
    offering) or one that holds the content folder (replacing it would take the content)."""
    out, content = Path(os.path.abspath(out)), Path(os.path.abspath(project.content))
    if out == content or content in out.parents:
        raise ContentError(f"output: {display_path(out)} is inside the content folder "
                           f"{display_path(content)}; build elsewhere (the default is site/)")
    if out in content.parents:
        raise ContentError(f"output: {display_path(out)} holds the content folder "
                           f"{display_path(content)}; build into a folder of its own")


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
