"""Every label and format the pages, feeds and news show: dates, times, material and lecture
labels, UTC stamps, the feeds' names, the sentences of schedule-change news.

The one home of the words: render.py and calendar.py both take theirs from here and know
nothing of each other. The words themselves are in one catalogue per language
(`locale/en.yaml`, `locale/de.yaml`, the same keys in each), read once; `labels(language)`
is the `Labels` of a language, and an offering's pages and feeds use `Offering.labels`.
English dates keep their own formats ('Thu, Apr 16'); the other languages take weekday and
month names and date patterns from CLDR through Babel ('Do., 16. Apr.'), imported only when
such a page is rendered (the import costs about 50 ms). Independent of the machine's locale.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import yaml

from .schema import WEEKDAY_NAMES, is_local

LANGUAGES = ("en", "de")
LOCALE_DIR = Path(__file__).parent / "locale"
# CLDR date patterns of the languages Babel formats (English keeps today's formats below).
DATE_PATTERNS = {"de": {"day": "EEE, d. MMM", "full_day": "EEE, d. MMM y"}}


@cache
def catalogue(language: str) -> dict:
    """The words of one language, from locale/<language>.yaml (read once)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(LOCALE_DIR / f"{language}.yaml", encoding="utf-8") as f:
        return yaml.load(f, Loader=loader)


@cache
def labels(language: str) -> Labels:
    """The Labels of a language (one object per language)."""
    return Labels(language)


@dataclass(frozen=True)
class Feed:
    """One calendar feed of an offering: its file, the kinds of item it holds, the suffix of
    its calendar name (None: the offering's name alone) and its label on the course page."""

    name: str
    kinds: frozenset
    suffix: str | None
    label: str


# The feeds: file, kinds of item, and the catalogue key of their label and name suffix.
FEED_FILES = (
    ("calendar.ics", frozenset({"lecture", "office-hours", "exam", "deadline"}), "all"),
    ("lectures.ics", frozenset({"lecture"}), "lectures"),
    ("exams.ics", frozenset({"exam", "deadline"}), "exams"),
    ("office-hours.ics", frozenset({"office-hours"}), "office-hours"),
)


@lru_cache(maxsize=4096)
def cldr_date(day: dt.date, pattern: str, language: str) -> str:
    """The day in a CLDR pattern of the language (Babel, imported on first use)."""
    from babel.dates import format_date  # noqa: PLC0415 - only non-English pages pay for it

    return format_date(day, pattern, locale=language)


# The day and time formats below are remembered: an offering's pages and feeds name the same
# few dozen days and times thousands of times (each session's start in its table row, its
# schedule entry, its week and the page script's marks).

@lru_cache(maxsize=4096)
def english_day_label(day: dt.date) -> str:
    """'Thu, Apr 16'."""
    return f"{WEEKDAY_NAMES[day.weekday()][:3]}, {day:%b} {day.day}"


class Labels:
    """The words and formats of one language: every label of the pages, feeds and news."""

    def __init__(self, language: str):
        c = catalogue(language)
        self.language = language
        self.words = c
        self.material_labels = c["material"]
        # The course page's section headings; an offering may rename them (course.yaml
        # `sections`).
        self.section_titles = c["section"]
        self.status_titles = c["status"]
        self.kind_labels = c["kind"]      # each kind of schedule entry, on the schedule page
        # The course page's subscribe block. Without base_url and without the page's script
        # (or from file://) the feed's address is unknown: `offline` says why only the
        # download is offered.
        self.subscribe = c["subscribe"]
        self.next = c["next"]             # the course page's opening box, and its script
        self.schedule = c["schedule"]     # the schedule page's mark of the current week
        # The search box of every page (templates/base.html, assets/search.js); {n} and {q}
        # are filled in the browser with the number of hits and the query.
        self.search = c["search"]
        # The marks of an offering on the landing page and in "Other terms" (text, not colour
        # alone), and what the page's script (which keeps them current) shows.
        self.archive = c["archive"]
        self.status_labels = {k: c["archive"][k] for k in ("running", "next")}
        self.ui = c["ui"]                 # the templates' own words
        self.proposal_status = c["proposal_status"]
        self.fmt = c["format"]
        self.feeds = tuple(Feed(name, kinds, c["feed_suffix"].get(key), c["feed"][key])
                           for name, kinds, key in FEED_FILES)
        self.tbd = self.fmt["tbd"]

    def __repr__(self) -> str:
        return f"Labels({self.language!r})"

    # --- dates and times ----------------------------------------------------------------------

    def weekday_plural(self, code: str) -> str:
        """'thu' -> 'Thursdays' ('donnerstags')."""
        return self.words["weekdays"][code]

    def day_label(self, day: dt.date) -> str:
        """'Thu, Apr 16' ('Do., 16. Apr.')."""
        if self.language == "en":
            return english_day_label(day)
        return cldr_date(day, DATE_PATTERNS[self.language]["day"], self.language)

    def full_day_label(self, day: dt.date) -> str:
        """'Thu, Apr 16, 2026' ('Do., 16. Apr. 2026')."""
        if self.language == "en":
            return f"{self.day_label(day)}, {day.year}"
        return cldr_date(day, DATE_PATTERNS[self.language]["full_day"], self.language)

    def when_label(self, day, start: dt.time | None = None, end: dt.time | None = None) -> str:
        """'Thu, Jul 30, 2026, 10:00-12:00', '..., 23:59', the date alone, or 'TBD' for a date
        not fixed yet (anything that is not a date)."""
        if not isinstance(day, dt.date):
            return self.tbd
        text = self.full_day_label(day)
        if start and end:
            return f"{text}, {time_range(start, end)}"
        return f"{text}, {clock(start)}" if start else text

    def term_over(self, term: str, last_day: dt.date) -> str:
        """'The lecture period of Summer 2026 ended on Sat, Jul 18, 2026.'"""
        return self.fmt["term_over"].format(term=term, date=self.full_day_label(last_day))

    def next_title(self, kind: str, number: int | None, title: str) -> str:
        """What the box calls an item: 'Lecture 07: Title', 'Exam: Final written exam', or
        the title alone of an unnumbered session."""
        if kind == "lecture":
            return (self.fmt["next_lecture"].format(number=f"{number:02d}", title=title)
                    if number is not None else title)
        return self.fmt["next_other"].format(kind=self.kind_labels[kind], title=title)

    def release_label(self, release: dt.datetime) -> str:
        """'from Thu, Apr 16, 14:00': when a timed material appears."""
        return self.fmt["release"].format(day=self.day_label(release.date()),
                                          time=clock(release.time()))

    def term_label(self, season: str, year: int) -> str:
        """'Summer 2026', 'Fall 2022', 'Block course 2019', or 'Winter 2026/27' (a winter term
        runs into the next year); 'Sommersemester 2026', 'Wintersemester 2026/27'."""
        return term_text(self.words["season"][season], season, year)

    def term_short(self, season: str, year: int) -> str:
        """The term's short form: 'SoSe 2026', 'WiSe 2026/27' (English: as `term_label`)."""
        return term_text(self.words["season_short"][season], season, year)

    def due_label(self, at: dt.time | None) -> str:
        """'due 23:59', or 'due' for the end of the day."""
        return self.fmt["due"].format(time=clock(at)) if at else self.fmt["due_day"]

    def module_sentence(self, short: str, ects: int | None, level: str | None, programmes,
                        study_areas) -> str:
        """'AMLS is a 6 ECTS module, applicable to the master study courses A and B, as well
        as the study areas C and D.' from whichever facts are given; '' when none is."""
        if ects is None and not level and not programmes and not study_areas:
            return ""
        m = self.words["module"]
        parts = {"ects": m["ects"].format(ects=ects) if ects is not None else "",
                 # the level qualifies the study courses when there are any
                 "level": m["level"].format(level=level) if level and not programmes else "",
                 "module": m["module"]}
        words = [parts[key] for key in m["order"] if parts[key]]
        article = indefinite(words[0]) if self.language == "en" else ""
        text = m["lead"].format(short=short, article=article, words=" ".join(words))
        if programmes:
            text += m["applicable"].format(level=m["level_prefix"].format(level=level)
                                           if level else "",
                                           programmes=self.and_list(programmes))
            if study_areas:
                text += m["as_well"].format(areas=self.and_list(study_areas))
        elif study_areas:
            text += m["areas_only"].format(areas=self.and_list(study_areas))
        return text + "."

    # --- lectures and materials ---------------------------------------------------------------

    def lecture_label(self, number: int | None, title: str) -> str:
        """What news calls a session: 'Lecture 07', or the title of an unnumbered one."""
        return self.fmt["lecture"].format(number=f"{number:02d}") if number is not None \
            else title

    def material_label(self, material) -> str:
        """The material's own label, or the one of its kind: 'Slides (PDF)'."""
        return material.label or self.material_labels[material.kind]

    def release_title(self, material, number: int | None, title: str) -> str:
        """'Slides (PDF) available: 03 Title'."""
        return self.fmt["release_title"].format(material=self.material_label(material),
                                                title=numbered_title(number, title))

    def part_line(self, letter: str, title: str) -> str:
        """'Part A: Title', a calendar entry's line naming its part of the lectures."""
        return self.fmt["part"].format(letter=letter, title=title)

    # --- calendar entries ---------------------------------------------------------------------

    def cancelled(self, summary: str) -> str:
        return self.fmt["cancelled"].format(summary=summary)

    def office_hours_summary(self, short: str) -> str:
        return self.fmt["office_hours_summary"].format(short=short)

    def office_hours_label(self, weekday: str, n: int) -> str:
        """'Office hours on Tuesdays', '... (2)' for a second slot on one weekday."""
        return (self.fmt["office_hours_label"].format(days=self.weekday_plural(weekday))
                + (f" ({n})" if n > 1 else ""))

    def exam_summary(self, short: str, title: str) -> str:
        return self.fmt["exam_summary"].format(short=short, title=title)

    def deadline_summary(self, short: str, title: str, due: dt.time | None) -> str:
        """'AMLS deadline: Projects (due 23:59)'."""
        return (self.fmt["deadline_summary"].format(short=short, title=title)
                + (self.fmt["deadline_due"].format(time=clock(due)) if due else ""))

    def online_line(self, label: str, url: str | None) -> str:
        """'Online via Zoom: https://...' or 'Online via Zoom' while it has no URL."""
        return (self.fmt["online_url"].format(label=label, url=url) if url
                else self.fmt["online"].format(label=label))

    def calendar_name(self, short: str, term: str, suffix: str | None) -> str:
        """'AMLS Summer 2026', or 'AMLS Summer 2026: lectures' for a split feed."""
        name = f"{short} {term}"
        return f"{name}: {suffix}" if suffix else name

    # --- lists and sentences ------------------------------------------------------------------

    def and_list(self, items) -> str:
        """'a', 'a and b', 'a, b, and c' ('a, b und c')."""
        items = list(items)
        if len(items) <= 2:
            return self.fmt["and"].join(items)
        return ", ".join(items[:-1]) + self.fmt["and_last"] + items[-1]

    def name_list(self, labels: list[str]) -> str:
        """'Lecture 05', 'Lectures 01-13', 'Final exam and Lectures 02, 04, and 06': numbered
        lectures named together as ranges, after the other names."""
        prefix = self.fmt["lecture"].format(number="")
        numbers = [label.removeprefix(prefix) for label in labels
                   if label.startswith(prefix) and label.removeprefix(prefix).isdigit()]
        others = [label for label in labels if label.removeprefix(prefix) not in numbers]
        if len(numbers) > 1:
            others.append(self.fmt["lectures"].format(
                numbers=self.and_list(number_ranges(numbers))))
        elif numbers:
            others.append(self.fmt["lecture"].format(number=numbers[0]))
        return self.and_list(others)

    # --- schedule changes, for the news -------------------------------------------------------

    def sig_when(self, sig: dict) -> str:
        """'Thu, Jun 11, 2026, 16:00-18:00' (or 'weekly from ...') from an event's significant
        fields (calendar.Item.significant)."""
        start = dt.datetime.fromisoformat(sig["start"])
        if sig["all_day"]:
            return self.full_day_label(start.date())
        end = dt.datetime.fromisoformat(sig["end"])
        when = f"{self.full_day_label(start.date())}, {time_range(start.time(), end.time())}"
        return self.fmt["weekly_from"].format(when=when) if sig.get("until") else when

    def sig_detail(self, sig: dict) -> str:
        """When and where, in words."""
        return ", ".join(p for p in (self.sig_when(sig), sig["location"]) if p)

    def change_sentence(self, labels: list[str], phrase: tuple[str, str]) -> str:
        """'Lectures 01-13 move to FR 772': the names, then the singular or plural
        predicate."""
        return f"{self.name_list(labels)} {phrase[len(labels) > 1]}"

    def phrase(self, key: str, **values) -> tuple[str, str]:
        """A (singular, plural) predicate of a change: 'moved', 'removed', 'cancelled_pred',
        'added', 'restored', 'renamed'."""
        one, many = self.fmt[key]
        return (one.format(**values), many.format(**values))

    def moved(self, where: str) -> tuple[str, str]:
        return self.phrase("moved", where=where)

    def added(self, sig: dict) -> tuple[str, str]:
        return self.phrase("added", detail=self.sig_detail(sig))

    def restored(self, sig: dict) -> tuple[str, str]:
        return self.phrase("restored", detail=self.sig_detail(sig))

    def renamed(self, summary: str) -> tuple[str, str]:
        return self.phrase("renamed", summary=summary)

    def change_title(self, sentences: tuple) -> str:
        """A news entry's title: 'Schedule change: <the one sentence>' or 'Schedule
        changes'."""
        return (self.fmt["change_one"].format(sentence=sentences[0]) if len(sentences) == 1
                else self.fmt["change_many"])

    # --- the archive --------------------------------------------------------------------------

    def at_institution(self, name: str | None) -> str:
        """'at Example University', shown beside an offering held elsewhere ('' for None)."""
        return self.fmt["at_institution"].format(name=name) if name else ""

    def formerly(self, titles) -> str:
        """'formerly Database Systems' (or '' when the course was never renamed)."""
        return self.fmt["formerly"].format(titles=self.and_list(titles)) if titles else ""

    # --- page titles --------------------------------------------------------------------------

    def page_title(self, key: str, short: str, term: str) -> str:
        """'Schedule: AMLS Summer 2026' ('page_schedule'), 'Projects: ...' ('page_projects')."""
        return self.fmt[key].format(short=short, term=term)


# --- what reads the same in every language --------------------------------------------------

def term_text(season_word: str, season: str, year: int) -> str:
    """'<season> 2026', or '<season> 2026/27' for a winter term."""
    if season == "winter":
        return f"{season_word} {year}/{(year + 1) % 100:02d}"
    return f"{season_word} {year}"


@lru_cache(maxsize=4096)
def clock(at: dt.time) -> str:
    """'16:00'."""
    return f"{at:%H:%M}"


def time_range(start: dt.time, end: dt.time) -> str:
    """'16:00-18:00'."""
    return f"{clock(start)}-{clock(end)}"


def utc_text(moment: dt.datetime) -> str:
    """'2026-04-01T12:00:00Z' (RFC 3339 in UTC) for an aware datetime."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=1 << 14)
def local_iso(day: dt.date, at: dt.time | None = None) -> str:
    """'2026-04-16T16:00' (local wall time) or '2026-04-16', for the page's script."""
    return f"{day.isoformat()}T{clock(at)}" if at else day.isoformat()


def code_label(kind: str | None, number: str, order: str = "kind-first") -> str:
    """A catalogue entry as the university writes it: 'VL/UE, 41078' (TU Berlin's way) or
    '41078 VL/UE'; the number alone when no kind is given."""
    if not kind:
        return number
    return f"{number} {kind}" if order == "number-first" else f"{kind}, {number}"


def indefinite(word: str) -> str:
    """'a' or 'an' before the word or number as it is spoken: an 8, an 11, an undergraduate."""
    if word[:1].isdigit():
        spoken_vowel = word.startswith("8") or word in ("11", "18") or (
            len(word) in (5, 6) and word[:2] in ("11", "18"))
    else:
        spoken_vowel = word[:1].lower() in "aeiou"
    return "an" if spoken_vowel else "a"


def lecture_number(number: int | None) -> str:
    """'07', or '' for an unnumbered session."""
    return f"{number:02d}" if number is not None else ""


def lecture_summary(short: str, number: int | None, title: str) -> str:
    """A calendar entry's title: 'AMLS 07: Title' or 'AMLS: Title'."""
    return f"{short} {number:02d}: {title}" if number is not None else f"{short}: {title}"


def numbered_title(number: int | None, title: str) -> str:
    """'03 Title', or the title alone for an unnumbered session."""
    return f"{lecture_number(number)} {title}" if number is not None else title


def number_ranges(numbers: list[str]) -> list[str]:
    """['01', '02', '03', '05'] -> ['01-03', '05'] (runs of three or more consecutive)."""
    runs: list[list[str]] = []
    for n in sorted(numbers, key=int):
        if runs and int(n) == int(runs[-1][-1]) + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return [f"{r[0]}-{r[-1]}" if len(r) > 2 else ", ".join(r) for r in runs]


# --- URL fields -------------------------------------------------------------------------------

def asset_path(url: str) -> str:
    """Site path of a URL field: files under assets/ are published under assets/."""
    return f"assets/{url}" if is_local(url) else url


def url_field(url: str | None) -> str | None:
    """How every optional URL field is rendered: None stays None, else `asset_path`."""
    return None if url is None else asset_path(url)


# --- the archive ------------------------------------------------------------------------------

def offering_link_label(short: str, term: str) -> str:
    """'AMLS · Summer 2026': an offering's link on the landing page."""
    return f"{short} · {term}"


def distinct_labels(labels, *qualifiers) -> list[str]:
    """The labels, each one that reads the same as another made distinct by the first of the
    `qualifiers` (lists parallel to `labels`) that tells them apart: 'Summer 2026 (TU Graz)'."""
    labels = list(labels)
    for quals in qualifiers:
        groups: dict[str, set] = {}
        for label, q in zip(labels, quals, strict=True):
            groups.setdefault(label, set()).add(q)
        labels = [f"{label} ({q})" if q and len(groups[label]) > 1 else label
                  for label, q in zip(labels, quals, strict=True)]
    return labels
