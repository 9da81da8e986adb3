"""Deploy with rsync: to a local folder, and over SSH to 127.0.0.1 when sshd is installed."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from coursesite.deploy import deploy
from coursesite.pipeline import Project, build

from conftest import ROOT
from helpers import run_cli, theme_assets


def built_site(tmp_path: Path, content: Path) -> Path:
    out = tmp_path / "site"
    build(Project(content=content, assets=theme_assets(tmp_path / "assets")), out)
    return out


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_deploy_to_local_folder_uploads_then_does_nothing(tmp_path, content_copy):
    site = built_site(tmp_path, content_copy)
    target = tmp_path / "webspace"
    target.mkdir()
    (target / "other-course.html").write_text("a maintainer's own page")
    first = deploy(site, str(target))
    assert "ss26_amls/index.html" in first.uploaded and first.deleted == []
    published = files_under(target)
    assert {k: v for k, v in published.items() if k != "other-course.html"} == files_under(site)
    second = deploy(site, str(target))
    assert second.uploaded == [] and second.deleted == []
    assert files_under(target) == published


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
    assert files_under(target) == files_under(site)
    assert deploy(site, f"{user}@127.0.0.1:{target}").uploaded == []
