"""One build cache: "reuse if these inputs are unchanged".

The live preview keeps a `BuildCache` between builds so that a save re-reads and re-renders
only what changed; a build without one (`NO_CACHE`) computes everything. Every stage asks the
same question the same way, `cache.reuse(key, inputs, make)`, and a build with a cache gives
the same bytes as one without: the tests build both ways and compare.

Files, folder listings and trees are kept by what the file system says about them: the
watcher's events name the paths that changed (`begin(changed)`). Those paths, and every path
under a folder an event named, are stat'ed again (modification time, size, inode); any other
path keeps the stat the builds last used, so that a save at 1,000 offerings costs a handful of
stats rather than 5,000. The safety net for editors that save by renaming and for events that
get lost is `unseen_changes()`, which the preview calls once it is idle after a build: it
stats every path the builds used and names those that differ, and the preview rebuilds with
them as the changed paths. A build that was told nothing (`changed` None: a caller without a
watcher) trusts no stat and re-reads everything, comparing bytes.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
_UNKNOWN = object()  # a path not stat'ed yet in this build


def walk_tree(root) -> tuple[list, list]:
    """(every folder, every path) under `root`, links to folders not followed: what
    `kept_tree` watches of a tree."""
    folders, paths = [], []
    for folder, dirs, files in os.walk(root):
        folders.append(folder)
        paths.extend(os.path.join(folder, name) for name in (*dirs, *files))
    return folders, paths


def stat_or_none(path: str) -> os.stat_result | None:
    """os.stat(path), None when it cannot be stat'ed (gone, or a name the system refuses)."""
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def parents(path: str) -> list:
    """The folders above `path`, nearest first ('/a/b/c' -> ['/a/b', '/a', '/'])."""
    found = []
    while (parent := os.path.dirname(path)) != path:
        found.append(parent)
        path = parent
    return found


def signature(info: os.stat_result | None) -> tuple | None:
    """What says a file is still the one read: its time, size, inode and type (None: gone)."""
    if info is None:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino, info.st_dev, info.st_mode)


class BuildCache:
    """Values by key, each kept with the inputs it was made from; files by their stat."""

    def __init__(self):
        self._entries: dict = {}
        self._files: dict = {}      # key -> (signature, value)
        self._trusted = False       # the current build was told which paths changed
        self._events: frozenset = frozenset()
        self._in_folder: dict = {}
        self._stats: dict = {}      # path -> stat_result or None, this build's
        self._seen: dict = {}       # path -> the stat builds last used (for the sweep)
        self._named: tuple = ()     # event paths + "/": what lies under them is stat'ed again
        self._loud: set = set()     # the event paths and every folder above one
        self._carried: frozenset = frozenset()  # the events of builds that did not finish

    def reuse(self, key, inputs: tuple, make: Callable[[], T]) -> T:
        """make()'s value for `key`: the remembered one while every input is unchanged since
        it was made (the same object, as the loader hands back for an unchanged file, or an
        equal one), else made anew and remembered."""
        hit = self._entries.get(key)
        if hit is not None and hit[0] == inputs:  # in C, each element by identity first
            return hit[1]
        value = make()
        self._entries[key] = (inputs, value)
        return value

    # --- files ---------------------------------------------------------------------------

    def begin(self, changed=None) -> None:
        """Start a build. `changed`: the paths the watcher saw change since the last build
        (absolute, as the project's folders are spelled), or None when nobody knows, which
        makes every file, listing and tree be read again."""
        self._stats = {}
        self._trusted = changed is not None
        # a build that failed may not have looked at all it was told: the next one does
        self._events = frozenset(os.fspath(p).rstrip("/") for p in changed or ()) | \
            self._carried
        self._carried = self._events
        self._named = tuple(event + "/" for event in self._events)
        self._in_folder = {}  # folder -> the events naming entries of it
        self._loud = set(self._events)  # the events and every folder above one
        for event in self._events:
            self._in_folder.setdefault(os.path.dirname(event), []).append(event)
            self._loud.update(parents(event))

    def finish(self) -> None:
        """The build that began last has looked at everything: its events are used up."""
        self._carried = frozenset()

    def stat(self, path) -> os.stat_result | None:
        """os.stat(path) (None when it cannot be stat'ed), once per path per build; in a build
        that trusts the events, the stat builds last used of a path that no event names,
        itself or a folder above it."""
        path = os.fspath(path)
        info = self._stats.get(path, _UNKNOWN)  # no KeyError raised: most paths are new
        if info is not _UNKNOWN:
            return info
        info = self._seen.get(path, _UNKNOWN) if self._trusted else _UNKNOWN
        if info is _UNKNOWN or path in self._events or path.startswith(self._named):
            info = stat_or_none(path)
        self._stats[path] = self._seen[path] = info
        return info

    def unseen_changes(self) -> set:
        """The paths whose stat now differs from the one the builds last used: edits no event
        reported (lost, or saved while a build was reading). Stats every path a build has
        used, which is why the preview calls it when idle rather than in each build."""
        return {path for path, info in self._seen.items()
                if signature(stat_or_none(path)) != signature(info)}

    def quiet(self, folder: str) -> bool:
        """Whether this build trusts the events and none of them names `folder`, anything in
        it or a folder above it: then nothing in it changed since the last build."""
        return self._trusted and folder not in self._loud and not folder.startswith(self._named)

    def keep_quiet(self, key, folder, inputs: tuple, make: Callable[[], T]) -> T:
        """make()'s value for what is read from `folder`: the remembered one while the folder
        is quiet and `inputs` are unchanged (as for `reuse`). The preview's check of an
        unchanged offering folder, in a dictionary lookup (its files are not even stat'ed:
        the sweep does that once the preview is idle)."""
        folder = os.fspath(folder)
        hit = self._entries.get(key)
        if hit is not None and hit[0] == inputs and self.quiet(folder):
            return hit[1]
        value = make()
        self._entries[key] = (inputs, value)
        return value

    def stats(self, paths) -> list:
        """[self.stat(p) for p in paths] (strings), in one loop: the preview asks for some
        five per offering on every save."""
        known, unknown = self._stats.get, _UNKNOWN
        return [info if (info := known(p, unknown)) is not unknown else self.stat(p)
                for p in paths]

    def entries_named(self, folder) -> bool:
        """Whether this build does not trust the events, or one named an entry of `folder`
        that is not a folder now (an entry replaced within one tick of the clock keeps the
        folder's stat). Watchdog names a folder as "modified" whenever a file in it is
        saved: that says nothing about the folder's own kind."""
        folder = os.fspath(folder)
        if not self._trusted:
            return True
        for event in self._in_folder.get(folder, ()):
            info = self.stat(event)
            if info is None or not stat.S_ISDIR(info.st_mode):
                return True
        return False

    def touched(self, path: str) -> bool:
        """Whether an event named the path itself. An event naming a folder above it says
        nothing more than the path's stat does: a folder renamed or removed leaves no file
        at the path (or another one, with another inode), and a folder's "modified" only
        says that its entries changed, which listings notice by the folder's stat."""
        return path in self._events

    def keep_file(self, key, path, make: Callable[[], T]) -> T:
        """make()'s value for the file at `path`: the remembered one while this build trusts
        the events, none named the file and its stat is the same as when it was read."""
        path = os.fspath(path)
        now = signature(self.stat(path))
        hit = self._files.get(key)
        if hit is not None and self._trusted and hit[0] == now and now is not None \
                and not self.touched(path):
            return hit[1]
        value = make()
        self._files[key] = (now, value)  # the stat before reading: a later write is seen
        return value

    def keep_files(self, key, files: tuple, inputs: tuple, make: Callable[[], T]) -> T:
        """make()'s value for `files` (path strings): the remembered one while this build trusts
        the events, none named one of the files, `inputs` are the very same objects, and
        each file has the stat it had when the value was made. One check for a whole
        offering folder, instead of one per file and stage."""
        stats = tuple([signature(info) for info in self.stats(files)])
        hit = self._files.get(key)
        if hit is not None and self._trusted and hit[0] == stats and len(hit[1]) == len(
                inputs) and all(a is b for a, b in zip(hit[1], inputs)) and (  # noqa: B905
                not self._events or self._events.isdisjoint(files)):
            return hit[2]
        value = make()
        self._files[key] = (stats, inputs, value)
        return value

    def listing(self, folder) -> tuple:
        """The sorted names in `folder` (() when it cannot be listed): the remembered ones
        while the folder's stat is the same (adding, removing or renaming an entry changes
        its time) and every event naming an entry of it names one it had that still exists
        (an edited file leaves the listing as it was)."""
        folder = os.fspath(folder)
        now = signature(self.stat(folder))
        hit = self._files.get(("listing", folder))
        if hit is not None and self._trusted and hit[0] == now and now is not None and all(
                os.path.basename(e) in hit[2] and self.stat(e) is not None
                for e in self._in_folder.get(folder, ())):
            return hit[1]
        try:
            names = tuple(sorted(os.listdir(folder)))
        except OSError:
            names = ()
        self._files[("listing", folder)] = (now, names, frozenset(names))
        return names

    def kept_tree(self, key, root, make: Callable[[], tuple]):
        """The first part of make()'s (value, folders, paths) for the tree under `root`: the
        remembered value while every folder of the tree has the same stat and each event
        under `root` names one of the tree's `paths` that still exists (an edit of a known
        file leaves the tree as it was)."""
        root = os.fspath(root)
        hit = self._files.get(("tree", key, root))
        if hit is not None and self._trusted and self._tree_unchanged(root, *hit[1:]):
            return hit[0]
        value, folders, paths = make()
        folders = {os.fspath(f): signature(self.stat(f)) for f in folders}
        self._files[("tree", key, root)] = (value, folders, frozenset(map(os.fspath, paths)))
        return value

    def _tree_unchanged(self, root: str, folders: dict, paths: frozenset) -> bool:
        for event in self._events:
            if (event == root or event.startswith(root + "/")) and (
                    (event not in paths and event not in folders) or self.stat(event) is None):
                return False
        return all(signature(self.stat(f)) == sig for f, sig in folders.items())


class _NoCache(BuildCache):
    """The cache of a one-off build: remembers nothing, so `reuse` always makes."""

    def begin(self, changed=None) -> None:
        pass  # shared by every one-off build (and their workers): holds no state

    def reuse(self, _key, _inputs: tuple, make: Callable[[], T]) -> T:
        return make()

    def stat(self, path) -> os.stat_result | None:
        return stat_or_none(path)  # nothing remembered: a later build sees the file as it is

    def stats(self, paths) -> list:
        return [self.stat(p) for p in paths]

    def keep_file(self, _key, _path, make: Callable[[], T]) -> T:
        return make()

    def keep_files(self, _key, _files, _inputs, make: Callable[[], T]) -> T:
        return make()

    def keep_quiet(self, _key, _folder, _inputs, make: Callable[[], T]) -> T:
        return make()

    def listing(self, folder) -> tuple:
        try:
            return tuple(sorted(os.listdir(folder)))
        except OSError:
            return ()

    def kept_tree(self, _key, _root, make: Callable[[], tuple]):
        return make()[0]


NO_CACHE = _NoCache()
