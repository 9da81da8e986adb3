"""The GitHub and GitLab recipes are valid YAML of the right shape and call the same targets."""
from __future__ import annotations

import re

import yaml

from conftest import ROOT


def make_targets(scripts: list[str]) -> set[str]:
    """The make targets (and .ci/run) that a list of shell lines calls."""
    found = set()
    for line in scripts:
        found |= {f"make {m}".strip() for m in re.findall(r"\bmake(?: ([a-z]+))?\b", line)}
        if ".ci/run" in line and "--packages-only" not in line:
            found.add("make test")  # .ci/run ends in `make test`
    return found


def github() -> dict:
    return yaml.safe_load((ROOT / ".github/workflows/site.yml").read_text())


def gitlab() -> dict:
    return yaml.safe_load((ROOT / ".gitlab-ci.yml").read_text())


def test_github_workflow_triggers_and_jobs():
    wf = github()
    triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads the key `on` as True
    assert {"push", "pull_request", "schedule", "workflow_dispatch"} <= set(triggers)
    assert triggers["schedule"][0]["cron"].split()[2:] == ["*", "*", "*"]  # daily
    assert set(wf["jobs"]) == {"test", "deploy"}
    assert wf["jobs"]["deploy"]["needs"] == "test"
    assert "refs/heads/main" in wf["jobs"]["deploy"]["if"]


def test_gitlab_pipeline_stages_and_jobs():
    ci = gitlab()
    assert ci["stages"] == ["test", "build", "deploy"]
    for job in ("test", "build", "deploy"):
        assert ci[job]["stage"] == job and ci[job]["script"]
    assert ci["pages"]["artifacts"]["paths"] == ["public"]


def test_both_recipes_call_the_same_make_targets():
    gh_lines = [step["run"] for job in github()["jobs"].values() for step in job["steps"]
                if "run" in step]
    gl_lines = [line for name, job in gitlab().items() if isinstance(job, dict) and "script" in job
                and name != "pages" for line in job["script"]]
    assert make_targets(gh_lines) == make_targets(gl_lines) == {
        "make", "make test", "make check", "make deploy"}


def test_deploy_is_configured_only_through_variables():
    text = (ROOT / ".github/workflows/site.yml").read_text() + (ROOT / ".gitlab-ci.yml").read_text()
    assert "DEPLOY_TARGET" in text and "DEPLOY_SSH_KEY" in text and "DEPLOY_KNOWN_HOSTS" in text
    assert not re.search(r"BEGIN [A-Z ]*PRIVATE KEY", text)
