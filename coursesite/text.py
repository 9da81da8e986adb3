"""Every label and format the pages, feeds and news show: dates, times, material and lecture
labels, UTC stamps, the feeds' names, the sentences of schedule-change news.

The one home of the words: render.py and calendar.py both take theirs from here and know
nothing of each other. English only, independent of the machine's locale.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .schema import WEEKDAY_NAMES, WEEKDAYS, is_local

MATERIAL_LABELS = {"slides": "Slides (PDF)", "pptx": "Slides (PPTX)", "video": "Video",
                   "notes": "Notes", "link": "Link"}
# The course page's section headings; an offering may rename them (course.yaml `sections`).
SECTION_TITLES = {"lectures": "Lectures", "projects": "Project / Exercises",
                  "dates": "Exams and deadlines", "organization": "Organization"}
STATUS_TITLES = {"open": "Open proposals", "assigned": "Assigned proposals"}
# What each kind of schedule entry is called on the schedule page.
KIND_LABELS = {"lecture": "Lecture", "office-hours": "Office hours", "exam": "Exam",
               "deadline": "Deadline", "holiday": "Public holiday"}
# The course page's subscribe block. Without base_url and without the page's script (or from
# file://) the feed's address is unknown: `offline` says why only the download is offered.
SUBSCRIBE_LABELS = {
    "heading": "Subscribe to the calendar",
    "intro": "All lectures, office hours, exams and deadlines in your calendar app, kept up to "
             "date when anything changes.",
    "webcal": "Subscribe (webcal)", "google": "Add to Google Calendar", "download": "Download",
    "offline": "A subscription needs the calendar's address on the web: your calendar app "
               "fetches it from there to keep it up to date. Open this page on the published "
               "site to subscribe, or download the file to import the calendar as it is now.",
    "address": "Feed address to copy:", "copy_label": "Copy address", "copied": "Copied.",
    "howto": "Outlook: Add calendar › Subscribe from web, paste the address. Apple Calendar: "
             "File › New Calendar Subscription, paste the address. Thunderbird: New Calendar › "
             "On the Network, paste the address. Subscribe rather than import, so changes "
             "reach you.",
    "split": "Separate feeds:",
}
# The course page's opening box: what is next (its script shows the same items as time passes).
NEXT_LABELS = {"heading": "Next up", "cancelled": "Cancelled", "moved": "Moved",
               "online": "Online via", "materials": "Materials",
               "successor": "Next offering of the course"}
# The schedule page's mark of the current week, and the link that jumps to it.
SCHEDULE_LABELS = {"this_week": "This week", "jump": "Go to this week"}
SEASON_LABELS = {"summer": "Summer", "winter": "Winter", "fall": "Fall", "spring": "Spring",
                 "block": "Block course"}


@dataclass(frozen=True)
class Feed:
    """One calendar feed of an offering: its file, the kinds of item it holds, the suffix of
    its calendar name (None: the offering's name alone) and its label on the course page."""

    name: str
    kinds: frozenset
    suffix: str | None
    label: str


FEEDS = (
    Feed("calendar.ics", frozenset({"lecture", "office-hours", "exam", "deadline"}), None,
         "Everything"),
    Feed("lectures.ics", frozenset({"lecture"}), "lectures", "Lectures only"),
    Feed("exams.ics", frozenset({"exam", "deadline"}), "exams and deadlines",
         "Exams and deadlines"),
    Feed("office-hours.ics", frozenset({"office-hours"}), "office hours", "Office hours"),
)


# --- dates and times --------------------------------------------------------------------------

def weekday_plural(code: str) -> str:
    """'thu' -> 'Thursdays'."""
    return WEEKDAY_NAMES[WEEKDAYS.index(code)] + "s"


def day_label(day: dt.date) -> str:
    """'Thu, Apr 16'."""
    return f"{WEEKDAY_NAMES[day.weekday()][:3]}, {day:%b} {day.day}"


def full_day_label(day: dt.date) -> str:
    """'Thu, Apr 16, 2026'."""
    return f"{day_label(day)}, {day.year}"


def clock(at: dt.time) -> str:
    """'16:00'."""
    return f"{at:%H:%M}"


def time_range(start: dt.time, end: dt.time) -> str:
    """'16:00-18:00'."""
    return f"{clock(start)}-{clock(end)}"


TBD_LABEL = "TBD"


def when_label(day, start: dt.time | None = None, end: dt.time | None = None) -> str:
    """'Thu, Jul 30, 2026, 10:00-12:00', '..., 23:59', the date alone, or 'TBD' for a date
    not fixed yet (anything that is not a date)."""
    if not isinstance(day, dt.date):
        return TBD_LABEL
    text = full_day_label(day)
    if start and end:
        return f"{text}, {time_range(start, end)}"
    return f"{text}, {clock(start)}" if start else text


def term_over(term: str, last_day: dt.date) -> str:
    """'The lecture period of Summer 2026 ended on Sat, Jul 18, 2026.'"""
    return f"The lecture period of {term} ended on {full_day_label(last_day)}."


def next_title(kind: str, number: int | None, title: str) -> str:
    """What the box calls an item: 'Lecture 07: Title', 'Exam: Final written exam', or the
    title alone of an unnumbered session."""
    if kind == "lecture":
        return f"Lecture {number:02d}: {title}" if number is not None else title
    return f"{KIND_LABELS[kind]}: {title}"


def release_label(release: dt.datetime) -> str:
    """'from Thu, Apr 16, 14:00': when a timed material appears."""
    return f"from {day_label(release.date())}, {clock(release.time())}"


def utc_text(moment: dt.datetime) -> str:
    """'2026-04-01T12:00:00Z' (RFC 3339 in UTC) for an aware datetime."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_iso(day: dt.date, at: dt.time | None = None) -> str:
    """'2026-04-16T16:00' (local wall time) or '2026-04-16', for the page's script."""
    return f"{day.isoformat()}T{clock(at)}" if at else day.isoformat()


def term_label(season: str, year: int) -> str:
    """'Summer 2026', 'Fall 2022', 'Block course 2019', or 'Winter 2026/27' (a winter term
    runs into the next year)."""
    if season == "winter":
        return f"{SEASON_LABELS[season]} {year}/{(year + 1) % 100:02d}"
    return f"{SEASON_LABELS[season]} {year}"


def due_label(at: dt.time | None) -> str:
    """'due 23:59', or 'due' for the end of the day."""
    return f"due {clock(at)}" if at else "due"


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


def module_sentence(short: str, ects: int | None, level: str | None, programmes,
                    study_areas) -> str:
    """'AMLS is a 6 ECTS module, applicable to the master study courses A and B, as well as
    the study areas C and D.' from whichever facts are given; '' when none is."""
    if ects is None and not level and not programmes and not study_areas:
        return ""
    words = [f"{ects} ECTS"] if ects is not None else []
    if level and not programmes:
        words.append(level)  # the level qualifies the study courses when there are any
    words.append("module")
    text = f"{short} is {indefinite(words[0])} {' '.join(words)}"
    if programmes:
        text += (f", applicable to the {level + ' ' if level else ''}study courses "
                 f"{and_list(programmes)}")
        if study_areas:
            text += f", as well as the study areas {and_list(study_areas)}"
    elif study_areas:
        text += f" in the study areas {and_list(study_areas)}"
    return text + "."


# --- lectures and materials -------------------------------------------------------------------

def lecture_number(number: int | None) -> str:
    """'07', or '' for an unnumbered session."""
    return f"{number:02d}" if number is not None else ""


def lecture_label(number: int | None, title: str) -> str:
    """What news calls a session: 'Lecture 07', or the title of an unnumbered one."""
    return f"Lecture {number:02d}" if number is not None else title


def lecture_summary(short: str, number: int | None, title: str) -> str:
    """A calendar entry's title: 'AMLS 07: Title' or 'AMLS: Title'."""
    return f"{short} {number:02d}: {title}" if number is not None else f"{short}: {title}"


def material_label(material) -> str:
    """The material's own label, or the one of its kind: 'Slides (PDF)'."""
    return material.label or MATERIAL_LABELS[material.kind]


def numbered_title(number: int | None, title: str) -> str:
    """'03 Title', or the title alone for an unnumbered session."""
    return f"{lecture_number(number)} {title}" if number is not None else title


def release_title(material, number: int | None, title: str) -> str:
    """'Slides (PDF) available: 03 Title'."""
    return f"{material_label(material)} available: {numbered_title(number, title)}"


# --- calendar entries -------------------------------------------------------------------------

def cancelled(summary: str) -> str:
    return f"Cancelled: {summary}"


def office_hours_summary(short: str) -> str:
    return f"{short} office hours"


def office_hours_label(weekday: str, n: int) -> str:
    """'Office hours on Tuesdays', '... (2)' for a second slot on one weekday."""
    return f"Office hours on {weekday_plural(weekday)}" + (f" ({n})" if n > 1 else "")


def exam_summary(short: str, title: str) -> str:
    return f"{short} exam: {title}"


def deadline_summary(short: str, title: str, due: dt.time | None) -> str:
    """'AMLS deadline: Projects (due 23:59)'."""
    return f"{short} deadline: {title}" + (f" (due {clock(due)})" if due else "")


def online_line(label: str, url: str | None) -> str:
    """'Online via Zoom: https://...' or 'Online via Zoom' while it has no URL."""
    return f"Online via {label}: {url}" if url else f"Online via {label}"


def calendar_name(short: str, term: str, suffix: str | None) -> str:
    """'AMLS Summer 2026', or 'AMLS Summer 2026: lectures' for a split feed."""
    name = f"{short} {term}"
    return f"{name}: {suffix}" if suffix else name


# --- lists and sentences -------------------------------------------------------------------

def and_list(items) -> str:
    """'a', 'a and b', 'a, b, and c'."""
    items = list(items)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def number_ranges(numbers: list[str]) -> list[str]:
    """['01', '02', '03', '05'] -> ['01-03', '05'] (runs of three or more consecutive)."""
    runs: list[list[str]] = []
    for n in sorted(numbers, key=int):
        if runs and int(n) == int(runs[-1][-1]) + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return [f"{r[0]}-{r[-1]}" if len(r) > 2 else ", ".join(r) for r in runs]


def name_list(labels: list[str]) -> str:
    """'Lecture 05', 'Lectures 01-13', 'Final exam and Lectures 02, 04, and 06': numbered
    lectures named together as ranges, after the other names."""
    numbers = [label.removeprefix("Lecture ") for label in labels
               if label.startswith("Lecture ") and label.removeprefix("Lecture ").isdigit()]
    others = [label for label in labels if label.removeprefix("Lecture ") not in numbers]
    if len(numbers) > 1:
        others.append("Lectures " + and_list(number_ranges(numbers)))
    elif numbers:
        others.append(f"Lecture {numbers[0]}")
    return and_list(others)


# --- schedule changes, for the news ---------------------------------------------------------

def sig_when(sig: dict) -> str:
    """'Thu, Jun 11, 2026, 16:00-18:00' (or 'weekly from ...') from an event's significant
    fields (calendar.Item.significant)."""
    start = dt.datetime.fromisoformat(sig["start"])
    if sig["all_day"]:
        return full_day_label(start.date())
    end = dt.datetime.fromisoformat(sig["end"])
    when = f"{full_day_label(start.date())}, {time_range(start.time(), end.time())}"
    return f"weekly from {when}" if sig.get("until") else when


def sig_detail(sig: dict) -> str:
    """When and where, in words."""
    return ", ".join(p for p in (sig_when(sig), sig["location"]) if p)


def change_sentence(labels: list[str], phrase: tuple[str, str]) -> str:
    """'Lectures 01-13 move to FR 772': the names, then the singular or plural predicate."""
    return f"{name_list(labels)} {phrase[len(labels) > 1]}"


def moved(where: str) -> tuple[str, str]:
    return (f"moves to {where}", f"move to {where}")


REMOVED = ("is removed from the schedule", "are removed from the schedule")
CANCELLED = ("is cancelled", "are cancelled")


def added(sig: dict) -> tuple[str, str]:
    return (f"is added: {sig_detail(sig)}", f"are added: {sig_detail(sig)}")


def restored(sig: dict) -> tuple[str, str]:
    return (f"takes place again: {sig_detail(sig)}", f"take place again: {sig_detail(sig)}")


def renamed(summary: str) -> tuple[str, str]:
    return (f"is renamed: {summary}", f"are renamed: {summary}")


def change_title(sentences: tuple) -> str:
    """A news entry's title: 'Schedule change: <the one sentence>' or 'Schedule changes'."""
    return f"Schedule change: {sentences[0]}" if len(sentences) == 1 else "Schedule changes"


# --- URL fields -------------------------------------------------------------------------------

def asset_path(url: str) -> str:
    """Site path of a URL field: files under assets/ are published under assets/."""
    return f"assets/{url}" if is_local(url) else url


def url_field(url: str | None) -> str | None:
    """How every optional URL field is rendered: None stays None, else `asset_path`."""
    return None if url is None else asset_path(url)


# --- the archive ------------------------------------------------------------------------------

# The marks of an offering on the landing page and in "Other terms" (text, not colour alone).
STATUS_LABELS = {"running": "Running now", "next": "Next term"}
# What the archive's templates and the page's script (which keeps the marks current) show.
ARCHIVE_LABELS = {"other_terms": "Other terms", **STATUS_LABELS}


def offering_link_label(short: str, term: str) -> str:
    """'AMLS · Summer 2026': an offering's link on the landing page."""
    return f"{short} · {term}"


def at_institution(name: str | None) -> str:
    """'at Example University', shown beside an offering held elsewhere ('' for None)."""
    return f"at {name}" if name else ""


def formerly(titles) -> str:
    """'formerly Database Systems' (or '' when the course was never renamed)."""
    return f"formerly {and_list(titles)}" if titles else ""


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


# The search box of every page (templates/base.html, assets/search.js); {n} and {q} are filled
# in the browser with the number of hits and the query.
SEARCH_LABELS = {
    "label": "Search all courses",
    "button": "Search",
    "unavailable": "Search needs JavaScript and the site opened from a web server, "
                   "not as a file.",
    "no_index": "Search is not available here: the search index was not built "
                "(the live preview leaves it out).",
    "searching": "Searching…",
    "none": "No results for “{q}”.",
    "one": "1 result for “{q}”.",
    "many": "{n} results for “{q}”.",
}
