"""The GitHub and GitLab recipes: valid YAML of the right shape, the same targets, a content
edit deploys after `make check` alone, and the tool's suite runs exactly when the tool changed."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

from coursesite.pipeline import THEME_ASSETS


def make_targets(scripts: list[str]) -> set[str]:
    """The make targets (and .ci/run) that a list of shell lines calls."""
    found = set()
    for line in scripts:
        found |= {f"make {m}".strip() for m in re.findall(r"\bmake(?: ([a-z]+))?\b", line)}
        if re.search(r"\.ci/run(?![\w/-])(?! --packages-only)", line):
            found.add("make test")  # .ci/run ends in `make test`
    return found


def github(root: Path = ROOT) -> dict:
    return yaml.safe_load((root / ".github/workflows/site.yml").read_text())


def gitlab(root: Path = ROOT) -> dict:
    return yaml.safe_load((root / ".gitlab-ci.yml").read_text())


def job_lines(job: dict) -> list[str]:
    return [s["run"] for s in job.get("steps", []) if "run" in s] + list(job.get("script", []))


# --- what every site's recipes must do (this repository's, and those `coursesite new` writes:
# tests/test_package.py runs these on a scaffolded site) ------------------------------------

def check_github_site_recipe(wf: dict) -> None:
    """Every push and pull request checks, daily runs release on time, deploy only from main
    after the check, and every job sees the whole history."""
    triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads the key `on` as True
    assert {"push", "pull_request", "schedule", "workflow_dispatch"} <= set(triggers)
    assert triggers["schedule"][0]["cron"].split()[2:] == ["*", "*", "*"]  # daily
    jobs = wf["jobs"]
    assert {"check", "deploy"} <= set(jobs)
    assert make_targets(job_lines(jobs["check"])) == {"make check", "make"}
    assert make_targets(job_lines(jobs["deploy"])) == {"make deploy"}
    assert "check" in jobs["deploy"]["needs"]
    assert "refs/heads/main" in jobs["deploy"]["if"]
    for job in jobs.values():  # the calendar's change record needs the whole history
        checkout = next(s for s in job["steps"] if s.get("uses", "").startswith(
            "actions/checkout"))
        assert checkout["with"]["fetch-depth"] == 0


def check_gitlab_site_recipe(ci: dict) -> None:
    """The same on GitLab: check, then deploy after it; Pages publishes site/ as public/."""
    assert ci["stages"][0] == "check" and ci["stages"][-1] == "deploy"
    assert ci["variables"]["GIT_DEPTH"] == "0"
    assert make_targets(ci["check"]["script"]) == {"make check", "make"}
    assert make_targets(ci["deploy"]["script"]) == {"make deploy"}
    assert "check" in {n["job"] for n in ci["deploy"]["needs"]}
    assert ci["pages"]["artifacts"]["paths"] == ["public"]


def check_same_make_targets(root: Path, expected: set[str]) -> None:
    """Both recipes call the same make targets (GitLab's Pages job aside)."""
    gh_lines = [line for job in github(root)["jobs"].values() for line in job_lines(job)]
    gl_lines = [line for name, job in gitlab(root).items() if isinstance(job, dict)
                and "script" in job and name != "pages" for line in job["script"]]
    assert make_targets(gh_lines) == make_targets(gl_lines) == expected


def check_deploy_configured_by_variables(root: Path) -> None:
    text = (root / ".github/workflows/site.yml").read_text() + (root / ".gitlab-ci.yml").read_text()
    assert "DEPLOY_TARGET" in text and "DEPLOY_SSH_KEY" in text and "DEPLOY_KNOWN_HOSTS" in text
    assert not re.search(r"BEGIN [A-Z ]*PRIVATE KEY", text)


# --- this repository's recipes: the site's checks, and the tool's suite when it changed --------

def test_github_workflow_triggers_and_jobs():
    wf = github()
    check_github_site_recipe(wf)
    jobs = wf["jobs"]
    assert set(jobs) == {"check", "test", "deploy"}
    assert set(jobs["deploy"]["needs"]) == {"check", "test"}
    suite = [s for s in jobs["test"]["steps"] if s.get("run", "").strip() == ".ci/run"]
    assert len(suite) == 1 and suite[0]["if"] == "steps.changed.outputs.tool == 'true'"
    assert any(".ci/tool-changed" in s.get("run", "") for s in jobs["test"]["steps"])


def test_gitlab_pipeline_stages_and_jobs():
    ci = gitlab()
    check_gitlab_site_recipe(ci)
    assert ci["stages"] == ["check", "test", "deploy"]
    assert {n["job"] for n in ci["deploy"]["needs"]} == {"check", "test"}
    assert any(".ci/tool-changed" in line for line in ci["test"]["script"])
    assert any(re.search(r'\$tool" = true \]; then \.ci/run; fi', line)
               for line in ci["test"]["script"])


def test_both_recipes_call_the_same_make_targets():
    check_same_make_targets(ROOT, {"make", "make test", "make check", "make deploy"})


def test_deploy_is_configured_only_through_variables():
    check_deploy_configured_by_variables(ROOT)


def tool_changed(*paths: str) -> str:
    return subprocess.run([str(ROOT / ".ci" / "tool-changed"), "--files"], check=True,
                          input="\n".join(paths) + "\n", capture_output=True,
                          text=True).stdout.strip()


@pytest.mark.parametrize(("paths", "expected"), [
    (["content/ss26_amls/lectures.yaml"], "false"),
    (["content/ss26_amls/course.yaml", "assets/ss26_amls/01-intro.pdf", "content/rooms.yaml"],
     "false"),
    (["content/site.yaml", "coursesite/render.py"], "true"),
    (["templates/course.html"], "true"),
    (["tests/test_cli.py"], "true"),
    (["pyproject.toml"], "true"),
    ([".github/workflows/site.yml"], "true"),
    (["README.md"], "true"),
    (["contentx/a.yaml"], "true"),
    *[([f"assets/{name}"], "true") for name in THEME_ASSETS],
])
def test_tool_changed_tells_content_edits_from_tool_changes(paths, expected):
    assert tool_changed(*paths) == expected


def test_tool_changed_runs_the_suite_when_unsure():
    for base in ("", "0000000000000000000000000000000000000000", "not-a-commit"):
        out = subprocess.run([str(ROOT / ".ci" / "tool-changed"), base], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.strip()
        assert out == "true", base


def test_tool_changed_names_the_theme_files_the_build_knows():
    script = (ROOT / ".ci" / "tool-changed").read_text()
    (theme_line,) = [line for line in script.splitlines()
                     if line.strip().startswith("assets/") and "echo true" in line]
    listed = set(re.findall(r"assets/([\w.-]+)", theme_line.split(")")[0]))
    assert listed == set(THEME_ASSETS)
