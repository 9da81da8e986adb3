"""Checks derived from the schema: URL and room-id fields are found by their types.

A field typed S.Url is checked for a missing asset, a field typed S.RoomId for an unknown
room, wherever it is in the schema and without anyone listing it. These tests walk the
schema's type hints themselves (independently of checks.py), build an example in which every
field is set, and assert that the walkers reach every such field; then they add a field of
each type to a subclass, as a new schema field would be added, and see it checked.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import typing
from dataclasses import dataclass, is_dataclass
from typing import Literal, Optional

import pytest
from helpers import BROKEN

from coursesite import checks
from coursesite import schema as S
from coursesite.convert import READERS, Problems
from coursesite.errors import Problem
from coursesite.model import load_site

ROOTS = (S.SiteConfig, S.Rooms, *(cls for cls, _ in S.OFFERING_FILES.values()))


def schema_classes() -> list[type]:
    """Every dataclass reachable from the content files' classes through field types."""
    found, stack = [], list(ROOTS)
    while stack:
        cls = stack.pop()
        if cls in found:
            continue
        found.append(cls)
        for hint in public_hints(cls).values():
            stack.extend(t for t in leaf_types(hint) if is_dataclass(t))
    return found


def public_hints(cls) -> dict:
    """Field name -> type hint, without the loader's `where`."""
    return {name: tp for name, tp in typing.get_type_hints(cls).items() if name != "where"}


def leaf_types(hint) -> list:
    """The types a hint is made of: Optional[list[Link]] -> [Link, NoneType]."""
    if typing.get_origin(hint) in (typing.Union, list):
        return [leaf for arg in typing.get_args(hint) for leaf in leaf_types(arg)]
    return [hint]


def fields_typed(tp) -> set[tuple[str, str]]:
    """(class name, field name) of every schema field whose type is made of `tp`."""
    return {(cls.__name__, name) for cls in schema_classes()
            for name, hint in public_hints(cls).items() if tp in leaf_types(hint)}


def example(hint, label: str):
    """A value of the type `hint` in which every field is set; URLs and room ids are labelled
    with the field they are in ('u/Material.url'), so the test can see which were found."""
    origin = typing.get_origin(hint)
    if origin is typing.Union:
        return example(next(a for a in typing.get_args(hint) if a is not type(None)), label)
    if origin is list:
        return [example(typing.get_args(hint)[0], label)]
    if origin is Literal:
        return typing.get_args(hint)[0]
    if is_dataclass(hint):
        return hint(**{name: example(tp, f"{hint.__name__}.{name}")
                       for name, tp in public_hints(hint).items()})
    return {S.Url: f"u/{label}", S.RoomId: f"r-{label}", int: 1, bool: True, dict: {},
            dt.date: dt.date(2026, 4, 16), dt.time: dt.time(16), S.Tbd: S.TBD,
            dt.datetime: dt.datetime(2026, 4, 16, 16)}.get(hint, "text")


def found(refs) -> set[tuple[str, str]]:
    """(class name, field name) of the references a walker returned, checking their values."""
    for item, key, value in refs:
        assert value.endswith(f"{type(item).__name__}.{key}"), (item, key, value)
    return {(type(item).__name__, key) for item, key, _ in refs}


@pytest.mark.parametrize("tp, known", [
    (S.Url, {("Material", "url"), ("Room", "map_url"),
                                    ("Contact", "email"), ("Link", "url")}),
    (S.RoomId, {("Lecture", "room"), ("Exam", "room"),
                                        ("LectureSlot", "room"), ("OfficeHours", "room")}),
], ids=["Url", "RoomId"])
def test_the_walk_reaches_every_field_of_each_type(tp, known):
    expected = fields_typed(tp)
    assert known <= expected  # the type walk above sees nested and optional fields
    reached = set()
    for root in ROOTS:
        reached |= found(checks.offering_references(example(root, root.__name__))[tp])
    assert reached == expected


def test_every_scalar_type_of_the_schema_has_a_reader():
    scalars = {leaf for cls in schema_classes() for hint in public_hints(cls).values()
               for leaf in leaf_types(hint)
               if not is_dataclass(leaf) and typing.get_origin(leaf) is not Literal}
    # TBD is read by the Optional[date | Tbd] rule, `extra:` (dict) as plain values.
    assert scalars - {type(None), S.Tbd, dict} <= set(READERS)


# --- a field added to the schema is checked without being listed --------------------------

@dataclass(frozen=True)
class ExamWithBackupRoom(S.Exam):
    """An exam as it would be with one more room field."""

    backup_room: Optional[S.RoomId] = S.f("Room if the first is full", None)


@dataclass(frozen=True)
class AnnouncementWithImage(S.Announcement):
    """An announcement as it would be with one more URL field."""

    image: Optional[S.Url] = S.f("A picture shown with it", None)


def test_new_url_and_room_fields_are_checked(tmp_path):
    site = load_site(BROKEN / "valid", tmp_path)
    (o,) = site.offerings
    exam = ExamWithBackupRoom(id="final", title="Final", date=dt.date(2026, 7, 20),
                              room="bh-n-243", backup_room="bh-n-999",
                              where=S.Where("org.yaml", 2, "exams[0]", (("backup_room", 7),)))
    news = AnnouncementWithImage(date=dt.date(2026, 4, 10), title="Hello", image="pics/hi.png",
                                 where=S.Where("news.yaml", 2, "news[0]", (("image", 5),)))
    o = dataclasses.replace(o, organization=dataclasses.replace(o.organization, exams=[exam]),
                            news=dataclasses.replace(o.news, news=[news]))
    out = Problems()
    checks.check_offering(o, site.rooms, tmp_path, out)
    assert sorted(out.errors) == [
        Problem("news.yaml", 5, "news[0].image", "no file assets/pics/hi.png; relative URLs "
                "name files under assets/ (add the file or fix the path)"),
        Problem("org.yaml", 7, "exams[0].backup_room", "unknown room 'bh-n-999' (closest: "
                "bh-n-243); rooms are defined in rooms.yaml"),
    ]
    (tmp_path / "pics").mkdir()
    (tmp_path / "pics" / "hi.png").write_bytes(b"")
    out = Problems()
    checks.check_offering(dataclasses.replace(o, organization=dataclasses.replace(
        o.organization, exams=[dataclasses.replace(exam, backup_room="bh-n-243")])),
        site.rooms, tmp_path, out)
    assert out.errors == []


def test_a_list_of_urls_gives_one_reference_per_url():
    @dataclass(frozen=True)
    class Gallery:
        pictures: list[S.Url] = dataclasses.field(default_factory=list)
        where: S.Where = S.where_field()

    gallery = Gallery(["a.png", "b.png"])
    assert checks.offering_references(gallery)[S.Url] == [(gallery, "pictures", "a.png"),
                                              (gallery, "pictures", "b.png")]
