"""Content outside git: one version of each offering, stamped with its files' time.

Without a history, every event is at SEQUENCE 0 and is stamped with SOURCE_DATE_EPOCH (the
reproducible-builds convention), else the newest modification time of the offering's files
and the shared ones (history.py explains the record; this is its fallback).
"""
from __future__ import annotations

import datetime as dt
import os
import stat
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import NO_CACHE, BuildCache, walk_tree
from .calendar import Version, replay
from .repository import SHARED_FILES, source_date_epoch

if TYPE_CHECKING:
    from .model import Site



def fallback_times(content_dir: Path, cache: BuildCache = NO_CACHE):
    """slug -> when its content was last edited, for content outside git: SOURCE_DATE_EPOCH,
    else the newest modification time of the offering's files and the shared ones
    (site.yaml, rooms.yaml), else now. Per offering, so that editing (or adding) one
    offering leaves the feeds of the others as they were; the preview keeps an offering's
    time while nothing in its folder changed (cache.keep_quiet)."""
    epoch = source_date_epoch()
    if epoch is not None:
        return lambda _slug: epoch
    root = os.fspath(content_dir)
    shared = newest_edit([os.path.join(root, name) for name in SHARED_FILES], cache)

    def when(slug: str) -> dt.datetime:
        folder = os.path.join(root, slug)
        return cache.keep_quiet(("edit time", folder), folder, (shared,), lambda: utc_second(
            max(newest_edit(yaml_paths(folder), cache), shared) or dt.datetime.now().timestamp()))
    return when


def yaml_paths(folder: str) -> list:
    """Every *.y*ml entry at any depth under `folder` (links to folders not followed)."""
    return [path for path in walk_tree(folder)[1]
            if fnmatchcase(os.path.basename(path), "*.y*ml")]


def newest_edit(paths: list, cache: BuildCache) -> float:
    """The newest modification time of the regular files among `paths`; 0.0 when there is
    none (a time of 0, an archive's files, says nothing either)."""
    return max((info.st_mtime for info in cache.stats(paths)
                if info is not None and stat.S_ISREG(info.st_mode)), default=0.0)


def utc_second(timestamp: float) -> dt.datetime:
    """The timestamp's whole second, as an aware UTC datetime."""
    return dt.datetime.fromtimestamp(int(timestamp), dt.timezone.utc)


def local_record(site: Site, o, when: dt.datetime, events: dict, cache: BuildCache):
    """The Record of content outside git: one version, its `events` (its snapshot as the
    content is now), stamped `when` (kept while the offering and that time are the same)."""
    return cache.reuse(("local record", o.slug), (o, site.config, site.rooms, when, o.labels),
                       lambda: replay([Version("local", when, events)], o.labels))
