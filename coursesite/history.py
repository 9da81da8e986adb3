"""The calendar's change record, derived from the content's git history.

Calendar apps replace an event only when its SEQUENCE rises, and the news names each schedule
change once, dated when it was made. Both come from replaying an offering's versions in order
(`calendar.replay`):

- every commit on the first-parent line of HEAD that touched the content folder, at its
  commit time: that line is what CI built and deployed, so a CI build of a commit nobody built
  locally gets exactly the SEQUENCE values of a local build;
- then the working tree, when its events differ from HEAD's: an uncommitted edit, dated by the
  newest modification time of the offering's changed files. Undone before it is committed, it
  leaves no trace, because nothing of it was ever recorded.

A past version is read with today's loader. One that does not validate (written for an older,
laxer coursesite, or a typo fixed in the next commit) may still have been deployed, so it
counts as unknown: every event's SEQUENCE rises for it and again at the next readable version,
so SEQUENCE can only err upwards. What one version's events are depends only on the content's
blobs and coursesite's code, so it is cached under the git folder
(`.git/coursesite/history.json`); the cache only saves time, deleting it changes nothing.

What git history cannot protect: a rewritten history (force-push, squash) loses the versions
it drops, so do not rewrite the history of deployed content; and `deploy` refuses an
uncommitted edit, whose SEQUENCE and news would change once it is committed.

Content outside git has one version: its events all at SEQUENCE 0, stamped with
SOURCE_DATE_EPOCH or the newest file time, and a note says that changes cannot be tracked.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import schema as S
from .cache import NO_CACHE, BuildCache
from .calendar import Version, replay, snapshot
from .errors import ContentError
from .load import display_path
from .model import Site, load_site
from .repository import (
    GIT,
    SHARED_FILES,
    History,
    Repository,
    git_repository,
    repository_notes,
)
from .untracked import fallback_times, local_record
from .workers import map_in_workers, worth_splitting

# Raise when what a snapshot holds changes (Item.significant, labels): old cache entries
# then no longer apply. The holidays data version is part of the key too (exdates).
CACHE_FORMAT = 1
def change_records(site: Site, content_dir: Path, cache: BuildCache = NO_CACHE) -> History:
    """Every offering's Record: its committed versions, then the working tree's. The preview's
    cache keeps the committed versions while HEAD stays the same commit, so a save replays
    only the working tree."""
    content_dir = Path(content_dir)
    repo = git_repository(content_dir)
    history = repository_notes(content_dir, repo)
    snapshots = current_snapshots(site, cache)
    if repo is None:
        when = fallback_times(content_dir, cache)
        for o in site.offerings:
            history.records[o.slug] = local_record(site, o, when(o.slug), snapshots[o.slug],
                                                   cache)
        return history
    committed = cache.reuse("history", (repo.top, repo.head), lambda: committed_versions(repo))
    dirty = None
    for o in site.offerings:
        versions = list(committed.get(o.slug, []))
        current = snapshots[o.slug]
        if not versions or versions[-1].events != current:
            if dirty is None:
                dirty = repo.dirty_files()
            mine = repo.own_changes(o.slug, dirty)
            if not mine:
                history.warnings.append(
                    f"{display_path(content_dir / o.slug)}: its events differ from the "
                    "committed content although git shows no change (a symbolic link, a "
                    "submodule or an ignored file?), so calendar changes cannot be tracked; "
                    "commit the offering's files themselves")
            history.uncommitted.append(o.slug)
            versions.append(Version(worktree_id(current), repo.edit_time(mine),
                                    current))
        history.records[o.slug] = record_of(o, versions, cache)
    return history


def record_of(o, versions: list, cache: BuildCache):
    """The offering's Record after its versions (kept while they are the same)."""
    return cache.reuse(("record", o.slug), (tuple(versions), o.labels),
                       lambda: replay(versions, o.labels))


def worktree_id(events: dict) -> str:
    """A stable id for an uncommitted version (news entry ids derive from it)."""
    text = json.dumps(events, sort_keys=True, ensure_ascii=False)
    return "worktree-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def current_snapshots(site: Site, cache: BuildCache) -> dict:
    """slug -> the offering's calendar snapshot as the content is now (each kept while its
    inputs are); a large cold build computes them in workers (every offering's events: most
    of the change record's time when its history is at hand)."""
    if cache is NO_CACHE and worth_splitting(site.offerings):
        offerings = list(site.offerings)
        return dict(zip([o.slug for o in offerings],
                        map_in_workers(snapshot, offerings, site), strict=True))
    return {o.slug: cache.reuse(("snapshot", o.slug), (o, site.config, site.rooms),
                                functools.partial(snapshot, site, o))
            for o in site.offerings}


@dataclass(frozen=True)
class Commit:
    id: str
    when: dt.datetime
    changes: tuple    # (path relative to the content folder, blob id or None if deleted)


def content_commits(repo: Repository) -> list[Commit]:
    """The commits of HEAD's first-parent line that changed the content, oldest first, with
    the files each changed (a merge: what it changed relative to its first parent)."""
    # -z: paths come unquoted whatever they hold; --literal-pathspecs: a folder named 'c*'
    # names itself only.
    out = repo.git("--literal-pathspecs", "log", "--first-parent", "--reverse", "--raw", "-z",
                   "--no-abbrev", "--no-renames", "--format=%x01%H %ct", "HEAD", "--",
                   repo.prefix or ".")
    commits = []
    for block in out.decode("utf-8", "surrogateescape").split("\x01")[1:]:
        head, _, rest = block.partition("\0")
        sha, seconds = head.split()
        fields = [f for f in rest.split("\0") if f.strip("\n")]
        changes = []
        for meta, path in zip(fields[0::2], fields[1::2], strict=False):
            meta = meta.lstrip("\n")
            if not meta.startswith(":"):
                continue
            blob, status = meta.split()[3], meta.split()[4]
            changes.append((path.removeprefix(repo.prefix),
                            None if status.startswith("D") else blob))
        commits.append(Commit(sha, dt.datetime.fromtimestamp(int(seconds), dt.timezone.utc),
                              tuple(changes)))
    return commits


def content_files(rel: str) -> bool:
    """The files a calendar depends on: site.yaml, rooms.yaml, an offering's YAML files."""
    parts = rel.split("/")
    return rel in SHARED_FILES or (len(parts) == 2 and parts[1] in S.OFFERING_FILES
                                   and not parts[0].startswith(("_", ".")))


def committed_versions(repo: Repository) -> dict[str, list[Version]]:
    """slug -> its committed Versions, oldest first (unreadable ones marked unknown)."""
    cache = SnapshotCache(repo.git_dir / "coursesite" / "history.json")
    files: dict[str, str] = {}          # path -> blob id, as of the commit being replayed
    versions: dict[str, list[Version]] = {}
    blobs = BlobReader(repo)
    try:
        for commit in content_commits(repo):
            touched = set()
            for rel, blob in commit.changes:
                if not content_files(rel):
                    continue
                touched.add(rel)
                if blob is None:
                    files.pop(rel, None)
                else:
                    files[rel] = blob
            slugs = {rel.split("/")[0] for rel in files if "/" in rel}
            if touched & set(SHARED_FILES):
                changed = slugs
            else:
                changed = {rel.split("/")[0] for rel in touched if "/" in rel}
            for slug in sorted(changed | (set(versions) - slugs)):
                events = offering_events(slug, files, blobs, cache) if slug in slugs else {}
                past = versions.setdefault(slug, [])
                if events is None:  # today's coursesite cannot read it: count it unknown
                    past.append(Version(commit.id, commit.when, {}, unknown=True))
                    continue
                if not past and not events:
                    continue
                if not past or past[-1].unknown or past[-1].events != events:
                    past.append(Version(commit.id, commit.when, events))
    finally:
        blobs.close()
        cache.save()
    return versions


def offering_events(slug: str, files: dict, blobs: "BlobReader",
                    cache: "SnapshotCache") -> dict | None:
    """The events of one offering in one commit's files; None when it does not validate."""
    mine = {rel: files[rel] for rel in Repository.own_changes(slug, list(files))}
    key = hashlib.sha256(json.dumps(sorted(mine.items())).encode()).hexdigest()
    if key in cache.entries:
        return cache.entries[key]
    with tempfile.TemporaryDirectory(prefix="coursesite-history-") as tmp:
        for rel, blob in mine.items():
            path = Path(tmp) / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(blobs.read(blob))
        try:
            site = load_site(Path(tmp), None)
            offering = next(o for o in site.offerings if o.slug == slug)
            events = snapshot(site, offering)
        except (ContentError, StopIteration):
            events = None
    cache.put(key, events)
    return events


class BlobReader:
    """File contents by blob id, through one `git cat-file --batch` process."""

    def __init__(self, repo: Repository):
        self.repo = repo
        self.proc = None

    def read(self, blob: str) -> bytes:
        if self.proc is None:
            self.proc = subprocess.Popen([*GIT, "-C", str(self.repo.top), "cat-file",
                                          "--batch"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE)
        self.proc.stdin.write(blob.encode() + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if len(header) != 3:
            raise ContentError(f"{self.repo.content_dir}: git cannot read object {blob}")
        data = self.proc.stdout.read(int(header[2]))
        self.proc.stdout.read(1)  # the newline after each object
        return data

    def close(self) -> None:
        if self.proc is not None:
            self.proc.stdin.close()
            self.proc.wait()


class SnapshotCache:
    """Events per set of blobs, kept between builds in the git folder (never committed)."""

    def __init__(self, path: Path):
        self.path = path
        self.tag = f"{CACHE_FORMAT}/{holidays_version()}/{code_version()}"
        self.entries: dict = {}
        self.dirty = False
        try:
            data = json.loads(path.read_text("utf-8"))
            if isinstance(data, dict) and data.get("tag") == self.tag:
                self.entries = data.get("entries", {})
        except (OSError, ValueError, RecursionError):
            pass  # no cache, or a damaged one: rebuilt from git

    def put(self, key: str, events: dict | None) -> None:
        self.entries[key] = events
        self.dirty = True

    def save(self) -> None:
        """Best effort: a read-only git folder only costs time on the next build."""
        if not self.dirty:
            return
        try:
            self.path.parent.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".history.")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"tag": self.tag, "entries": self.entries}, fh)
            os.replace(tmp, self.path)
        except OSError:
            pass


@functools.cache
def code_version() -> str:
    """A hash of coursesite's own code and word catalogues: what a snapshot holds depends on
    them (labels and summaries, which fields are significant), so an upgraded coursesite never
    reuses an older one's."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for path in sorted([*here.glob("*.py"), *here.glob("locale/*.yaml")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def holidays_version() -> str:
    import holidays  # noqa: PLC0415 - model.py has imported it already

    return getattr(holidays, "__version__", "?")
