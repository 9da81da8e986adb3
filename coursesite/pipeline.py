"""The build, read like a table of contents: load, validate, render, write.

Nothing is written until every file has been read, validated and rendered.
"""
from __future__ import annotations

import datetime as dt
import os
import time
import zoneinfo
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from .archive import Archive
from .cache import NO_CACHE, BuildCache
from .calendar import offering_feeds
from .errors import ContentError, Problem
from .history import History, change_records, repository_notes
from .load import display_path
from .model import Site, load_site, pending_releases
from .pages import offering_jobs, site_jobs
from .render import (
    collect_assets,
    collect_theme_assets,
    compile_templates,
    make_environment,
    render_jobs,
    server_config,
    templates_signature,
)
from .schema import is_local
from .search import search_files
from .theme import THEME_ASSETS as THEME_ASSETS  # re-exported: the CI recipes' tests use it
from .theme import default_assets, default_templates, template_folders
from .upcoming import marks as moment_marks
from .workers import map_in_workers, worth_splitting
from .write import WriteReport, write_site


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


@dataclass(frozen=True)
class BuildResult:
    """What one build produced: the validated site and every output file's bytes."""

    site: Site
    files: dict   # output path -> bytes
    history: History  # the change record of every offering, and notes on what it lacks

    @property
    def pages(self) -> int:
        return sum(1 for p in self.files if p.endswith(".html"))


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


def render_site(project: Project, strict: bool = False, cache: BuildCache = NO_CACHE,
                now: dt.datetime | None = None, search: bool = True) -> BuildResult:
    """Validate and render the whole site into memory as of `now` (default: the clock; it
    decides which timed materials are released), with its search index unless `search` is
    False; raises ContentError, writes nothing."""
    site = validate(project, strict, cache)
    moment = as_of(site, now)
    pending = {o.slug: pending_releases(o, moment) for o in site.offerings}
    history = change_records(site, project.content, cache)
    fail_on_history_warnings(history, strict)
    env = environment(project, cache)
    job = Job(site, env, pending, history.records, Archive.of(site, moment), moment)
    if cache is NO_CACHE and worth_splitting(site.offerings):
        files = {}
        for part in map_in_workers(_render_one, list(site.offerings), job):
            files.update(part)
    else:
        files = render_offerings(job, site.offerings, cache)
    files.update(render_jobs(env, site_jobs(site, job.archive)))
    files.update(published_assets(project, pending, cache))
    files.update(server_config())
    files.update(search_files(files) if search else {})
    return BuildResult(site, dict(sorted(files.items())), history)


def as_of(site: Site, now: dt.datetime | None) -> dt.datetime:
    """The build's moment, aware: the clock, or --now (local time of the site without offset)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=zoneinfo.ZoneInfo(site.config.timezone))
    return now


@dataclass(frozen=True)
class Job:
    """What rendering an offering needs, besides the offering itself."""

    site: Site
    env: object     # the Jinja environment: templates compiled once, before any worker starts
    pending: dict   # slug -> URLs of materials not released yet
    records: dict   # slug -> calendar.Record
    archive: Archive  # the courses and which of their terms runs at the build's moment
    moment: dt.datetime | None = None  # the build's moment: what the pages mark as next


def environment(project: Project, cache: BuildCache):
    """The Jinja environment, made anew when any template changes."""
    folders = template_folders(project.templates)
    return cache.reuse("templates", (templates_signature(folders),),
                       lambda: make_environment(folders))


def render_offerings(job: Job, offerings, cache: BuildCache = NO_CACHE) -> dict:
    """Feeds and pages of the given offerings; an offering whose inputs are all unchanged
    since the cache made its files keeps them."""
    env, files = job.env, {}
    for o in (version for each in offerings for version in (each, *each.translations)):
        # a translation shares the default's materials and change record (its events' keys)
        pending, record = job.pending.get(o.slug, frozenset()), job.records[o.slug]
        site = job.site.in_language(o.language)
        files.update(cache.reuse(("feeds", o.folder),
                                 (o, site.config, site.rooms, record, pending),
                                 partial(offering_feeds, site, o, record, pending)))
        archive, marks = job.archive.for_offering(o), moment_marks(o, job.moment)
        files.update(cache.reuse(("pages", o.folder),
                                 (env, o, site.config, site.rooms, pending, record.changes,
                                  archive, marks),
                                 partial(offering_pages, env, site, o, pending, record.changes,
                                         archive, marks)))
    return files


def offering_pages(env, site: Site, o, pending: frozenset, changes: tuple,
                   archive: dict, marks) -> dict:
    """The rendered pages of one offering, as the page table lists them."""
    return render_jobs(env, offering_jobs(site, o, pending, changes, archive, marks))


def published_assets(project: Project, pending: dict, cache: BuildCache) -> dict:
    """The files under assets/, but not those of materials still waiting for their release."""
    unreleased = {f"assets/{url}" for urls in pending.values() for url in urls if is_local(url)}
    files = {**collect_theme_assets(cache), **collect_assets(project.assets, cache)}
    return {path: data for path, data in files.items() if path not in unreleased}


def _render_one(job: Job, o) -> dict:
    """In a worker: the feeds and pages of one offering."""
    return render_offerings(job, [o])


def build(project: Project, out: Path, strict: bool = False,
          now: dt.datetime | None = None) -> tuple[BuildResult, WriteReport]:
    """Render everything, then write it to `out` atomically."""
    check_output_folder(project, out)
    result = render_site(project, strict, now=now)
    return result, write_site(out, result.files)


def check_output_folder(project: Project, out: Path) -> None:
    """Refuse an output folder inside the content folder (the next build would take it for an
    offering) or one that holds the content folder (replacing it would take the content)."""
    out = Path(os.path.realpath(out))  # real paths: a link must not hide where they are
    for name, folder in (("content", project.content), ("assets", project.assets)):
        folder = Path(os.path.realpath(folder))
        if out == folder or folder in out.parents:
            raise ContentError(f"output: {display_path(out)} is inside the {name} folder "
                               f"{display_path(folder)}; build elsewhere (the default is site/)")
        if out in folder.parents:
            raise ContentError(f"output: {display_path(out)} holds the {name} folder "
                               f"{display_path(folder)}; build into a folder of its own")


def warning_lines(result: BuildResult | CheckResult, notes: bool = True) -> list[str]:
    """What a successful build has to say: its warnings (fatal under --strict), then notes on
    what it could not do (never fatal), one line each."""
    return ([f"warning: {w}" for w in sorted(set(result.site.warnings))]
            + [f"warning: {w}" for w in result.history.warnings]
            + ([f"note: {n}" for n in result.history.notes] if notes else []))


def preview_build(project: Project, cache: BuildCache, now: dt.datetime | None = None
                  ) -> tuple[dict, str]:
    """The live preview's build: (files, its warnings as text, shown in the terminal and the
    page's overlay); raises ContentError. Notes are left out: that a folder outside git
    cannot track calendar changes is news for a build, not for every save."""
    result = render_site(project, cache=cache, now=now, search=False)  # the preview stays fast
    return result.files, "\n".join(warning_lines(result, notes=False))


def summary(result: BuildResult | CheckResult, seconds: float, out: Path | None = None) -> str:
    """The one-line report that ends a build."""
    n, w = len(result.site.offerings), len(result.site.warnings)
    written = (f"{result.pages} pages, {len(result.files)} files, "
               if isinstance(result, BuildResult) else "")
    text = f"{n} offering{'s' * (n != 1)}, {written}{w} warning{'s' * (w != 1)}, {seconds:.2f} s"
    return f"Built {text} -> {display_path(out)}/" if out else f"Checked: {text}"


def timed(fn, *args, **kwargs):
    """(result, seconds) of fn(*args, **kwargs)."""
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start
