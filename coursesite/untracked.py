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
    offering leaves the feeds of the others as they were."""
    epoch = source_date_epoch()
    if epoch is not None:
        return lambda _slug: epoch
    found = cache.kept_tree("yaml", content_dir, lambda: yaml_files(content_dir))
    stats = cache.stats([p for _, p in found])
    # the preview's unchanged files keep their very stat objects: found at once
    times = cache.reuse("edit times", (found, *stats), lambda: edit_times(found, stats))

    def when(slug: str) -> dt.datetime:
        return times.get(slug) or times.get("") or utc_second(dt.datetime.now().timestamp())
    return when


def edit_times(found: tuple, stats: list) -> dict:
    """Top-level name -> the newest modification time of the regular files among `found`
    ((top-level name, path), with their `stats`) under it and of the shared files; '' -> the
    shared files' alone (each absent where there is no such time)."""
    newest: dict[str, float] = {}
    for (top, _path), info in zip(found, stats, strict=True):
        if info is not None and stat.S_ISREG(info.st_mode):
            newest[top] = max(newest.get(top, 0.0), info.st_mtime)
    shared = max((newest.get(name, 0.0) for name in SHARED_FILES), default=0.0)
    times = {top: utc_second(max(moment, shared)) for top, moment in newest.items()
             if max(moment, shared)}  # a time of 0 (an archive's files) says nothing
    if shared:
        times[""] = utc_second(shared)
    return times


def utc_second(timestamp: float) -> dt.datetime:
    """The timestamp's whole second, as an aware UTC datetime."""
    return dt.datetime.fromtimestamp(int(timestamp), dt.timezone.utc)


def yaml_files(content_dir: Path) -> tuple:
    """((top-level name, path) of every *.y*ml entry at any depth, as rglob finds them;
    the tree's folders; its paths), for `BuildCache.kept_tree`."""
    root = os.fspath(content_dir)
    folders, paths = walk_tree(root)
    found = tuple((os.path.relpath(path, root).split(os.sep)[0], path) for path in paths
                  if fnmatchcase(os.path.basename(path), "*.y*ml"))
    return found, folders, paths


def local_record(site: Site, o, when: dt.datetime, events: dict, cache: BuildCache):
    """The Record of content outside git: one version, its `events` (its snapshot as the
    content is now), stamped `when` (kept while the offering and that time are the same)."""
    return cache.reuse(("local record", o.slug), (o, site.config, site.rooms, when, o.labels),
                       lambda: replay([Version("local", when, events)], o.labels))
