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

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .deploy_target import (
    LEGACY_PARTIAL,
    PARTIAL,
    Listing,
    delete_paths,
    fetch,
    folders_of,
    join,
    list_target,
    output_path_problem,
    parent_of,
    planned_uploads,
    put_record,
    read_record,
    record_bytes,
    remove_folders,
    require_rsync,
    reserved_problem,
    rsync_target,
    sha256_of,
    upload,
)
from .errors import ContentError, one_line
from .write import MANIFEST, read_manifest

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


# --- reading the site, and judging what is on the target ----------------------------------


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


def default_target() -> str:
    return os.environ.get("DEPLOY_TARGET", "")
