"""The build, read like a table of contents: load, validate, render, write.

Nothing is written until every file has been read, validated and rendered.
"""
from __future__ import annotations

import datetime as dt
import os
import zoneinfo
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from pathlib import Path

from .archive import Archive
from .cache import NO_CACHE, BuildCache
from .calendar import offering_feeds
from .errors import ContentError
from .history import History, change_records
from .load import display_path
from .model import Site, release_times
from .pages import offering_jobs, offering_templates, site_jobs
from .render import (
    collect_assets,
    collect_theme_assets,
    render_jobs,
    render_page,
    server_config,
)
from .schema import is_local
from .search import SearchIndex, search_files
from .templates import TemplateSet
from .text import local_iso
from .theme import THEME_ASSETS as THEME_ASSETS  # re-exported: the CI recipes' tests use it
from .theme import template_folders
from .upcoming import marks as moment_marks
from .validate import CheckResult as CheckResult  # re-exported, with the rest of a build's
from .validate import Project, fail_on_history_warnings, validate, warning_lines
from .validate import check as check
from .validate import summary as summary
from .validate import timed as timed
from .workers import map_in_workers, worth_splitting
from .write import WriteReport, write_site


@dataclass(frozen=True)
class BuildResult:
    """What one build produced: the validated site and every output file's bytes."""

    site: Site
    files: dict   # output path -> bytes
    history: History  # the change record of every offering, and notes on what it lacks

    @property
    def pages(self) -> int:
        return sum(1 for p in self.files if p.endswith(".html"))


def render_site(project: Project, strict: bool = False, cache: BuildCache = NO_CACHE,
                now: dt.datetime | None = None, search: bool = True,
                changed=None) -> BuildResult:
    """Validate and render the whole site into memory as of `now` (default: the clock; it
    decides which timed materials are released), with its search index unless `search` is
    False; raises ContentError, writes nothing. `changed`: the paths the preview's watcher
    saw change since the cache's last build (None: unknown, everything is looked at)."""
    cache.begin(changed)
    site = validate(project, strict, cache)
    moment = as_of(site, now)
    pending = {o.slug: pending_at(o, moment, cache) for o in site.offerings}
    history = change_records(site, project.content, cache)
    fail_on_history_warnings(history, strict)
    templates = environment(project, cache)
    job = Job(site, templates, pending, history.records, Archive.of(site, moment), moment)
    if cache is NO_CACHE and worth_splitting(site.offerings):
        templates.compile(offering_templates())
        files = {}
        for part in map_in_workers(_render_one, list(site.offerings), job):
            files.update(part)
    else:
        files = render_offerings(job, site.offerings, cache)
    files.update(site_pages(job, cache))
    files.update(published_assets(project, pending, cache))
    files.update(server_config())
    files.update(search_files(files) if search else {})
    if cache is NO_CACHE:  # in name order, as written; the preview serves them by path
        files = {path: files[path] for path in sorted(files)}
    return BuildResult(site, files, history)


NOTHING_PENDING = frozenset()


def pending_at(o, moment: dt.datetime, cache: BuildCache) -> frozenset:
    """URLs of the offering's materials whose release time is still ahead of `moment`
    (aware), from its release times kept while the offering is unchanged."""
    releases = cache.reuse(("releases", o.slug), (o,), lambda: release_times(o))
    if not releases:  # most offerings: the same object every build, found at once
        return NOTHING_PENDING
    return frozenset(url for url, when in releases if when > moment)


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
    templates: TemplateSet  # compiled once, before any worker starts; what each one uses
    pending: dict   # slug -> URLs of materials not released yet
    records: dict   # slug -> calendar.Record
    archive: Archive  # the courses and which of their terms runs at the build's moment
    moment: dt.datetime | None = None  # the build's moment: what the pages mark as next

    @property
    def env(self):
        """The Jinja environment the templates are compiled in."""
        return self.templates.env


def environment(project: Project, cache: BuildCache) -> TemplateSet:
    """The templates, kept by the preview's cache: a changed one alone is compiled again."""
    folders = template_folders(project.templates)
    templates = cache.reuse(("templates", tuple(folders)), (), lambda: TemplateSet(folders))
    templates.refresh()
    return templates


def render_offerings(job: Job, offerings, cache: BuildCache = NO_CACHE) -> dict:
    """Feeds and pages of the given offerings; an offering whose inputs are all unchanged
    since the cache made its files keeps them (one check for all of them: most offerings
    of a large site are unchanged by a save), and a template edit renders again only the
    pages whose template depends on it."""
    files = {}
    stamp = job.templates.stamp
    for o in (version for each in offerings for version in (each, *each.translations)):
        # a translation shares the default's materials and change record (its events' keys)
        pending, record = job.pending.get(o.slug, NOTHING_PENDING), job.records[o.slug]
        site = job.site.in_language(o.language)
        archive, marks = archive_view(job, o, cache), offering_marks(o, job.moment, cache)
        files.update(cache.reuse(("files", o.folder), (o, site.config, site.rooms, record,
                                                       pending, archive, marks, stamp),
                                 partial(offering_files, job, site, o, pending, record,
                                         archive, marks, cache)))
    return files


def offering_files(job: Job, site: Site, o, pending: frozenset, record, archive: dict, marks,
                   cache: BuildCache) -> dict:
    """One offering's feeds and pages (`site`: in the offering's language), each part kept
    while its own inputs are unchanged."""
    files = dict(cache.reuse(("feeds", o.folder), (o, site.config, site.rooms, record, pending),
                             partial(offering_feeds, site, o, record, pending)))
    jobs = cache.reuse(("jobs", o.folder),
                       (o, site.config, site.rooms, pending, record.changes, archive, marks),
                       partial(offering_jobs, site, o, pending, record.changes, archive, marks))
    files.update(render_pages(job, o.folder, jobs, cache))
    return files


def render_pages(job: Job, folder: str, jobs: dict, cache: BuildCache) -> dict:
    """The pages of `jobs` ({path: (template, context)}) of one offering's `folder` ('': the
    site's own); all kept while their contexts and the templates are the same, else each
    page kept while its context and the sources its template depends on are."""
    templates = job.templates
    if cache is NO_CACHE:
        return render_jobs(job.env, jobs)
    return cache.reuse(("pages", folder), (jobs, templates.stamp), lambda: {
        path: cache.reuse(("page", path), (context, templates.version(template)),
                          partial(render_page, job.env, template, context, path))
        for path, (template, context) in jobs.items()})


def offering_marks(o, moment: dt.datetime | None, cache: BuildCache):
    """What the offering's pages mark at the build's moment. They depend on the moment only
    through its wall-clock minute where the offering is held, so they are kept while that
    minute and the offering are the same (saves come many times a minute)."""
    if moment is None:
        return moment_marks(o, None)
    at = local_minute(o.timezone, minute_of(moment))
    return cache.reuse(("marks", o.folder), (o, at),
                       lambda: moment_marks(o, moment, None, at))


@lru_cache(maxsize=4)
def minute_of(moment: dt.datetime) -> dt.datetime:
    """The moment without its seconds (asked once per offering per build: remembered)."""
    return moment.replace(second=0, microsecond=0)


@lru_cache(maxsize=256)
def local_minute(timezone: str, minute: dt.datetime) -> str:
    """upcoming.local_now of a minute in a zone ('2026-05-20T10:00'); zone offsets are whole
    minutes, so one minute of the clock is one local minute anywhere."""
    local = minute.astimezone(zoneinfo.ZoneInfo(timezone))
    return local_iso(local.date(), dt.time(local.hour, local.minute))


def archive_view(job: Job, o, cache: BuildCache) -> dict:
    """Archive.for_offering, kept while the offerings of its course, their statuses and
    the site's settings are the same."""
    course = job.archive.by_course[o.course_id].offerings
    return cache.reuse(("archive", o.folder),
                       (o, course, tuple(job.archive.marks[x.slug] for x in course),
                        job.site.config, job.site.versions),
                       lambda: job.archive.for_offering(o))


def site_pages(job: Job, cache: BuildCache) -> dict:
    """The pages made once per site (the landing page), kept while the templates, the
    offerings, their statuses and the site's settings are the same."""
    # What the landing pages show of an offering: its course.yaml, folder, time zone and
    # the languages it is published in.
    shown = tuple((o.slug, o.course, o.timezone, o.versions) for o in job.site.offerings)
    jobs = cache.reuse("site jobs", (job.site.config, job.site.versions, shown,
                                     job.archive.marks),
                       lambda: site_jobs(job.site, job.archive))
    return render_pages(job, "", jobs, cache)


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
    """Render everything, then write it to `out` atomically. The search index is made by
    Pagefind in a process of its own while the other files are written."""
    check_output_folder(project, out)
    result = render_site(project, strict, now=now, search=False)
    with SearchIndex(result.files) as index:
        report = write_site(out, result.files, later=index.files)
        files = result.files | index.files()
    return replace(result, files={path: files[path] for path in sorted(files)}), report


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


def preview_build(project: Project, cache: BuildCache, now: dt.datetime | None = None,
                  changed=None) -> tuple[dict, str]:
    """The live preview's build: (files, its warnings as text, shown in the terminal and the
    page's overlay); raises ContentError. Notes are left out: that a folder outside git
    cannot track calendar changes is news for a build, not for every save. `changed` are
    the paths the watcher's events named (None: unknown)."""
    # Absolute folders, as the watcher spells the events' paths (links left as they are).
    project = Project(*(Path(os.path.abspath(p)) for p in
                        (project.content, project.templates, project.assets)))
    result = render_site(project, cache=cache, now=now, search=False,  # the preview stays fast
                         changed=changed)
    cache.finish()
    text = cache.reuse("warning lines", (result.site.warnings, tuple(result.history.warnings)),
                       lambda: "\n".join(warning_lines(result, notes=False)))
    return result.files, text
