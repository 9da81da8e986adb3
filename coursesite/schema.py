"""The content schema, declared once as data: one frozen dataclass per kind of thing.

Each field's type says how its YAML value is read (see the readers in convert.py) and its
`doc` is the maintainer's reference (exported by `python build.py schema` as JSON Schema).
Fields without a default are required. `where` is filled by the loader, never from YAML.
This module is also the only home of every value pattern: the readers and the JSON Schema
export both use the ones below, so the two can never disagree.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import MISSING, dataclass, field
from dataclasses import fields as dc_fields
from typing import Literal, NewType, Optional, Union

# Value kinds beyond Python's own; convert.py has one reader for each.
Text = NewType("Text", str)                  # prose on one line: a string or {en: .., de: ..}
Name = NewType("Name", str)                  # a name (person, room): the same in every language
#                                              unless written {en: .., de: ..}
Markdown = NewType("Markdown", str)          # markdown text, rendered to HTML (translatable)
Url = NewType("Url", str)                    # http(s)/mailto URL or a path under assets/
AbsoluteUrl = NewType("AbsoluteUrl", str)    # http(s) URL ending in '/'
Id = NewType("Id", str)                      # lower-case word: letters, digits, '-', '_'
RoomId = NewType("RoomId", str)              # the id of a room in rooms.yaml
Weekday = NewType("Weekday", str)            # mon, tue, wed, thu, fri, sat, sun
TimeZoneName = NewType("TimeZoneName", str)  # an IANA zone such as Europe/Berlin
Region = NewType("Region", str)              # holiday region: country or country-subdivision
TeamSize = NewType("TeamSize", str)          # '2' or a range '1-3'
Minutes = NewType("Minutes", int)            # a length: 90, 90min, 1h, 1h30
MarkdownOrOff = NewType("MarkdownOrOff", str)  # markdown text, or false (None is the default)

# --- the patterns of values (matched whole, with fullmatch) --------------------------------

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # what a Weekday is written as
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TIME = re.compile(r"([01]?\d|2[0-3]):[0-5]\d")  # 24-hour; the hour may have one digit
DATETIME = re.compile(DATE.pattern + "[T ]" + TIME.pattern)
ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
SLUG = ID  # offering folder names become URLs: the same alphabet as ids
SLUG_GAP = re.compile(r"[^a-z0-9]+")  # what slugify() turns into one '-'
TEAM_SIZE = re.compile(r"[1-9]\d*(-[1-9]\d*)?")
LENGTH = re.compile(r"(?:(\d{1,2})h)?\s*(?:(\d{1,3})(?:\s*min)?)?")  # hours and/or minutes
WHOLE_NUMBER = re.compile(r"[+-]?\d{1,9}")  # int() refuses > 4300 digits; no count is that big
ABSOLUTE_URL = re.compile(r"(?i:https?)://[^\s/]+(/[^\s]*)?/")
OUTSIDE_URL = re.compile(r"((?i:https?)://[^\s/]+[^\s]*|(?i:mailto):[^\s@]+@[^\s@]+)")
OUTSIDE_SCHEME = re.compile(r"(?i:https?|mailto):")  # matched at the start: not a local path
TIME_ZONE = re.compile(r"[A-Za-z_]+(/[A-Za-z0-9_+-]+)+|UTC")
COUNTRY = re.compile(r"[A-Z]{2}")  # of a holiday Region, before the optional '-subdivision'


def is_local(url: str) -> bool:
    """True for a relative path into assets/ (not http, https or mailto)."""
    return not OUTSIDE_SCHEME.match(url)


class Tbd:
    """Marks a date that is not fixed yet (written `TBD` in YAML)."""

    def __repr__(self) -> str:
        return "TBD"

    def __eq__(self, other) -> bool:
        return isinstance(other, Tbd)

    def __hash__(self) -> int:
        return 0

    def __reduce__(self) -> str:
        return "TBD"  # unpickled (in a worker's result) as the one TBD: `is S.TBD` holds


TBD = Tbd()
DateOrTbd = Union[dt.date, Tbd]


def f(doc: str, default=MISSING, factory=MISSING):
    """A schema field with its one-line documentation."""
    if factory is not MISSING:
        return field(default_factory=factory, metadata={"doc": doc})
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class Where:
    """Where a mapping was written: its file and line, its path, and the line of each key."""

    file: str = ""
    line: int = 0
    path: str = ""
    key_lines: tuple = ()
    translated: bool = False  # on a file's top mapping: the file holds a {en: .., de: ..}

    def line_of(self, key: str) -> int:
        """The line of `key` in this mapping, or of the mapping itself when absent."""
        for name, line in self.key_lines:  # a handful of keys: no dict to build
            if name == key:
                return line
        return self.line

    def path_of(self, key: str) -> str:
        """The path of `key` in this mapping, as problems name it (parts[0].title)."""
        return join_path(self.path, key)


def join_path(path: str, key: str) -> str:
    """The path of `key` inside the value at `path` ('' is the file's top level)."""
    return f"{path}.{key}" if path else key


def where_field():
    """The `where` field: filled by the converter, not compared, not in the JSON Schema."""
    return field(default=Where(), compare=False, repr=False, metadata={"internal": True})


def public_fields(cls) -> list:
    """The fields of a schema class that YAML may set (all but `where`), in order."""
    return [fld for fld in dc_fields(cls) if fld.name != "where"]


def required(fld) -> bool:
    """True for a field without a default: its key must be written."""
    return fld.default is MISSING and fld.default_factory is MISSING


# --- site.yaml and rooms.yaml -------------------------------------------------------------

@dataclass(frozen=True)
class Contact:
    """Someone to write to about the site."""

    name: Name = f("Name as shown")
    email: Optional[Url] = f("mailto: address, e.g. mailto:jane@example.org", None)
    where: Where = where_field()


@dataclass(frozen=True)
class SiteConfig:
    """content/site.yaml: settings for the whole site."""

    title: Text = f("Site title, shown on the landing page and in every page title")
    base_url: Optional[AbsoluteUrl] = f(
        "Absolute URL the site is published at, ending in '/'; only used where a link must be "
        "absolute (calendar subscription links). Pages always link relatively.", None)
    timezone: TimeZoneName = f("Default IANA time zone of offerings", "Europe/Berlin")
    language: Literal["en", "de"] = f(
        "Default language of the pages, feeds and calendars: en (English) or de (German)", "en")
    languages: list[Literal["en", "de"]] = f(
        "Languages offerings are published in by default, e.g. [en, de]: the first (or "
        "`language`) at the usual URLs, each other under its prefix (de/...)", factory=list)
    holiday_region: Region = f("Default public-holiday region, e.g. DE-BE, AT-6, DK", "DE-BE")
    institution: Optional[Name] = f(
        "Default university of the offerings, e.g. TU Berlin (shown where one differs)", None)
    description: Optional[Markdown] = f("Text on the landing page", None)
    maintainer: Optional[Contact] = f("Who maintains the site", None)
    extra: dict = f("Free-form values for custom templates", factory=dict)
    where: Where = where_field()


@dataclass(frozen=True)
class Room:
    """A room in rooms.yaml, shared by all offerings."""

    id: RoomId = f("Short id used in offerings, e.g. bh-n-243")
    name: Name = f("Name as shown, e.g. BH-N 243")
    building: Optional[Name] = f("Building name", None)
    address: Optional[Name] = f("Street address", None)
    map_url: Optional[Url] = f("Link to a map or room finder", None)
    where: Where = where_field()

    @property
    def details(self) -> str:
        """'Building, address' (what of them is set), as pages and feeds show it."""
        return ", ".join(p for p in (self.building, self.address) if p)


@dataclass(frozen=True)
class Rooms:
    """content/rooms.yaml."""

    rooms: list[Room] = f("All rooms", factory=list)
    where: Where = where_field()


# --- course.yaml ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Link:
    """A labelled link."""

    label: Name = f("Text of the link, e.g. Zoom")
    url: Optional[Url] = f("Where it points (omit while unknown: the label is shown alone)", None)
    where: Where = where_field()


@dataclass(frozen=True)
class Break:
    """A lecture-free period inside the term, e.g. the Christmas break."""

    start: dt.date = f("First day without lectures")
    end: dt.date = f("Last day without lectures (the same day for a single day)")
    label: Optional[Text] = f("What it is, e.g. Christmas break", None)
    where: Where = where_field()


@dataclass(frozen=True)
class Term:
    """The term an offering runs in, with its lecture period."""

    season: Literal["summer", "winter", "fall", "spring", "block"] = f(
        "summer, winter, fall, spring, or block (a blocked course with its own dates)")
    year: int = f("Year the term starts in (winter 2026 runs into 2027)")
    start: dt.date = f("First day of the lecture period (of a blocked course: its first day)")
    end: dt.date = f("Last day of the lecture period (of a blocked course: its last day)")
    label: Optional[Text] = f(
        "The term as the university writes it, e.g. SS2019, WS2021/22, Fall 2022 "
        "(default: Summer 2026, Winter 2026/27, Fall 2022, Spring 2023, Block course 2019)",
        None)
    breaks: list[Break] = f("Lecture-free periods: no lectures or office hours then",
                            factory=list)
    where: Where = where_field()


@dataclass(frozen=True)
class CourseCode:
    """An entry in the university's course catalogue."""

    number: str = f("Catalogue number, e.g. 41078")
    kind: Optional[Name] = f("Kind of course, e.g. VL/UE", None)
    name: Optional[Name] = f("Official name", None)
    order: Literal["kind-first", "number-first"] = f(
        "How the university writes it: kind-first (VL/UE 41078) or number-first (41078 VL/UE)",
        "kind-first")
    where: Where = where_field()


@dataclass(frozen=True)
class SectionTitles:
    """Headings of the course page's sections, when the offering calls them otherwise."""

    lectures: Optional[Text] = f("Default: Lectures", None)
    projects: Optional[Text] = f("Default: Project / Exercises", None)
    dates: Optional[Text] = f("Default: Exams and deadlines", None)
    organization: Optional[Text] = f("Default: Organization", None)
    where: Where = where_field()


@dataclass(frozen=True)
class LectureSlot:
    """A weekly lecture time."""

    weekday: Weekday = f("mon .. sun")
    start: dt.time = f("Start time, 24-hour, e.g. 16:00")
    end: Optional[dt.time] = f("End time, e.g. 18:00 (or give length)", None)
    length: Optional[Minutes] = f("Length when the end is not written, e.g. 90min or 1h30",
                                  None)
    room: Optional[RoomId] = f("Room id from rooms.yaml (omit for online-only)", None)
    online: list[Link] = f("Online links, e.g. {label: Zoom, url: https://...}", factory=list)
    where: Where = where_field()


@dataclass(frozen=True)
class OfficeHours:
    """A weekly office hour."""

    weekday: Weekday = f("mon .. sun")
    start: dt.time = f("Start time, e.g. 16:00")
    end: dt.time = f("End time, e.g. 17:30")
    room: Optional[RoomId] = f("Room id from rooms.yaml", None)
    online: list[Link] = f("Online links", factory=list)
    start_date: Optional[dt.date] = f("First day (default: the week of the first lecture)", None)
    exclude: list[dt.date] = f("Dates on which it does not take place", factory=list)
    note: Optional[Markdown] = f("Shown next to the office hours", None)
    where: Where = where_field()


@dataclass(frozen=True)
class Weekly:
    """The weekly meetings of an offering."""

    lectures: list[LectureSlot] = f("Lecture slots", factory=list)
    office_hours: list[OfficeHours] = f("Office hours", factory=list)
    where: Where = where_field()


@dataclass(frozen=True)
class Course:
    """content/<offering>/course.yaml: what the offering is."""

    title: Text = f("Course title, e.g. Architecture of ML Systems")
    short: str = f("Short name used in calendars, e.g. AMLS")
    term: Term = f("Term and lecture period")
    course: Optional[Id] = f(
        "Stable id of the course across its offerings and renames, e.g. amls (default: the "
        "short name in lower case); offerings with one id are listed together", None)
    institution: Optional[Name] = f("University it is held at (default: site.yaml's)", None)
    codes: list[CourseCode] = f("Catalogue entries", factory=list)
    ects: Optional[int] = f("Credit points of the module", None)
    level: Optional[Text] = f("Level of study, e.g. master", None)
    programmes: list[Text] = f("Study programmes the module is applicable to", factory=list)
    study_areas: list[Text] = f("Study areas the module belongs to", factory=list)
    module_sentence: Optional[MarkdownOrOff] = f(
        "The sentence introducing the module (default: made from ects, level, programmes and "
        "study areas); false leaves it out", None)
    description: Optional[Markdown] = f("What the course is about", None)
    sections: SectionTitles = f("Headings of the course page, when renamed",
                                factory=SectionTitles)
    timezone: Optional[TimeZoneName] = f("Time zone (default: site.yaml's)", None)
    holiday_region: Optional[Region] = f("Holiday region (default: site.yaml's)", None)
    language: Optional[Literal["en", "de"]] = f(
        "Language of the offering's pages, feeds and calendars: en or de (default: site.yaml's)",
        None)
    languages: list[Literal["en", "de"]] = f(
        "Languages to publish it in, e.g. [en, de]: the first (or `language`) at the usual "
        "URLs, each other under its prefix, de/<offering>/ (default: site.yaml's)", factory=list)
    weekly: Weekly = f("Weekly lecture slots and office hours", factory=Weekly)
    extra: dict = f("Free-form values for custom templates", factory=dict)
    where: Where = where_field()


# --- lectures.yaml -------------------------------------------------------------------------

@dataclass(frozen=True)
class Material:
    """Slides, recordings and other files of a lecture."""

    kind: Literal["slides", "pptx", "video", "notes", "link"] = f(
        "slides, pptx, video, notes or link")
    url: Url = f("http(s) URL or a path under assets/, e.g. ss26_amls/01-intro.pdf")
    label: Optional[Text] = f("Link text (default: from the kind)", None)
    release: Optional[dt.datetime] = f(
        "Publish from this local time on, e.g. 2026-04-16T14:00; before it the page shows the "
        "item without a link and a file under assets/ is not published", None)
    where: Where = where_field()


@dataclass(frozen=True)
class Lecture:
    """One lecture session."""

    title: Text = f("Title of the session")
    date: DateOrTbd = f("Date, e.g. 2026-04-16, or TBD")
    number: Optional[int] = f("Lecture number (omit for sessions such as a discussion)", None)
    start: Optional[dt.time] = f(
        "Start time when it differs from the slot (with no slot and no start the session is "
        "date-only: shown by its date, an all-day entry in the calendar)", None)
    end: Optional[dt.time] = f("End time when it differs from the slot", None)
    room: Optional[RoomId] = f("Room when it differs from the slot", None)
    materials: list[Material] = f("Slides, videos, notes, links", factory=list)
    status: Literal["scheduled", "cancelled"] = f("scheduled or cancelled", "scheduled")
    note: Optional[Markdown] = f("Shown with the lecture (say why it is cancelled)", None)
    where: Where = where_field()


@dataclass(frozen=True)
class Part:
    """A part of the lecture series, e.g. A: Overview and ML System Internals."""

    letter: str = f("Letter of the part, e.g. A")
    title: Text = f("Title of the part")
    lectures: list[Lecture] = f("Lectures in order", factory=list)
    where: Where = where_field()


@dataclass(frozen=True)
class Lectures:
    """content/<offering>/lectures.yaml."""

    intro: Optional[Markdown] = f("Shown above the list of lectures", None)
    parts: list[Part] = f("Parts in order", factory=list)
    where: Where = where_field()


# --- projects.yaml -------------------------------------------------------------------------

@dataclass(frozen=True)
class Proposal:
    """A project proposal students can pick."""

    id: Id = f("Unique id, e.g. sysds-01")
    title: Text = f("Title")
    system: Optional[Name] = f("System it is built in, e.g. Apache SystemDS", None)
    team_size: Optional[TeamSize] = f("Team size, e.g. 2 or 1-3", None)
    supervisors: list[Name] = f("Supervisors", factory=list)
    status: Literal["open", "assigned"] = f("open or assigned", "open")
    description: Optional[Markdown] = f("What the project is", None)
    links: list[Link] = f("Further links", factory=list)
    where: Where = where_field()


@dataclass(frozen=True)
class Exercise:
    """An alternative to a project."""

    title: Text = f("Title, e.g. Programming contest")
    description: Optional[Markdown] = f("What it is", None)
    links: list[Link] = f("Further links", factory=list)
    where: Where = where_field()


@dataclass(frozen=True)
class Projects:
    """content/<offering>/projects.yaml."""

    intro: Optional[Markdown] = f("Workload, preferred systems, how to choose", None)
    proposals_url: Optional[Url] = f("External list of proposals, when not listed here", None)
    proposals: list[Proposal] = f("Project proposals", factory=list)
    exercises: list[Exercise] = f("Alternative exercises", factory=list)
    where: Where = where_field()


# --- organization.yaml ---------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    """A lecturer or teaching assistant."""

    name: Name = f("Name with title, e.g. Univ.-Prof. Dr.-Ing. Matthias Boehm")
    affiliation: Optional[Name] = f("Group or institute, e.g. DAMS", None)
    email: Optional[Url] = f("mailto: address", None)
    url: Optional[Url] = f("Home page", None)
    where: Where = where_field()


@dataclass(frozen=True)
class Exam:
    """An exam; its date may be TBD."""

    id: Id = f("Stable id, e.g. final (keeps the calendar entry when the date moves)")
    title: Text = f("Title, e.g. Final written exam")
    date: DateOrTbd = f("Date or TBD")
    start: Optional[dt.time] = f("Start time (omit for an all-day entry)", None)
    end: Optional[dt.time] = f("End time", None)
    room: Optional[RoomId] = f("Room id", None)
    place: Optional[Text] = f("Place in words when not a room", None)
    text: Optional[Markdown] = f("Further details", None)
    where: Where = where_field()


@dataclass(frozen=True)
class Deadline:
    """A submission deadline; its date may be TBD."""

    id: Id = f("Stable id, e.g. projects")
    title: Text = f("What is due")
    date: DateOrTbd = f("Date or TBD")
    time: Optional[dt.time] = f("Time it is due (omit for end of day)", None)
    text: Optional[Markdown] = f("Further details", None)
    where: Where = where_field()


@dataclass(frozen=True)
class Organization:
    """content/<offering>/organization.yaml."""

    lecturers: list[Person] = f("Lecturers", factory=list)
    assistants: list[Person] = f("Teaching assistants", factory=list)
    exams: list[Exam] = f("Exams", factory=list)
    deadlines: list[Deadline] = f("Submission deadlines", factory=list)
    grading: Optional[Markdown] = f("How the course is graded", None)
    notes: Optional[Markdown] = f("Further notes", None)
    where: Where = where_field()


# --- news.yaml -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Announcement:
    """A dated announcement on the course page and in its news feed."""

    date: dt.date = f("Date it is published, e.g. 2026-04-10")
    title: Text = f("Headline")
    time: Optional[dt.time] = f("Time it is published (default 00:00)", None)
    body: Optional[Markdown] = f("The announcement", None)
    pinned: bool = f("Keep it at the top of the list", False)
    where: Where = where_field()


@dataclass(frozen=True)
class News:
    """content/<offering>/news.yaml."""

    news: list[Announcement] = f("Announcements, in any order", factory=list)
    where: Where = where_field()


# The files of an offering folder and the dataclass each holds; None = optional file.
OFFERING_FILES = {
    "course.yaml": (Course, True),
    "lectures.yaml": (Lectures, True),
    "projects.yaml": (Projects, False),
    "organization.yaml": (Organization, False),
    "news.yaml": (News, False),
}
