"""The content's files: which folders are offerings, and reading one file as its schema class.

The preview's cache (cache.py) keeps what these read while the files are the same: a file by
its stat and the watcher's events, a folder's entries by its listing.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from stat import S_ISDIR

from . import schema as S
from .cache import NO_CACHE, BuildCache, signature
from .convert import Invalid, Problems, convert
from .errors import ContentError, Problem
from .load import Node, display_path, load_yaml, outside, read_bytes


def read_file(path: Path, cls, out: Problems, cache: BuildCache = NO_CACHE):
    """Load one YAML file as `cls`; None (with problems recorded) when it cannot be read.

    The preview's cache keeps the result while the file is (events and stat: cache.py); a
    file read again whose bytes are unchanged is not parsed again. Bytes, not mtimes, when
    nobody says what changed, because two saves within one mtime tick must not be missed.
    """
    result, errors = cache.keep_file(("parsed", os.fspath(path), cls), path,
                                     lambda: _read_file(path, cls, out.root, cache))
    out.errors.extend(errors)
    return result


def _read_file(path: Path, cls, root: Path | None, cache: BuildCache) -> tuple:
    """(the file converted to `cls` or None, the problems of reading it)."""
    elsewhere = outside(path, root) if root is not None else None
    if elsewhere is not None:
        return None, [Problem(display_path(path), 0, "", "a symbolic link to a file outside "
                              f"the content folder ({elsewhere}); copy the file into the "
                              "content folder")]
    try:
        data = read_bytes(path)
    except ContentError as exc:
        return None, list(exc.problems)
    return cache.reuse(("file", os.fspath(path), cls), (data,),
                       lambda: _parse_file(path, data, cls, root))


def _parse_file(path: Path, data: bytes, cls, root: Path | None) -> tuple:
    """The file's bytes parsed and converted to `cls` (None when they cannot be), with the
    problems found on the way."""
    out = Problems(root)
    try:
        node = load_yaml(path, data)
    except ContentError as exc:
        return None, exc.problems
    if node.value is None:  # an empty file is an empty mapping
        node = Node({}, node.file, 1)
    try:
        result = convert(node, cls, "", out)
    except Invalid:
        return None, out.errors
    if out.translated:  # localize.py walks this file; files without a mapping it skips
        result = dataclasses.replace(result, where=dataclasses.replace(result.where,
                                                                        translated=True))
    return result, out.errors


def missing_file(path: Path, out: Problems):
    """Record that a required file is missing (saying what it holds); None, for its value."""
    what = {"site.yaml": "the site's title and settings", "course.yaml": "title, short and term",
            "lectures.yaml": "parts and lectures"}.get(path.name, "")
    out.error(display_path(path), 0, "", f"file missing; create it ({what}; see README: "
              "Content)" if what else "file missing; create it (see README: Content)")
    return None


def offering_folders(content_dir: Path, out: Problems,
                     cache: BuildCache = NO_CACHE) -> list[Path]:
    """Offering folders in name order; folders starting with '.' or '_' are drafts, skipped.
    The preview's cache keeps them while the content folder's listing is kept and no event
    named one of its entries (an entry's kind can change only by replacing it)."""
    names = cache.listing(content_dir)
    quiet = () if not cache.entries_named(content_dir) else (object(),)  # object(): never kept
    folders, problems = cache.keep_files(
        ("folders", os.fspath(content_dir)), (), (names, *quiet),
        lambda: _offering_folders(content_dir, names,
                                  tuple(signature(cache.stat(content_dir / n)) for n in names)))
    out.errors.extend(problems)
    return folders


def _offering_folders(content_dir: Path, names: tuple, stats: tuple) -> tuple[list, list]:
    """(the offering folders among `names`, the problems of those that cannot be one);
    `stats` are the entries' signatures (None: not there)."""
    folders, problems = [], []
    for name, info in zip(names, stats, strict=True):
        entry = content_dir / name
        if info is None or not S_ISDIR(info[4]) or name.startswith((".", "_")):
            continue
        elsewhere = outside(entry, content_dir)
        if elsewhere is not None:
            problems.append(Problem(display_path(entry), 0, "", "a symbolic link to a folder "
                                    f"outside the content folder ({elsewhere}); move the "
                                    "offering into the content folder"))
            continue
        if not S.SLUG.fullmatch(name):
            problems.append(Problem(display_path(entry), 0, "",
                                    "offering folder names become URLs: use lower-case "
                                    "letters, digits, '-' and '_' (e.g. ss26_amls)"))
            continue
        folders.append(entry)
    return folders, problems
