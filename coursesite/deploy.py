"""Publish a built site to university webspace with rsync (over SSH, or to a local path).

Guarantees:
- visitors never see a half-updated site: rsync's `--delay-updates` puts every changed file
  in place in one quick rename pass at the end of the transfer;
- only files that a previous deploy of ours put there are ever deleted: the target's
  `.coursesite-manifest` (uploaded with every deploy) names them, so a maintainer's other
  files next to the site are safe (plain `rsync --delete` would remove them);
- an unchanged site transfers and changes nothing (checksums, not timestamps, decide).
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import ContentError
from .write import MANIFEST, read_manifest

# -r recurse, -l keep links, -t times, --chmod: readable on shared webspace whatever the umask.
RSYNC_BASE = ["rsync", "-rlt", "--checksum", "--chmod=D755,F644", "--out-format=%i %n"]


@dataclass(frozen=True)
class DeployPlan:
    """What a deploy changes on the target."""

    uploaded: list[str]
    deleted: list[str]

    def summary(self) -> str:
        if not self.uploaded and not self.deleted:
            return "Deploy: nothing to do, the target is up to date."
        lines = [f"  upload {p}" for p in self.uploaded] + [f"  delete {p}" for p in self.deleted]
        return (f"Deploy: {len(self.uploaded)} to upload, {len(self.deleted)} to delete\n"
                + "\n".join(lines))


def rsync_target(target: str) -> str:
    """The target with exactly one trailing slash (rsync copies *into* it)."""
    if not target or target.strip() != target:
        raise ContentError("deploy: give a target such as user@host:public_html/teaching/ "
                           "or a local folder (--target or DEPLOY_TARGET)")
    return target.rstrip("/") + "/"


def require_rsync() -> None:
    if shutil.which("rsync") is None:
        raise ContentError("deploy: rsync is not installed; install it (apt-get install rsync)")


def run_rsync(args: list[str], allowed=(0,)) -> str:
    """Run rsync; its failure is the maintainer's to fix (target, key, network): ContentError."""
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode not in allowed:
        raise ContentError(f"deploy: rsync failed (exit {proc.returncode}): "
                           f"{proc.stderr.strip() or proc.stdout.strip()}\n"
                           f"  command: {shlex.join(args)}")
    return proc.stdout


def previous_manifest(target: str, scratch: Path) -> set[str]:
    """The files our last deploy put on the target (empty when it has none)."""
    dest = scratch / "previous-manifest"
    proc = subprocess.run([*RSYNC_BASE[:2], target + MANIFEST, str(dest)],
                          capture_output=True, text=True)
    if proc.returncode != 0 or not dest.exists():
        # 23 = "some files could not be transferred": there is no manifest yet (first deploy).
        if proc.returncode not in (0, 23):
            raise ContentError(f"deploy: cannot reach {target}: {proc.stderr.strip()}")
        return set()
    return read_manifest(dest)


def deploy(site_dir: Path, target: str, dry_run: bool = False) -> DeployPlan:
    """Upload site_dir to target, then delete what our previous deploy left and this one no
    longer has. With dry_run, change nothing and return the plan."""
    require_rsync()
    target = rsync_target(target)
    current = read_manifest(site_dir / MANIFEST)
    with tempfile.TemporaryDirectory(prefix="coursesite-deploy-") as tmp:
        stale = sorted(previous_manifest(target, Path(tmp)) - current)
        upload = RSYNC_BASE + ["--delay-updates"] + (["--dry-run"] if dry_run else [])
        out = run_rsync(upload + [f"{site_dir}/", target])
        uploaded = sorted(line.split(" ", 1)[1] for line in out.splitlines()
                          if line[:2] in ("<f", ">f") and " " in line)
        if stale and not dry_run:
            remove_stale(target, stale, Path(tmp))
    return DeployPlan(uploaded, stale)


def remove_stale(target: str, stale: list[str], scratch: Path) -> None:
    """Delete exactly the listed files on the target: rsync deletes a listed path that is
    missing from the source when given --delete-missing-args. The source is an empty tree that
    has the files' folders (rsync would otherwise skip a path whose folder is missing)."""
    source = scratch / "empty"
    for path in stale:
        (source / path).parent.mkdir(parents=True, exist_ok=True)
    listing = scratch / "stale"
    listing.write_text("".join(f"{p}\n" for p in stale))
    run_rsync(RSYNC_BASE[:2] + ["--delete-missing-args", f"--files-from={listing}",
                                f"{source}/", target])


def default_target() -> str:
    return os.environ.get("DEPLOY_TARGET", "")
