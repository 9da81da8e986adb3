"""Publish a built site to university webspace with rsync (over SSH, or to a local path).

Everything a deploy learns about the target comes through rsync itself (a `--list-only`
listing, and files fetched into a temporary folder), so a target works wherever rsync does;
no shell commands run on it.

Guarantees:
- a maintainer's file is never overwritten: a file already on the target at one of the site's
  paths is replaced only when an earlier deploy of ours recorded it, when it is byte-identical
  to ours, or when the maintainer asks for it (`adopt=True`, `--adopt`); otherwise nothing at
  all is changed and the error names every such file;
- a maintainer's file is never deleted: the target's `.coursesite-deployed` records, for every
  file a deploy put there, the SHA-256 it uploaded (`sha256sum -c` reads it). A file is deleted
  only when that record lists it, its path is a plain relative path, and its content on the
  target still has the recorded checksum; a file edited by hand since is kept, with a warning;
- the record is written last, after the uploads and deletions succeeded, so an interrupted
  deploy leaves a record that still lists everything it may have left behind, and the next
  deploy finishes the job. Before uploading, the record is widened to list the new files too,
  so files of an interrupted upload are recognised as ours;
- visitors never see a half-updated site: rsync's `--delay-updates` puts every changed file
  in place in one quick rename pass at the end; its holding folders have a name of ours
  (`.coursesite-partial`), and what a killed upload leaves in them is removed by the next deploy;
- folders that only our files occupied are removed once empty (never the target itself);
- an unchanged site changes nothing, not even a file's mtime: checksums, not timestamps, decide,
  and times are not copied (`-t` would rewrite the mtime of every file of a rebuilt site);
- a dry run only reads the target: it lists what would be uploaded, deleted, kept and refused.
"""
from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import ContentError, one_line
from .write import MANIFEST, OutputError, check_output_paths, read_manifest

RECORD = ".coursesite-deployed"
"""On the target: `sha256  path` for every file our deploys put there (several lines for one
path while an upload is under way: either content is ours)."""
PARTIAL = ".coursesite-partial"
"""rsync's holding folder for `--delay-updates` (in each folder) and temp folder (at the top)."""
LEGACY_PARTIAL = ".~tmp~"
"""rsync's default holding folder, which deploys of older versions of coursesite used."""

# -r recurse, -8 names unescaped, --checksum: content decides; no -t (see the module doc), no -l
# (a build writes no links). --chmod: readable on shared webspace whatever the umask.
RSYNC_BASE = ["rsync", "-r", "-8", "--checksum", "--chmod=D755,F644", "--out-format=%i %n"]
LIST_LINE = re.compile(r"(?P<mode>\S+)\s+[\d,.]+ \d{4}/\d\d/\d\d \d\d:\d\d:\d\d (?P<name>.*)")
RECORD_LINE = re.compile(r"(?P<sha>[0-9a-f]{64})  (?P<path>.+)")
NON_EMPTY = re.compile(r"cannot delete non-empty directory: (?P<name>.*)")

ADOPT_HINT = "move it away on the target, or deploy with --adopt to replace it"
KINDS = {"f": "file", "l": "symbolic link", "o": "special file"}
KEEP_CHANGED = ("changed on the target since coursesite uploaded it; "
                "delete it by hand if it is no longer wanted")
KEEP_UNCHECKED = ("recorded by an older coursesite without a checksum; "
                  "delete it by hand if it is no longer wanted")
KEEP_NOT_FILE = "no longer a plain file on the target, so not ours"
KEEP_FOLDER = "not empty: something appeared in it during the deploy"


@dataclass(frozen=True)
class DeployPlan:
    """What a deploy changes (or, for a dry run, would change) on the target."""

    uploaded: list[str]
    """Site files sent because the target lacks them or holds other bytes, sorted."""
    deleted: list[str]
    """Files of earlier deploys that this site no longer has, then folders left empty ('x/')."""
    kept: dict[str, str] = field(default_factory=dict)
    """Files earlier deploys recorded that are not deleted after all -> why."""
    refused: dict[str, str] = field(default_factory=dict)
    """Entries on the target, not ours, that the site would overwrite -> why (dry run only:
    a real deploy raises ContentError instead and changes nothing)."""
    adopted: list[str] = field(default_factory=list)
    """Entries that were not ours, replaced on purpose (adopt=True)."""
    cleaned: list[str] = field(default_factory=list)
    """What an interrupted upload of ours left behind, removed."""
    warnings: list[str] = field(default_factory=list)
    """Lines of the target's record that were ignored, and other things worth a look."""

    def summary(self) -> str:
        counts = [f"{len(self.uploaded)} to upload", f"{len(self.deleted)} to delete"]
        counts += [f"{len(items)} {word}" for items, word in (
            (self.kept, "kept"), (self.refused, "refused"), (self.adopted, "adopted"),
            (self.cleaned, "leftovers to clean")) if items]
        lines = ([f"  upload {p}" for p in self.uploaded]
                 + [f"  adopt  {p}" for p in self.adopted]
                 + [f"  delete {p}" for p in self.deleted]
                 + [f"  clean  {p}" for p in self.cleaned]
                 + [f"  keep   {p}: {why}" for p, why in sorted(self.kept.items())]
                 + [f"  refuse {p}: {why}" for p, why in sorted(self.refused.items())]
                 + [f"warning: {w}" for w in self.warnings])
        if not (self.uploaded or self.deleted or self.kept or self.refused or self.cleaned):
            return "\n".join(["Deploy: nothing to do, the target is up to date.", *lines])
        return "\n".join([f"Deploy: {', '.join(counts)}", *lines])


@dataclass(frozen=True)
class Listing:
    """The target's entries as rsync lists them: relative path -> 'f' file, 'd' folder,
    'l' symbolic link, 'o' anything else. Symbolic links are never followed."""

    entries: dict[str, str]
    complete: bool = True
    """False when some folder could not be read (then no folder is removed)."""

    def children(self) -> dict[str, list[str]]:
        """Folder ('' for the target itself) -> its direct entries."""
        out: dict[str, list[str]] = {}
        for path in self.entries:
            out.setdefault(parent_of(path), []).append(path)
        return out


# --- the deploy ---------------------------------------------------------------------------


def deploy(site_dir: Path, target: str, dry_run: bool = False, adopt: bool = False) -> DeployPlan:
    """Upload site_dir to target, then delete what our earlier deploys left that this site no
    longer has, and record what is there now. With dry_run, change nothing and return the plan.
    With adopt, replace files on the target that are not ours (otherwise: ContentError)."""
    require_rsync()
    target = rsync_target(target)
    site = site_files(Path(site_dir))
    with tempfile.TemporaryDirectory(prefix="coursesite-deploy-") as tmp:
        scratch = Path(tmp)
        listing = list_target(target)
        record, old_record_bytes, warnings = read_record(target, listing, scratch)
        plan, deletions = make_plan(Path(site_dir), target, site, listing, record, scratch, adopt)
        plan = replace(plan, warnings=warnings + plan.warnings)
        if dry_run:
            return plan
        if plan.refused:
            raise ContentError(refusal(target, plan.refused))
        return carry_out(plan, deletions, Path(site_dir), target, site, listing, record,
                         old_record_bytes, scratch)


@dataclass(frozen=True)
class Deletions:
    """What to remove, by kind: files (verified ours), then folders deepest first."""

    files: list[str]
    folders: list[str]


def make_plan(site_dir: Path, target: str, site: dict[str, str], listing: Listing,
              record: dict[str, frozenset[str]], scratch: Path,
              adopt: bool) -> tuple[DeployPlan, Deletions]:
    """What this deploy would do; reads the target only."""
    existing = sorted(p for p in site if listing.entries.get(p) == "f")
    differing = planned_uploads(site_dir, target, existing, scratch) if existing else set()
    refused: dict[str, str] = {}
    adopted: list[str] = []
    for path, why, adoptable in conflicts(site, listing, record, differing):
        if adopt and adoptable:
            adopted.append(path)
        else:
            refused[path] = why if adoptable or not adopt else \
                why + " (--adopt replaces files, never folders)"
    uploaded = sorted(p for p in site if p not in listing.entries or p in differing)
    uploaded = [p for p in uploaded if p not in refused and p not in adopted]
    kept, delete = stale_files(target, site, listing, record, scratch)
    site_folders = {f for p in site for f in folders_of(p)}
    record_folders = {f for p in record for f in folders_of(p)}
    leftovers, holding, warnings = leftovers_of_uploads(
        listing, set(site) | set(record), site_folders | record_folders)
    doomed = set(delete) | set(leftovers)
    folders = removable_folders(listing, doomed, record_folders | holding, site_folders)
    plan = DeployPlan(uploaded=uploaded, deleted=sorted(delete) + [f + "/" for f in folders],
                      kept=kept, refused=refused, adopted=sorted(adopted),
                      cleaned=sorted(leftovers) + [f + "/" for f in folders if f in holding],
                      warnings=warnings)
    plan = replace(plan, deleted=[p for p in plan.deleted if p not in plan.cleaned])
    return plan, Deletions(sorted(doomed), folders)


def carry_out(plan: DeployPlan, deletions: Deletions, site_dir: Path, target: str,
              site: dict[str, str], listing: Listing, record: dict[str, frozenset[str]],
              old_record_bytes: bytes | None, scratch: Path) -> DeployPlan:
    """Do what plan says, in an order that an interruption at any point cannot turn into a
    lost file or a forgotten one: widen the record, upload, delete, record what is there."""
    uploaded: list[str] = []
    if plan.uploaded or plan.adopted:
        widened = {p: set(shas) for p, shas in record.items() if shas}
        for path, sha in site.items():
            widened.setdefault(path, set()).add(sha)
        put_record(target, record_bytes(widened), scratch / "widened", with_partial=True)
        uploaded = upload(site_dir, target, sorted(site), scratch)
        if PARTIAL not in deletions.folders:
            deletions = replace(deletions, folders=deletions.folders + [PARTIAL])
    kept = dict(plan.kept)
    if deletions.files:
        delete_paths(target, deletions.files, scratch / "delete-files")
    for folder in remove_folders(target, deletions.folders, scratch):
        kept[folder + "/"] = KEEP_FOLDER
    final = record_bytes({p: {sha} for p, sha in site.items()})
    if final != old_record_bytes:
        put_record(target, final, scratch / "final", with_partial=False)
    if listing.entries.get(MANIFEST) == "f":
        # The record of coursesite versions before checksums; RECORD replaces it.
        delete_paths(target, [MANIFEST], scratch / "legacy")
    deleted = [p for p in plan.deleted if p not in kept]
    return replace(plan, uploaded=sorted(set(uploaded) - set(plan.adopted)), deleted=deleted,
                   kept=kept)


def refusal(target: str, refused: dict[str, str]) -> str:
    """One line per entry that is not ours, then what nothing-changed means."""
    lines = [f"deploy: {target}{path}: {why}" for path, why in sorted(refused.items())]
    n = len(refused)
    lines.append(f"{n} entr{'ies' if n != 1 else 'y'} on the target would be overwritten; "
                 "nothing was changed.")
    return "\n".join(one_line(line) for line in lines)


# --- reading the site and the target --------------------------------------------------------


def site_files(site_dir: Path) -> dict[str, str]:
    """Path -> SHA-256 of every file the build's manifest lists; ContentError if not a build."""
    manifest = site_dir / MANIFEST
    if not manifest.is_file():
        raise ContentError(f"deploy: {site_dir} is not a coursesite build (no {MANIFEST}); "
                           "build the site first")
    files = {}
    for path in sorted(read_manifest(manifest)):
        problem = output_path_problem(path) or reserved_problem(path)
        local = site_dir / path
        if not problem and (local.is_symlink() or not local.is_file()):
            problem = f"{path} is listed in {MANIFEST} but is not a file"
        if problem:
            raise ContentError(one_line(f"deploy: {site_dir}: {problem}; build the site again"))
        files[path] = sha256_of(local)
    return files


def output_path_problem(path: str) -> str:
    """Why path is not a plain relative path inside the target ('' when it is one): the rule
    the build's writer applies to every output path, asked through its public check."""
    try:
        check_output_paths(Path("."), {path: b""})
    except OutputError as err:
        return str(err).split("\n", 1)[0].removeprefix("output: ")
    return ""


def reserved_problem(path: str) -> str:
    """Why path clashes with deploy's own names on the target ('' if it does not)."""
    if path == RECORD or {PARTIAL, LEGACY_PARTIAL} & set(path.split("/")):
        return f"output path {path!r} is reserved for coursesite's deploy"
    return ""


def list_target(target: str) -> Listing:
    """Every entry on the target (symbolic links not followed); an absent target is empty."""
    proc = rsync(["rsync", "-r", "-8", "--list-only", target])
    entries: dict[str, str] = {}
    root = False
    for line in proc.stdout.splitlines():
        m = LIST_LINE.fullmatch(line)
        if not m:
            continue
        kind = {"-": "f", "d": "d", "l": "l"}.get(m["mode"][0], "o")
        name = m["name"].split(" -> ", 1)[0] if kind == "l" else m["name"]
        if name == ".":
            root = kind == "d"
        else:
            entries[name] = kind
    if proc.returncode == 0 and root:
        return Listing(entries)
    if proc.returncode in (23, 24) and root:
        return Listing(entries, complete=False)     # some folder was unreadable
    if proc.returncode == 23 and "No such file or directory" in proc.stderr:
        return Listing({})                          # first deploy: rsync creates the folder
    raise ContentError(one_line(f"deploy: cannot list {target}: {rsync_message(proc)}"))


def read_record(target: str, listing: Listing, scratch: Path
                ) -> tuple[dict[str, frozenset[str]], bytes | None, list[str]]:
    """The target's record (path -> SHA-256s uploaded there), its bytes, and warnings for lines
    that are ignored. Falls back to the checksum-less manifest of older coursesite versions."""
    for name in (RECORD, MANIFEST):
        kind = listing.entries.get(name)
        if kind is None:
            continue
        if kind != "f":
            raise ContentError(f"deploy: {target}{name} is not a file; coursesite keeps its "
                               "record of deployed files there: move it away")
        fetched = fetch(target, [name], scratch / "record").get(name)
        if fetched is None:
            raise ContentError(f"deploy: could not read {target}{name}; try again")
        data = fetched.read_bytes()
        entries, warnings = parse_record(data.decode("utf-8", "replace"), name)
        return entries, (data if name == RECORD else None), warnings
    return {}, None, []


def parse_record(text: str, name: str) -> tuple[dict[str, frozenset[str]], list[str]]:
    """Record lines -> path -> SHA-256s; a legacy manifest's paths get no checksum. Lines that
    are malformed or name anything but a plain relative path are ignored, with a warning each."""
    entries: dict[str, set[str]] = {}
    warnings = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line:
            continue
        m = RECORD_LINE.fullmatch(line) if name == RECORD else None
        if name == RECORD and not m:
            warnings.append(one_line(f"ignored line {number} of the target's {name}: "
                                     f"{line[:80]!r} is not 'sha256  path'"))
            continue
        path = m["path"] if m else line
        problem = output_path_problem(path) or reserved_problem(path)
        if problem:
            warnings.append(one_line(f"ignored line {number} of the target's {name}: "
                                     f"{problem}; nothing outside what coursesite deployed "
                                     "is deleted"))
            continue
        shas = entries.setdefault(path, set())
        if m:
            shas.add(m["sha"])
    return {p: frozenset(s) for p, s in entries.items()}, warnings


def planned_uploads(site_dir: Path, target: str, paths: list[str], scratch: Path) -> set[str]:
    """Which of paths (all present on the target) rsync would send: their bytes differ."""
    listing = write_list(scratch / "existing", paths)
    out = run_rsync(RSYNC_BASE + ["--dry-run", "--from0", f"--files-from={listing}",
                                  f"{site_dir}/", target])
    return set(transferred(out))


def conflicts(site: dict[str, str], listing: Listing, record: dict[str, frozenset[str]],
              differing: set[str]) -> Iterable[tuple[str, str, bool]]:
    """(path, why, adoptable) for every entry on the target that is not ours and that the site
    would overwrite: a file of other bytes that no deploy of ours recorded, a link, a folder
    where the site has a file, a file or link where the site needs a folder."""
    for path in sorted(site):
        kind = listing.entries.get(path)
        if kind == "d":
            yield path, "is a folder on the target, where the site has a file; move it away", False
        elif kind in ("l", "o"):
            yield path, f"is a {KINDS[kind]} on the target; {ADOPT_HINT}", True
        elif kind == "f" and path not in record and path in differing:
            yield path, ("is already on the target and no earlier deploy of this site put it "
                         f"there; {ADOPT_HINT}"), True
    for folder in sorted({f for p in site for f in folders_of(p)}):
        kind = listing.entries.get(folder)
        if kind in ("l", "o") or (kind == "f" and folder not in record):
            yield folder, (f"is a {KINDS[kind]} on the target, where the site needs a folder; "
                           f"{ADOPT_HINT}"), True


def stale_files(target: str, site: dict[str, str], listing: Listing,
                record: dict[str, frozenset[str]], scratch: Path
                ) -> tuple[dict[str, str], list[str]]:
    """(kept -> why, to delete): recorded files this site no longer has and that are still on
    the target; deleted only when their content is what we uploaded."""
    site_folders = {f for p in site for f in folders_of(p)}
    kept: dict[str, str] = {}
    candidates = []
    for path in sorted(set(record) - set(site) - site_folders):
        kind = listing.entries.get(path)
        if kind is None:
            continue                    # already gone (by hand, or by an earlier deploy)
        if kind != "f":
            kept[path] = KEEP_NOT_FILE
        elif not record[path]:
            kept[path] = KEEP_UNCHECKED
        else:
            candidates.append(path)
    fetched = fetch(target, candidates, scratch / "stale") if candidates else {}
    delete = []
    for path in candidates:
        local = fetched.get(path)
        if local is None:
            continue                    # vanished meanwhile
        if sha256_of(local) in record[path]:
            delete.append(path)
        else:
            kept[path] = KEEP_CHANGED
    return kept, delete


def leftovers_of_uploads(listing: Listing, ours: set[str], our_folders: set[str]
                         ) -> tuple[list[str], set[str], list[str]]:
    """(files to remove, holding folders that are ours, warnings): what a killed upload left in
    rsync's holding folders. A `.coursesite-partial` folder is ours wherever it is (the name
    is), and so is every file in it; a `.~tmp~` folder (older coursesite versions) only in the
    target or a folder of ours, and of its files only those named like one of ours there."""
    files, holding, warnings = [], set(), []
    children = listing.children()
    for folder, kind in sorted(listing.entries.items()):
        name = folder.rsplit("/", 1)[-1]
        parent = parent_of(folder)
        if kind != "d" or not (name == PARTIAL or (
                name == LEGACY_PARTIAL and (parent == "" or parent in our_folders))):
            continue
        holding.add(folder)
        for entry in sorted(children.get(folder, [])):
            base = entry.rsplit("/", 1)[-1]
            # rsync shows a control character in a name as \#ooo: such a name cannot be
            # passed back to it, so that file stays.
            if listing.entries[entry] == "f" and "\\#" not in base and (
                    name == PARTIAL or join(parent, base) in ours):
                files.append(entry)
            else:
                warnings.append(one_line(f"{entry} is in rsync's holding folder {folder}/ but "
                                         "is not a file of ours; it is kept"))
    return files, holding, warnings


def removable_folders(listing: Listing, doomed: set[str], ours: set[str],
                      needed: set[str]) -> list[str]:
    """Folders (deepest first) that earlier deploys of ours made and that hold nothing but what
    this deploy deletes: never the target itself, a folder the site needs, or one with other
    entries. None when the listing is incomplete."""
    if not listing.complete:
        return []
    children = listing.children()
    removable: set[str] = set()
    for folder in sorted((p for p, k in listing.entries.items() if k == "d"),
                         key=lambda p: -p.count("/")):
        if folder in needed or folder not in ours:
            continue
        if all(c in doomed or c in removable for c in children.get(folder, [])):
            removable.add(folder)
    return sorted(removable, key=lambda p: (-p.count("/"), p))


# --- changing the target --------------------------------------------------------------------


def upload(site_dir: Path, target: str, paths: list[str], scratch: Path) -> list[str]:
    """Send paths with one rename pass at the end; return what rsync sent."""
    listing = write_list(scratch / "upload", paths)
    out = run_rsync(RSYNC_BASE + ["--delay-updates", f"--partial-dir={PARTIAL}",
                                  f"--temp-dir={PARTIAL}", "--from0", f"--files-from={listing}",
                                  f"{site_dir}/", target])
    return sorted(transferred(out))


def delete_paths(target: str, paths: list[str], scratch: Path) -> str:
    """Delete exactly the listed paths on the target (a folder only when empty): rsync deletes a
    listed path that is missing from the source when given --delete-missing-args. The source
    is an empty tree that has the paths' folders (rsync skips a path whose folder is missing)."""
    source = scratch / "empty"
    source.mkdir(parents=True)
    for path in paths:
        (source / path).parent.mkdir(parents=True, exist_ok=True)
    listing = write_list(scratch / "paths", paths)
    # No --force and no --delete: a folder that is not empty is refused, never emptied.
    proc = rsync(["rsync", "-r", "-8", "--out-format=%i %n", "--delete-missing-args",
                  "--from0", f"--files-from={listing}", f"{source}/", target])
    if proc.returncode != 0:
        raise ContentError(one_line(f"deploy: rsync could not delete on {target} "
                                    f"(exit {proc.returncode}): {rsync_message(proc)}"))
    return proc.stdout + proc.stderr


def remove_folders(target: str, folders: list[str], scratch: Path) -> list[str]:
    """Remove folders if empty, deepest first (one rsync per depth: a folder is only empty once
    the ones inside it are gone); return those that were not empty after all."""
    refused: list[str] = []
    depths = sorted({f.count("/") for f in folders}, reverse=True)
    for depth in depths:
        level = sorted(f for f in folders if f.count("/") == depth)
        out = delete_paths(target, level, scratch / f"folders-{depth}")
        refused += [m["name"].rstrip("/") for line in out.splitlines()
                    if (m := NON_EMPTY.fullmatch(line.strip()))]
    return [f for f in refused if f != PARTIAL]


def put_record(target: str, data: bytes, scratch: Path, with_partial: bool) -> None:
    """Write the record on the target (rsync writes a temp file and renames it: atomic);
    with_partial also makes the temp folder --delay-updates uploads into."""
    scratch.mkdir(parents=True)
    (scratch / RECORD).write_bytes(data)
    if with_partial:
        (scratch / PARTIAL).mkdir()
    run_rsync(RSYNC_BASE + [f"{scratch}/", target])


def record_bytes(entries: dict[str, set[str]]) -> bytes:
    """`sha256  path` lines, sorted (the format `sha256sum -c` checks)."""
    return "".join(f"{sha}  {path}\n" for path in sorted(entries)
                   for sha in sorted(entries[path])).encode("utf-8")


# --- rsync ----------------------------------------------------------------------------------


def rsync_target(target: str) -> str:
    """The target with exactly one trailing slash (rsync copies *into* it)."""
    if not target or target.strip() != target:
        raise ContentError("deploy: give a target such as user@host:public_html/teaching/ "
                           "or a local folder (--target or DEPLOY_TARGET)")
    return target.rstrip("/") + "/"


def require_rsync() -> None:
    if shutil.which("rsync") is None:
        raise ContentError("deploy: rsync is not installed; install it (apt-get install rsync)")


def rsync(args: list[str]) -> subprocess.CompletedProcess:
    """Run rsync and capture its output (names decoded as UTF-8, other bytes kept as escapes)."""
    return subprocess.run(args, capture_output=True, text=True, encoding="utf-8",
                          errors="surrogateescape")


def run_rsync(args: list[str], allowed=(0,)) -> str:
    """Run rsync; its failure is the maintainer's to fix (target, key, network): ContentError."""
    proc = rsync(args)
    if proc.returncode not in allowed:
        raise ContentError(one_line(f"deploy: rsync failed (exit {proc.returncode}): "
                                    f"{rsync_message(proc)} (command: {shlex.join(args)})"))
    return proc.stdout


def rsync_message(proc: subprocess.CompletedProcess) -> str:
    """rsync's own words, on one line: its first two lines of complaint."""
    lines = [line.strip() for line in (proc.stderr or proc.stdout).splitlines() if line.strip()]
    return "; ".join(lines[:2]) or "no message"


def fetch(target: str, paths: list[str], dest: Path) -> dict[str, Path]:
    """Copy paths from the target into dest; path -> local copy for those that were there."""
    dest.mkdir(parents=True)
    listing = write_list(dest.parent / f"{dest.name}.list", paths)
    # 23/24: a path vanished since the listing; its absence is the answer.
    run_rsync(["rsync", "-8", "--from0", f"--files-from={listing}", target, f"{dest}/"],
              allowed=(0, 23, 24))
    local = {p: dest / p for p in paths}
    return {p: f for p, f in local.items() if f.is_file() and not f.is_symlink()}


def write_list(file: Path, paths: Iterable[str]) -> Path:
    """A --files-from list: NUL-separated, each path as './path' (rsync would skip a line
    starting with '#' or ';' as a comment)."""
    file.write_bytes(b"".join(f"./{p}".encode("utf-8", "surrogateescape") + b"\0"
                              for p in paths))
    return file


def transferred(out: str) -> list[str]:
    """The files rsync's `%i %n` lines say were (or would be) sent."""
    return [line.split(" ", 1)[1] for line in out.splitlines()
            if line[:2] in ("<f", ">f") and " " in line]


# --- paths ----------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parent_of(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def folders_of(path: str) -> list[str]:
    """The folders path lies in, outermost first ('a/b/c' -> ['a', 'a/b'])."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def default_target() -> str:
    return os.environ.get("DEPLOY_TARGET", "")
