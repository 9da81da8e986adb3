"""`build.py new-term`: the next term's offering folder, rolled over from an old one.

The old offering is validated first (nothing is written when the content has a problem);
the new term and its lecture dates come from newterm_dates.py; the five YAML files are then
edited in ruamel.yaml's round-trip mode, so the maintainers' comments, key order, quoting and
flow style stay as written. The new folder is written to a hidden sibling (skipped by the
loader), the whole content is validated with it, and only then is it renamed into place.
"""
from __future__ import annotations

import io
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken
from ruamel.yaml.util import load_yaml_guess_indent

from . import schema as S
from .errors import ContentError, Problem
from .load import display_path
from .model import Offering, load_site
from .newterm_dates import NewTerm, closed_days, map_dates, new_term
from .schema import WEEKDAY_NAMES, WEEKDAYS
from .text import labels, lecture_number


@dataclass(frozen=True)
class Row:
    """One line of the printed table: a lecture's old and new date, and what changed."""

    number: str
    title: str
    old: object
    new: object
    note: str


def new_term_folder(content: Path, assets: Path | None, slug: str, source: str, start,
                    end=None, breaks=()) -> str:
    """Create content/<slug>/ for the term after content/<source>/'s; return the report.

    Raises ContentError, having written nothing, when the target exists, the source is not
    an offering, the content has problems, the dates do not fit, or the result would not load.
    """
    content = Path(content)
    target = content / slug
    if target.exists() or target.is_symlink():
        raise ContentError(f"new-term: {display_path(target)} already exists; choose another "
                           "name for the new offering (or remove that folder first)")
    site = load_site(content, assets)
    offering = find_offering(site.offerings, source, content)
    keep = offering.course.term.season == "block" or not offering.course.weekly.lectures
    term = new_term(offering.course.term, start, end, tuple(breaks), keep)
    closed = closed_days(offering.holiday_region, term)
    weekdays = {WEEKDAYS.index(slot.weekday) for slot in offering.course.weekly.lectures}
    new_dates, skipped = map_dates([s.lecture.date for s in offering.sessions], term,
                                   weekdays, closed)
    docs = {name: Document.read(content / source / name)
            for name in S.OFFERING_FILES if (content / source / name).is_file()}
    rows = roll_documents(docs, offering, term, new_dates)
    warnings = write_offering(content, assets, slug, {n: d.text() for n, d in docs.items()})
    return report(offering, slug, term, rows, skipped, closed, sorted(docs), warnings,
                  display_path(target))


def find_offering(offerings, source: str, content: Path) -> Offering:
    """The offering named `source`; ContentError listing the offerings when there is none."""
    for o in offerings:
        if o.slug == source:
            return o
    known = ", ".join(sorted(o.slug for o in offerings)) or "none"
    raise ContentError(f"new-term: --from {source}: no offering {display_path(content / source)}"
                       f" (offerings: {known}); give the folder name of the old offering")


# --- round-trip YAML -----------------------------------------------------------------------

class Document:
    """One YAML file in round-trip form: edit `data`, then `text()` writes it back."""

    def __init__(self, original: str):
        self.original = original
        self.lines = original.splitlines()
        self.carried: dict = {}  # (id of a mapping, key) -> comment lines moved onto it
        self.yaml = round_trip_yaml(original)
        self.data = self.yaml.load(original)

    @classmethod
    def read(cls, path: Path) -> Document:
        """The file at path (already validated by load_site: UTF-8, a mapping or empty)."""
        return cls(path.read_bytes().decode("utf-8"))

    def drop(self, mapping: CommentedMap, key: str) -> None:
        """Remove `key` from a mapping of this document, keeping the comment lines that
        follow its value (they belong to what comes next): they move to the end of the
        previous key's value. Comments inside the removed value go with it."""
        if key not in mapping:
            return
        if mapping.fa.flow_style():  # {a: 1, b: 2} holds no comment lines of its own
            del mapping[key]
            return
        keys = list(mapping)
        last = last_content_line(mapping[key], mapping.lc.key(key)[0])
        comments = trailing_comments(self.lines, last) if last >= 0 else ""
        comments += self.carried.pop((id(mapping), key), "")  # moved here by an earlier drop
        del mapping[key]
        index = keys.index(key)
        if comments and index > 0:
            append_comment(mapping, keys[index - 1], comments)
            place = (id(mapping), keys[index - 1])
            self.carried[place] = self.carried.get(place, "") + comments

    def text(self) -> str:
        """The document as YAML; the original text itself when nothing was changed."""
        if self.data is None:
            return self.original
        out = io.StringIO()
        self.yaml.dump(self.data, out)
        unchanged = io.StringIO()
        self.yaml.dump(self.yaml.load(self.original), unchanged)
        return self.original if out.getvalue() == unchanged.getvalue() else out.getvalue()


def round_trip_yaml(text: str) -> YAML:
    """A ruamel round-trip YAML that writes in the file's own indentation, keeps quotes, does
    not wrap long lines, keeps the braces of `[{label: Zoom}]` and writes no aliases."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.brace_single_entry_mapping_in_flow_sequence = True
    yaml.representer.ignore_aliases = lambda _data: True  # one date twice is no &anchor
    try:
        _, sequence, offset = load_yaml_guess_indent(text)
    except Exception:  # noqa: BLE001 - only a guess: the project's own style is the fallback
        sequence, offset = None, None
    yaml.indent(mapping=mapping_indent(text), sequence=sequence or 4,
                offset=2 if offset is None else offset)
    return yaml


def mapping_indent(text: str) -> int:
    """How far the file indents a mapping inside a mapping (2 when it never does)."""
    previous = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if previous is not None and previous[1].endswith(":") and indent > previous[0] \
                and not stripped.startswith("-"):
            return indent - previous[0]
        previous = (indent, stripped.split(" #")[0].rstrip())
    return 2


def last_content_line(node, line: int) -> int:
    """The last line (0-based) holding a key or value of `node`, at least `line`; -1 when
    it ends in a multi-line text (a block scalar's lines are not told apart from comments)."""
    if isinstance(node, str) and "\n" in node.rstrip("\n"):
        return -1
    if isinstance(node, (CommentedMap, CommentedSeq)):
        if not node.fa.flow_style():
            for values in node.lc.data.values():
                line = max(line, values[0], values[2] if len(values) > 2 else values[0])
        children = list(node.values() if isinstance(node, CommentedMap) else node)
        if children and not node.fa.flow_style():
            last = last_content_line(children[-1], line)
            return -1 if last < 0 else max(line, last)
    return line


def trailing_comments(lines: list[str], after: int) -> str:
    """The comment lines (with blank lines between them) right after line `after`, as
    written, or '' when none follow."""
    found = []
    for text in lines[after + 1:]:
        if text.strip() and not text.lstrip().startswith("#"):
            break
        found.append(text)
    while found and not found[-1].strip():
        found.pop()
    return "".join(t + "\n" for t in found)


def append_comment(mapping: CommentedMap, key: str, lines: str) -> None:
    """Put full comment `lines` after the value of `key` (at the end of a nested value)."""
    value = mapping[key]
    if isinstance(value, CommentedMap) and len(value) and not value.fa.flow_style():
        return append_comment(value, list(value)[-1], lines)
    if isinstance(value, CommentedSeq) and len(value) and not value.fa.flow_style():
        last = value[-1]
        if isinstance(last, CommentedMap) and len(last) and not last.fa.flow_style():
            return append_comment(last, list(last)[-1], lines)
        slot = value.ca.items.setdefault(len(value) - 1, [None, None, None, None])
        position = 0
    else:
        slot = mapping.ca.items.setdefault(key, [None, None, None, None])
        position = 2
    if slot[position] is None:
        slot[position] = CommentToken("\n" + lines, CommentMark(0), None)
    else:
        slot[position].value = slot[position].value.rstrip("\n") + "\n" + lines


# --- what changes in each file -------------------------------------------------------------

def roll_documents(docs: dict, o: Offering, term: NewTerm, new_dates: list) -> list[Row]:
    """Edit every document for the new term; the table rows of the lectures."""
    roll_course(docs["course.yaml"], term)
    rows = roll_lectures(docs["lectures.yaml"], o, new_dates, term.shift is not None)
    for name, roll in (("projects.yaml", roll_projects),
                       ("organization.yaml", roll_organization), ("news.yaml", roll_news)):
        if name in docs:
            roll(docs[name])
    return rows


def roll_course(doc: Document, term: NewTerm) -> None:
    """The new term; online links without URLs; office hours without their old dates."""
    t = doc.data["term"]
    t["year"], t["start"], t["end"] = term.year, term.start, term.end
    if "label" in t:
        if term.label:
            t["label"] = term.label
        else:
            doc.drop(t, "label")
    for item, period in zip(t.get("breaks") or [], term.breaks, strict=False):
        item["start"], item["end"] = period.start, period.end
    if term.added_breaks:
        if not t.get("breaks"):
            t["breaks"] = CommentedSeq()
        for period in term.added_breaks:
            t["breaks"].append(flow_map(start=period.start, end=period.end))
    weekly = doc.data.get("weekly") or {}
    for slot in [*(weekly.get("lectures") or []), *(weekly.get("office_hours") or [])]:
        for link in slot.get("online") or []:
            doc.drop(link, "url")
    for hours in weekly.get("office_hours") or []:
        doc.drop(hours, "start_date")
        doc.drop(hours, "exclude")


def flow_map(**values) -> CommentedMap:
    """A mapping written on one line: {start: 2027-12-23, end: 2028-01-01}."""
    m = CommentedMap(values)
    m.fa.set_flow_style()
    return m


def roll_lectures(doc: Document, o: Offering, new_dates: list, keep: bool) -> list[Row]:
    """Each lecture at its new date, without materials; cancelled ones scheduled again; own
    start/end/room dropped unless the course keeps its pattern (`keep`)."""
    parts = doc.data.get("parts") or []
    lectures = [lec for part in parts for lec in part.get("lectures") or []]
    rows = []
    for lec, session, new in zip(lectures, o.sessions, new_dates, strict=True):
        notes = []
        if new is not S.TBD:
            lec["date"] = new
        own = [k for k in ("start", "end", "room") if k in lec]
        if own and not keep:
            notes.append(f"own {'/'.join(own)} dropped")
            for k in own:
                doc.drop(lec, k)
        if lec.get("materials"):
            doc.drop(lec, "materials")
        if lec.get("status") == "cancelled":
            notes.append("was cancelled, scheduled again")
            doc.drop(lec, "status")
            doc.drop(lec, "note")
        rows.append(Row(lecture_number(session.lecture.number), session.lecture.title,
                        session.lecture.date, new, "; ".join(notes)))
    return rows


def roll_projects(doc: Document) -> None:
    """Every proposal open again."""
    for proposal in (doc.data or {}).get("proposals") or []:
        if proposal.get("status", "open") != "open":
            proposal["status"] = "open"


def roll_organization(doc: Document) -> None:
    """Every exam and deadline TBD, without its times."""
    data = doc.data or {}
    for item in [*(data.get("exams") or []), *(data.get("deadlines") or [])]:
        item["date"] = "TBD"
        for key in ("start", "end", "time"):
            doc.drop(item, key)


def roll_news(doc: Document) -> None:
    """No announcements: `news: []`."""
    if not isinstance(doc.data, CommentedMap):
        doc.data = CommentedMap()
    doc.data["news"] = CommentedSeq()


# --- writing -------------------------------------------------------------------------------

def write_offering(content: Path, assets: Path | None, slug: str, texts: dict) -> list:
    """Write the files into content/<slug>/ atomically; the new offering's warnings.

    They go into a hidden sibling first (the loader skips it), the content is validated with
    them, and the folder is renamed into place; on any failure it is removed again.
    """
    staging = content / f".{slug}.new-term-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        for name, text in texts.items():
            (staging / name).write_bytes(text.encode("utf-8"))
        warnings = validate_with(content, assets, slug, staging)
        target = content / slug
        if target.exists() or target.is_symlink():
            raise ContentError(f"new-term: {display_path(target)} appeared meanwhile; nothing "
                               "was written")
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return warnings


def validate_with(content: Path, assets: Path | None, slug: str, folder: Path) -> list:
    """load_site on a copy of the content with `folder` as offering `slug`: the warnings
    about it (named at their final place); ContentError when it does not load."""
    with tempfile.TemporaryDirectory(prefix="coursesite-new-term-") as tmp:
        copy = Path(tmp) / content.name
        shutil.copytree(content, copy, ignore=lambda d, names: [
            n for n in names if n.startswith(".") and Path(d) == content])
        shutil.copytree(folder, copy / slug)
        moved = (display_path(copy), display_path(content))
        try:
            site = load_site(copy, assets)
        except ContentError as exc:
            raise ContentError("new-term: the new offering would not load; nothing was written "
                               "(please report this):\n"
                               + ContentError(relocate(exc.problems, *moved)).report()) from None
        mine = display_path(content / slug)
        return [w for w in relocate(site.warnings, *moved) if w.file.startswith(mine)]


def relocate(problems, old: str, new: str) -> list:
    """The problems with file names under `old` shown under `new`."""
    return [Problem(p.file.replace(old, new, 1) if p.file.startswith(old) else p.file,
                    p.line, p.path, p.message) for p in problems]


# --- the report ----------------------------------------------------------------------------

def report(o: Offering, slug: str, term: NewTerm, rows: list, skipped: list, closed: dict,
           files: list, warnings: list, target: str) -> str:
    """What was done: the term, the table of lectures, the skipped days, notes and warnings."""
    old_term = o.course.term
    old_name = old_term.label or labels("en").term_label(old_term.season, old_term.year)
    new_name = term.label or labels("en").term_label(term.season, term.year)
    lines = [f"New offering {slug} ({new_name}, {term.start} to {term.end}) from {o.slug} "
             f"({old_name}):", ""]
    lines += table(rows)
    if term.shift is not None:
        why = ("a blocked course" if old_term.season == "block"
               else "no weekly lecture slot in course.yaml")
        on_closed = sorted({r.new for r in rows if r.new is not S.TBD and r.new in closed})
        lines += ["", f"Every date moved by {term.shift.days} days ({why}: the sessions keep "
                  "their weekdays and times)" + ("; check these:" if on_closed else ".")]
        lines += [f"  {day} {WEEKDAY_NAMES[day.weekday()]:<9} {closed[day]}"
                  for day in on_closed]
    elif skipped:
        lines += ["", "Skipped (public holidays and lecture-free periods on lecture days):"]
        lines += [f"  {day} {WEEKDAY_NAMES[day.weekday()]:<9} {closed[day]}" for day in skipped]
    if term.label_note:
        lines += ["", f"note: {term.label_note}"]
    lines += ["", "Cleared: materials, news, proposal statuses (open), online links' URLs, "
              "office hours' start dates and exclusions; exam and deadline dates are TBD."]
    lines += [f"warning: {w}" for w in warnings]
    lines.append(f"Wrote {target}/: {', '.join(files)}")
    return "\n".join(lines)


def table(rows: list) -> list[str]:
    """The lectures as aligned columns: lecture, old date, new date, note."""
    labels = [f"{r.number} {r.title}".strip() for r in rows]
    width = max([len("Lecture"), *map(len, labels)])
    lines = [f"{'Lecture':<{width}}  {'Old date':<10}  {'New date':<10}  Note".rstrip()]
    for label, r in zip(labels, rows, strict=True):
        lines.append(f"{label:<{width}}  {r.old!s:<10}  {r.new!s:<10}  {r.note}".rstrip())
    return lines
