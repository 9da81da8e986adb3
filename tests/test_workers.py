"""Large sites are read, checked and rendered in forked workers: the output, and every
problem reported, are the same as when everything runs in one process."""
from __future__ import annotations

import datetime as dt
import os

import pytest
from helpers import fixture_project

from coursesite import workers
from coursesite.errors import ContentError
from coursesite.pipeline import render_site

NOW = dt.datetime(2026, 5, 20, 10, 0)


def split(monkeypatch, on: bool) -> None:
    """Make every site (the fixtures have six offerings) split over two workers, or none."""
    monkeypatch.setattr(workers, "PARALLEL_FROM", 1 if on else 10**9)
    monkeypatch.setattr(workers, "worker_count", lambda: 2)


def outcome(project) -> tuple:
    """(files, warnings) of a build, or the problems it raised."""
    try:
        result = render_site(project, now=NOW)
    except ContentError as exc:
        return "problems", exc.problems
    return result.files, result.site.warnings


def test_workers_give_the_bytes_of_one_process(tmp_path, monkeypatch):
    project = fixture_project(tmp_path, "archive")
    split(monkeypatch, False)
    alone = outcome(project)
    split(monkeypatch, True)
    together = outcome(project)
    assert alone[0] != "problems" and len(alone[0]) > 40
    assert together == alone


def test_templates_are_compiled_before_the_workers_fork(tmp_path, monkeypatch):
    """A split build compiles its offering pages' templates once, in the parent: the
    workers find them compiled (none compiles one again). Without the theme compiled at
    installation (coursesite.precompiled), which would leave nothing to compile."""
    import jinja2  # noqa: PLC0415

    from coursesite import precompiled  # noqa: PLC0415

    project = fixture_project(tmp_path, "archive")
    monkeypatch.setattr(precompiled, "STORE", tmp_path / "no store")
    split(monkeypatch, True)
    parent, log = os.getpid(), tmp_path / "compiled in workers"
    compile_ = jinja2.Environment.compile

    def noted(env, source, name=None, *args, **kwargs):
        if os.getpid() != parent:  # a worker: its memory is its own, so note it in a file
            with log.open("a") as fh:
                fh.write(f"{name}\n")
        return compile_(env, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", noted)
    result = render_site(project, now=NOW)
    assert len(result.files) > 40
    assert not log.exists()


def test_workers_report_the_problems_of_one_process(tmp_path, monkeypatch):
    project = fixture_project(tmp_path, "archive")
    course = project.content / "ss25_amls" / "course.yaml"
    course.write_text(course.read_text().replace("room: bh-n-243", "room: no-such-room", 1))
    (project.content / "ws19_dbs" / "course.yaml").write_text("title: [unclosed\n")
    split(monkeypatch, False)
    alone = outcome(project)
    split(monkeypatch, True)
    together = outcome(project)
    assert alone[0] == "problems"
    assert {p.file.rsplit("/", 2)[-2] for p in alone[1]} >= {"ss25_amls", "ws19_dbs"}
    assert together == alone


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_results_come_back_in_the_order_of_the_items(count, monkeypatch):
    monkeypatch.setattr(workers, "worker_count", lambda: count)
    items = list(range(11))
    assert workers.map_in_workers(_scaled, items, 10) == [10 * i for i in items]


def _scaled(factor: int, item: int) -> int:
    return factor * item


def test_an_empty_list_needs_no_worker():
    assert workers.map_in_workers(_scaled, [], 10) == []


def test_this_process_computes_a_share_and_each_worker_one(monkeypatch):
    monkeypatch.setattr(workers, "worker_count", lambda: 3)
    pids = workers.map_in_workers(_pid, list(range(7)), None)
    assert pids[0::3] == [os.getpid()] * 3
    assert len(set(pids[1::3])) == len(set(pids[2::3])) == 1
    assert len(set(pids)) == 3


def _pid(_, __: int) -> int:
    return os.getpid()


@pytest.mark.parametrize("count", [1, 2, 3])
def test_the_first_item_to_fail_gives_the_exception(count, monkeypatch):
    """As one after another: items 4 and 5 fail (in different shares), 4's error is raised."""
    monkeypatch.setattr(workers, "worker_count", lambda: count)
    with pytest.raises(ValueError, match="item 4"):
        workers.map_in_workers(_failing_from, list(range(9)), 4)


def _failing_from(first: int, item: int) -> int:
    if item >= first:
        raise ValueError(f"item {item}")
    return item


def test_a_worker_that_dies_is_an_error_not_a_hang(monkeypatch):
    monkeypatch.setattr(workers, "worker_count", lambda: 2)
    parent = os.getpid()
    with pytest.raises(RuntimeError, match="a worker process failed"):
        workers.map_in_workers(_dying, list(range(4)), parent)


def _dying(parent: int, item: int) -> int:
    if os.getpid() != parent:
        os._exit(3)
    return item
