"""Deploy with rsync: to a local folder, and over SSH to 127.0.0.1 when sshd is installed."""
from __future__ import annotations

import hashlib
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import run_cli, theme_assets

from coursesite.deploy import deploy
from coursesite.errors import ContentError
from coursesite.pipeline import Project, build


def built_site(tmp_path: Path, content: Path) -> Path:
    out = tmp_path / "site"
    build(Project(content=content, assets=theme_assets(tmp_path / "assets")), out)
    return out


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# The build's manifest, and deploy's record of what it put on the target (`sha256  path` lines).
MANIFEST, RECORD = ".coursesite-manifest", ".coursesite-deployed"


def published(folder: Path) -> dict[str, bytes]:
    """The site's files in folder: without the build's manifest and deploy's record."""
    return {k: v for k, v in files_under(folder).items() if k not in (MANIFEST, RECORD)}


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under folder (and folder itself) with its bytes and mtime_ns: a temporary
    file created and removed again still changes its folder's mtime."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else None,
                                               p.lstat().st_mtime_ns)
            for p in [folder, *sorted(folder.rglob("*"))]}


def add_offering(content: Path, offering: str) -> None:
    shutil.copytree(content / "ss26_amls", content / offering)


def offering_files(target: Path, offering: str) -> list[str]:
    return sorted(p.relative_to(target).as_posix() for p in (target / offering).rglob("*")
                  if p.is_file()) if (target / offering).exists() else []


def rsync_wrapper(tmp_path: Path, monkeypatch, body: str) -> None:
    """Put an `rsync` first on PATH that runs body (Python, with `args` and `REAL`)."""
    real = shutil.which("rsync")
    folder = tmp_path / "wrapper"
    folder.mkdir()
    script = folder / "rsync"
    script.write_text(f"#!{sys.executable}\n"
                      "import os, signal, subprocess, sys, time\n"
                      f"REAL = {real!r}\n"
                      "args = sys.argv[1:]\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


def test_deploy_to_local_folder_uploads_then_does_nothing(tmp_path, content_copy):
    site = built_site(tmp_path, content_copy)
    target = tmp_path / "webspace"
    target.mkdir()
    (target / "other-course.html").write_text("a maintainer's own page")
    first = deploy(site, str(target))
    assert "ss26_amls/index.html" in first.uploaded and first.deleted == []
    before = files_under(target)
    assert {k: v for k, v in published(target).items() if k != "other-course.html"} \
        == published(site)
    second = deploy(site, str(target))
    assert second.uploaded == [] and second.deleted == []
    assert files_under(target) == before


def test_deploy_deletes_only_what_an_earlier_deploy_put_there(tmp_path, content_copy):
    site = built_site(tmp_path, content_copy)
    target = tmp_path / "webspace"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    deploy(site, str(target))
    shutil.copytree(content_copy / "ss26_amls", content_copy / "ss25_amls")
    site = built_site(tmp_path, content_copy)
    assert "ss25_amls/index.html" in deploy(site, str(target)).uploaded
    shutil.rmtree(content_copy / "ss25_amls")
    site = built_site(tmp_path, content_copy)
    plan = deploy(site, str(target))
    assert "ss25_amls/index.html" in plan.deleted
    assert not (target / "ss25_amls" / "index.html").exists()
    assert (target / "notes.txt").read_text() == "keep me"
    assert (target / "ss26_amls" / "index.html").exists()


def test_dry_run_changes_nothing(tmp_path, content_copy):
    site = built_site(tmp_path, content_copy)
    target = tmp_path / "webspace"
    target.mkdir()
    plan = deploy(site, str(target), dry_run=True)
    assert "index.html" in plan.uploaded
    assert list(target.iterdir()) == []


def test_deploy_command_builds_strictly_and_reports(tmp_path, content_copy):
    target = tmp_path / "webspace"
    target.mkdir()
    proc = run_cli("deploy", "--content", content_copy, "--out", tmp_path / "site",
                   "--target", target, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Deploy:" in proc.stdout and (target / "ss26_amls" / "calendar.ics").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def sshd(tmp_path):
    """A private sshd on 127.0.0.1 accepting one generated key (CI installs openssh-server)."""
    binary = shutil.which("sshd") or "/usr/sbin/sshd"
    if not Path(binary).exists():
        pytest.skip("sshd is not installed (CI installs openssh-server)")
    d = tmp_path / "ssh"
    d.mkdir(mode=0o700)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", d / "host"], check=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", d / "client"],
                   check=True)
    (d / "authorized_keys").write_text((d / "client.pub").read_text())
    os.chmod(d / "authorized_keys", 0o600)
    port = free_port()
    (d / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {d / 'host'}\n"
        f"AuthorizedKeysFile {d / 'authorized_keys'}\nPasswordAuthentication no\n"
        f"StrictModes no\nPidFile {d / 'sshd.pid'}\nUsePAM no\nPermitRootLogin yes\n")
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege-separation folder sshd insists on
    proc = subprocess.Popen([binary, "-D", "-e", "-f", d / "sshd_config"],
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    host_key = (d / "host.pub").read_text().split()
    (d / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key[0]} {host_key[1]}\n")
    rsh = (f"ssh -p {port} -i {d / 'client'} -o UserKnownHostsFile={d / 'known_hosts'} "
           "-o StrictHostKeyChecking=yes -o BatchMode=yes")
    yield rsh
    proc.terminate()
    proc.wait(timeout=10)


def test_deploy_over_ssh(tmp_path, content_copy, sshd, monkeypatch):
    site = built_site(tmp_path, content_copy)
    target = tmp_path / "remote"
    target.mkdir()
    monkeypatch.setenv("RSYNC_RSH", sshd)
    user = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
    first = deploy(site, f"{user}@127.0.0.1:{target}")
    assert "ss26_amls/index.html" in first.uploaded
    assert published(target) == published(site)
    assert deploy(site, f"{user}@127.0.0.1:{target}").uploaded == []


# --- defects found by an attack on "never lose a maintainer's file" -------------------------


def test_first_deploy_refuses_to_overwrite_files_that_are_not_ours(tmp_path, content_copy):
    """#17: a maintainer's index.html and .htaccess are named, one line each, and nothing is
    changed; a byte-identical file is no conflict; adopt=True takes the files over on purpose."""
    site = built_site(tmp_path, content_copy)
    target = tmp_path / "webspace"
    target.mkdir()
    (target / "index.html").write_text("the maintainer's own start page")
    (target / ".htaccess").write_text("Options -Indexes\n")
    (target / "ss26_amls").mkdir()
    shutil.copy(site / "ss26_amls" / "calendar.ics", target / "ss26_amls" / "calendar.ics")
    before = snapshot(target)
    with pytest.raises(ContentError) as raised:
        deploy(site, str(target))
    lines = str(raised.value).splitlines()
    hint = "move it away on the target, or deploy with --adopt to replace it"
    assert lines == [
        f"deploy: {target}/.htaccess: is already on the target and no earlier deploy of this "
        f"site put it there; {hint}",
        f"deploy: {target}/index.html: is already on the target and no earlier deploy of this "
        f"site put it there; {hint}",
        "2 entries on the target would be overwritten; nothing was changed.",
    ]
    assert snapshot(target) == before

    plan = deploy(site, str(target), adopt=True)
    assert plan.adopted == [".htaccess", "index.html"]
    assert published(target) == published(site)
    # Taken over: they are ours now, so the next deploy needs no --adopt.
    assert deploy(site, str(target)).uploaded == []


def test_interrupted_delete_is_finished_by_the_next_deploy(tmp_path, content_copy,
                                                           monkeypatch):
    """#18: rsync killed half-way through deleting a removed offering; the next deploy still
    knows those files are ours and deletes the rest."""
    target = tmp_path / "webspace"
    target.mkdir()
    add_offering(content_copy, "ss25_amls")
    deploy(built_site(tmp_path, content_copy), str(target))
    shutil.rmtree(content_copy / "ss25_amls")
    site = built_site(tmp_path, content_copy)
    # The first deleting rsync deletes only half of its list, then "is killed".
    rsync_wrapper(tmp_path, monkeypatch, """
if "--delete-missing-args" in args:
    i = next(n for n, a in enumerate(args) if a.startswith("--files-from="))
    listing = args[i].split("=", 1)[1]
    sep = b"\\0" if "--from0" in args else b"\\n"
    paths = [p for p in open(listing, "rb").read().split(sep) if p]
    with open(listing + ".half", "wb") as f:
        f.write(b"".join(p + sep for p in paths[::2]))  # every other one: half of each folder
    args[i] = "--files-from=" + listing + ".half"
    subprocess.run([REAL, *args])
    sys.exit(137)
os.execv(REAL, [REAL, *args])
""")
    with pytest.raises(ContentError):
        deploy(site, str(target))
    left = offering_files(target, "ss25_amls")
    assert 0 < len(left) < 7, left          # really interrupted half-way
    monkeypatch.undo()
    plan = deploy(site, str(target))
    assert set(left) <= set(plan.deleted)
    assert offering_files(target, "ss25_amls") == []
    assert deploy(site, str(target)).deleted == []
    assert published(target) == published(site)


def test_dry_run_plans_conflicts_and_deletions_and_writes_nothing(tmp_path, content_copy):
    """#19: the dry run names the file it would refuse to overwrite and the files and folder
    it would delete, and leaves every file, folder and mtime on the target as it was."""
    target = tmp_path / "webspace"
    target.mkdir()
    add_offering(content_copy, "ss25_amls")
    deploy(built_site(tmp_path, content_copy), str(target))
    shutil.rmtree(content_copy / "ss25_amls")
    add_offering(content_copy, "ss24_amls")
    site = built_site(tmp_path, content_copy)
    (target / "ss24_amls").mkdir()
    (target / "ss24_amls" / "index.html").write_text("an old page of the maintainer's")
    before = snapshot(target)
    plan = deploy(site, str(target), dry_run=True)
    assert "\n  refuse ss24_amls/index.html: is already on the target" in plan.summary()
    assert list(plan.refused) == ["ss24_amls/index.html"]
    assert "ss25_amls/index.html" in plan.deleted and "ss25_amls/" in plan.deleted
    assert "ss24_amls/calendar.ics" in plan.uploaded
    assert snapshot(target) == before


def test_removed_offering_leaves_no_empty_folder_of_ours(tmp_path, content_copy):
    """#20a: folders only our files occupied go once empty (nested ones too); a folder that
    still holds a maintainer's file, a maintainer's empty folder and the target stay."""
    target = tmp_path / "webspace"
    target.mkdir()
    (target / "empty").mkdir()
    add_offering(content_copy, "ss25_amls")
    add_offering(content_copy, "ss24_amls")
    deep = tmp_path / "assets" / "old" / "deep" / "slides.txt"
    deep.parent.mkdir(parents=True)
    deep.write_text("slides of an old offering")
    deploy(built_site(tmp_path, content_copy), str(target))
    assert (target / "assets" / "old" / "deep" / "slides.txt").exists()
    (target / "ss24_amls" / "own.txt").write_text("the maintainer's")
    shutil.rmtree(content_copy / "ss25_amls")
    shutil.rmtree(content_copy / "ss24_amls")
    shutil.rmtree(tmp_path / "assets" / "old")
    plan = deploy(built_site(tmp_path, content_copy), str(target))
    assert {"ss25_amls/", "assets/old/deep/", "assets/old/"} <= set(plan.deleted)
    assert not (target / "ss25_amls").exists() and not (target / "assets" / "old").exists()
    assert sorted(os.listdir(target / "ss24_amls")) == ["own.txt"]
    assert (target / "empty").is_dir() and (target / "assets" / "style.css").is_file()


def test_redeploy_of_a_rebuilt_site_touches_no_file(tmp_path, content_copy):
    """#20b: a fresh build (new mtimes, same bytes) uploads nothing and leaves every mtime on
    the target as it was."""
    site = built_site(tmp_path, content_copy)
    target = tmp_path / "webspace"
    target.mkdir()
    deploy(site, str(target))
    before = snapshot(target)
    shutil.rmtree(site)
    site = built_site(tmp_path, content_copy)
    for path in site.rglob("*"):
        os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    plan = deploy(site, str(target))
    assert plan.uploaded == [] and plan.deleted == []
    assert snapshot(target) == before


def test_leftovers_of_a_killed_upload_are_cleaned(tmp_path, content_copy, monkeypatch):
    """#20c: rsync killed (-9, whole process group) while --delay-updates holds finished files
    back; the next deploy, of a site the target already has, leaves no holding folder or
    temporary file behind. A `.~tmp~` of older versions holding our names goes too."""
    site = built_site(tmp_path, content_copy)
    target = tmp_path / "webspace"
    target.mkdir()
    deploy(site, str(target))
    published_v1 = published(target)
    v1 = shutil.copytree(site, tmp_path / "v1")
    site_yaml = content_copy / "site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace("title: Teaching at DAMS",
                                                       "title: Teaching at the DAMS"))
    v2 = built_site(tmp_path, content_copy)
    rsync_wrapper(tmp_path, monkeypatch, """
if "--delay-updates" not in args:
    os.execv(REAL, [REAL, *args])
dest = args[-1]
proc = subprocess.Popen([REAL, "--bwlimit=20", *args], start_new_session=True)
deadline = time.monotonic() + 30
def held_back():
    for folder, dirs, files in os.walk(dest):
        name = os.path.basename(os.path.relpath(folder, dest))
        if name.startswith(".") and name != "." and files:
            return True
while proc.poll() is None and not held_back() and time.monotonic() < deadline:
    time.sleep(0.005)
os.killpg(proc.pid, signal.SIGKILL)
sys.exit(137)
""")
    with pytest.raises(ContentError):
        deploy(v2, str(target))
    monkeypatch.undo()
    assert published(target) != published_v1     # the kill left something behind
    legacy = target / "ss26_amls" / ".~tmp~"
    legacy.mkdir()
    shutil.copy(v2 / "ss26_amls" / "index.html", legacy / "index.html")
    plan = deploy(v1, str(target))
    assert published(target) == published_v1
    assert not [p for p in target.rglob("*") if p.is_dir() and p.name.startswith(".")]
    assert plan.uploaded == [] and "ss26_amls/.~tmp~/index.html" in plan.cleaned


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tamper(target: Path, names: list[str]) -> None:
    """Add lines naming names to the target's record, in whichever format it has."""
    if (target / MANIFEST).exists():            # the record of older versions: paths only
        with open(target / MANIFEST, "a") as f:
            f.write("".join(f"{n}\n" for n in names))
    if (target / RECORD).exists():              # `sha256  path`, with some other content's sum
        with open(target / RECORD, "a") as f:
            f.write("".join(f"{sha256_hex(b'other')}  {n}\n" for n in names))


def test_tampered_record_deletes_nothing_that_is_not_ours(tmp_path, content_copy):
    """#20d: a record line naming a file that was never ours, '../x' or an absolute path
    deletes nothing; a file of ours changed by hand since is kept, with a warning."""
    target = tmp_path / "webspace"
    target.mkdir()
    add_offering(content_copy, "ss25_amls")
    add_offering(content_copy, "ss24_amls")
    deploy(built_site(tmp_path, content_copy), str(target))
    (target / "notes.txt").write_text("the maintainer's notes")
    outside = tmp_path / "outside.txt"
    outside.write_text("next to the target")
    tamper(target, ["notes.txt", "../outside.txt"])
    (target / "ss25_amls" / "index.html").write_text("fixed by hand on the webspace")
    shutil.rmtree(content_copy / "ss25_amls")
    plan = deploy(built_site(tmp_path, content_copy), str(target))
    assert (target / "notes.txt").read_text() == "the maintainer's notes"
    assert outside.exists()
    assert (target / "ss25_amls" / "index.html").read_text() == "fixed by hand on the webspace"
    assert offering_files(target, "ss25_amls") == ["ss25_amls/index.html"]
    assert "ss25_amls/calendar.ics" in plan.deleted
    assert "  keep   ss25_amls/index.html: changed on the target since coursesite " \
           "uploaded it; delete it by hand if it is no longer wanted" in plan.summary()
    assert any("'../outside.txt' leaves the output folder" in w for w in plan.warnings)

    absolute = tmp_path / "absolute.txt"
    absolute.write_text("anywhere")
    tamper(target, [str(absolute)])
    shutil.rmtree(content_copy / "ss24_amls")
    plan = deploy(built_site(tmp_path, content_copy), str(target))
    assert absolute.exists() and offering_files(target, "ss24_amls") == []
    assert any(f"{str(absolute)!r} is absolute" in w for w in plan.warnings)
    # The file changed by hand is no longer recorded as ours: it is neither deleted nor
    # warned about again.
    again = deploy(built_site(tmp_path, content_copy), str(target))
    assert again.deleted == [] and again.kept == {} and again.warnings == []
    assert (target / "ss25_amls" / "index.html").exists()


def test_deploy_over_ssh_deletes_only_ours(tmp_path, content_copy, sshd, monkeypatch):
    """The listing, the record and the deletions work through rsync over SSH alone."""
    target = tmp_path / "remote"
    target.mkdir()
    monkeypatch.setenv("RSYNC_RSH", sshd)
    user = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
    remote = f"{user}@127.0.0.1:{target}"
    (target / "notes.txt").write_text("keep me")
    add_offering(content_copy, "ss25_amls")
    deploy(built_site(tmp_path, content_copy), remote)
    shutil.rmtree(content_copy / "ss25_amls")
    site = built_site(tmp_path, content_copy)
    plan = deploy(site, remote)
    assert "ss25_amls/index.html" in plan.deleted and not (target / "ss25_amls").exists()
    assert {k: v for k, v in published(target).items() if k != "notes.txt"} == published(site)
    (target / "index.html").write_text("changed by hand")
    (target / RECORD).write_text("")
    with pytest.raises(ContentError, match="index.html: is already on the target"):
        deploy(site, remote)


def test_target_of_an_older_version_is_taken_over_without_adopt(tmp_path, content_copy):
    """A target that a coursesite before checksums deployed (its record: a copy of the build's
    manifest) needs no --adopt; a file that record lists and the site no longer has is kept,
    as nothing proves it unchanged; the new record replaces the old one."""
    add_offering(content_copy, "ss25_amls")
    target = shutil.copytree(built_site(tmp_path, content_copy), tmp_path / "webspace")
    shutil.rmtree(content_copy / "ss25_amls")
    site = built_site(tmp_path, content_copy)
    plan = deploy(site, str(target))
    assert plan.refused == {} and plan.deleted == [] and "ss25_amls/index.html" in plan.kept
    assert not (target / MANIFEST).exists() and (target / RECORD).is_file()
    # Kept: the removed offering's files, and the search index's chunks that changed with it.
    assert {k.split("/")[0] for k in plan.kept} == {"ss25_amls", "pagefind"}
    assert {k: v for k, v in published(target).items() if k not in plan.kept} \
        == published(site)
    assert deploy(site, str(target)).summary() == \
        "Deploy: nothing to do, the target is up to date."
