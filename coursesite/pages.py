"""The table of pages, and the context builders ("views") that prepare what each shows.

A page type is one row of `PAGES`: its output path, its template, and the function that builds
its context, for the site once or for every offering. Templates never compute: everything they
show (formatted dates, sorted lists, URLs relative to the page) is prepared here, from the
validated Site and the offering's change record. Pure: same inputs, same contexts.
"""
from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from markupsafe import Markup

from . import schema as S
from .archive import Archive
from .dates import monday_of, office_hour_dates
from .localize import alternates, site_alternates, site_home, site_prefixes
from .model import Offering, Session, Site, local_moment, slugify
from .render import markdown, markdown_inline, relative_url
from .text import (
    Labels,
    asset_path,
    code_label,
    labels,
    lecture_number,
    local_iso,
    numbered_title,
    time_range,
    url_field,
    utc_text,
)
from .upcoming import UNMARKED, Marks, stops


def site_context(site: Site, language: str | None = None) -> dict:
    """The site's facts every page shows; `language` is the page's (default: the site's)."""
    config = site.config
    return {
        "title": config.title,
        "language": language or config.language,
        "description": markdown(config.description),
        "maintainer": ({"name": config.maintainer.name,
                        "email": url_field(config.maintainer.email)}
                       if config.maintainer else None),
        "extra": config.extra,
        "search": labels(language or config.language).search,
    }


def page(path: str, title: str, breadcrumbs=(), search: dict | None = None,
         alternates: list | None = None) -> dict:
    """The page itself; `search` is what a search hit on it shows (its title, offering and
    term), None for a page that is not indexed; `alternates` its versions in each language
    (`alternates`), none when it is published in one."""
    return {"path": path, "title": title, "breadcrumbs": list(breadcrumbs), "search": search,
            "alternates": alternates or []}


def landing_context(site: Site, path: str = "index.html", archive: Archive | None = None,
                    language: str | None = None) -> dict:
    """The landing page in `language` (default: the site's): the courses (by course id, the
    one with the newest offering first), each with its offerings newest first, the running or
    next one marked as the archive says (without one, only the page's script marks them)."""
    archive = archive or Archive.of(site, None)
    language = language or site.config.language
    L, own = labels(language), site.in_language(language)
    return {"site": site_context(own, language),
            "page": page(path, own.config.title,
                         alternates=site_alternates(site, "index.html", language)),
            "courses": archive.landing(L), "labels": L.archive, "ui": L.ui}


def room_view(site: Site, room_id: str | None) -> dict | None:
    if room_id is None:
        return None
    room = site.rooms[room_id]
    return {"name": room.name, "building": room.building, "address": room.address,
            "details": room.details,
            "map_url": url_field(room.map_url)}


def links_view(links) -> list:
    return [{"label": link.label, "url": url_field(link.url),
             "pending": ""} for link in links]


def slot_view(site: Site, L: Labels, slot) -> dict:
    return {"days": L.weekday_plural(slot.weekday), "time": time_range(slot.start, slot.end),
            "room": room_view(site, slot.room), "online": links_view(slot.online)}


def module_line(o: Offering) -> Markup | str:
    """The sentence introducing the module: the maintainer's own (`module_sentence`), none
    (`module_sentence: false`), or text.module_sentence's from the facts given."""
    c = o.course
    if c.module_sentence is False:
        return ""
    if c.module_sentence:
        return markdown_inline(c.module_sentence)
    return o.labels.module_sentence(c.short, c.ects, c.level, c.programmes, c.study_areas)


def material_view(L: Labels, m: S.Material, pending: frozenset) -> dict:
    """A material link, or its label and release time while it is not released yet."""
    label = L.material_label(m)
    if m.url in pending:
        return {"label": label, "kind": m.kind, "url": None,
                "pending": L.release_label(m.release)}
    return {"label": label, "kind": m.kind, "url": asset_path(m.url), "pending": ""}


def session_view(site: Site, L: Labels, s: Session, pending: frozenset = frozenset()) -> dict:
    lecture = s.lecture
    tbd = lecture.date is S.TBD
    return {
        "number": lecture_number(lecture.number),
        "title": lecture.title,
        "anchor": session_anchor(s),
        "date": L.tbd if tbd else L.day_label(lecture.date),
        "iso": "" if tbd else lecture.date.isoformat(),
        "start": session_start(s),
        "end": session_end(s),
        "time": time_range(s.start.time(), s.end.time()) if s.start and s.differs_from_slot
        else "",
        "room": room_view(site, lecture.room) if lecture.room else None,
        "materials": [material_view(L, m, pending) for m in lecture.materials],
        "cancelled": cancelled(s),
        "note": markdown_inline(lecture.note),
    }


def cancelled(s: Session) -> bool:
    """Whether the session's lecture is cancelled (it stays listed, struck through)."""
    return s.lecture.status == "cancelled"


def session_anchor(s: Session) -> str:
    """The id of the session's row on the course page, which other pages link to."""
    return s.key.replace("/", "-")


def session_start(s: Session) -> str:
    """The local ISO start the page script compares with now: the day of a date-only
    session, '' while TBD."""
    if s.start is not None:
        return local_iso(s.start.date(), s.start.time())
    return local_iso(s.day) if s.day is not None else ""


def session_end(s: Session) -> str:
    """The local ISO end: a date-only session lasts its day (the next day exclusive)."""
    if s.end is not None:
        return local_iso(s.end.date(), s.end.time())
    return local_iso(s.day + dt.timedelta(days=1)) if s.day is not None else ""


def next_view(site: Site, o: Offering, pending: frozenset, marks: Marks,
              successor: dict | None) -> dict:
    """The course page's opening box: every candidate (dated sessions, exams, deadlines in time
    order) with what it shows, those `marks` picks shown and the others hidden, and the
    sentence (with a link to the course's `successor`) for when the lecture period is over.
    The page's script picks anew in the browser from the same candidates; those over at the
    build's moment are left out (time only moves on)."""
    L = o.labels
    sessions = {s.key: s for s in o.sessions}
    exams = {f"exam/{e.id}": e for e in o.organization.exams}
    deadlines = {f"deadline/{d.id}": d for d in o.organization.deadlines}
    items = []
    for x in stops(o):
        if x.key in marks.ended:
            continue
        item = {"key": x.key, "kind": x.kind, "start": x.start, "end": x.end,
                "shown": x.key in marks.shown, "cancelled": x.cancelled, "moved": x.moved,
                "room": None, "place": None, "online": [], "materials": [], "note": ""}
        if x.kind == "lecture":
            s = sessions[x.key]
            lec = s.lecture
            item.update(title=L.next_title("lecture", lec.number, lec.title),
                        when=L.when_label(s.day, s.start and s.start.time(),
                                        s.end and s.end.time()),
                        iso=s.day.isoformat(), room=room_view(site, s.room),
                        online=links_view(s.online), note=markdown_inline(lec.note),
                        anchor=session_anchor(s),
                        materials=[material_view(L, m, pending) for m in lec.materials
                                   if m.url not in pending])
        elif x.kind == "exam":
            e = exams[x.key]
            item.update(title=L.next_title("exam", None, e.title), iso=e.date.isoformat(),
                        when=L.when_label(e.date, e.start, e.end), room=room_view(site, e.room),
                        place=e.place, anchor="")
        else:
            d = deadlines[x.key]
            item.update(title=L.next_title("deadline", None, d.title), iso=d.date.isoformat(),
                        when=L.when_label(d.date, d.time), anchor="")
        items.append(item)
    titles = [x["title"] for x in items if x["anchor"]]
    for x in items:  # no two links read the same: a repeated title gets its day (screen readers)
        x["link_day"] = (L.day_label(dt.date.fromisoformat(x["iso"]))
                         if x["anchor"] and titles.count(x["title"]) > 1 else "")
    term = o.course.term
    return {"entries": items, "over": marks.over, "present": bool(items) or marks.over,
            "hidden": not marks.over and not marks.shown,
            "over_text": L.term_over(o.term_label, term.end), "successor": successor,
            "term_end": term.end.isoformat(), "labels": L.next}


def person_view(p: S.Person) -> dict:
    return {"name": p.name, "affiliation": p.affiliation, "email": url_field(p.email),
            "url": url_field(p.url)}


def organization_view(site: Site, L: Labels, org: S.Organization) -> dict:
    return {
        "lecturers": [person_view(p) for p in org.lecturers],
        "assistants": [person_view(p) for p in org.assistants],
        "exams": [{"title": e.title, "when": L.when_label(e.date, e.start, e.end),
                   "room": room_view(site, e.room), "place": e.place,
                   "text": markdown_inline(e.text)} for e in org.exams],
        "deadlines": [{"title": d.title, "when": L.when_label(d.date, d.time),
                       "text": markdown_inline(d.text)} for d in org.deadlines],
        "grading": markdown(org.grading),
        "notes": markdown(org.notes),
    }


def offering_view(site: Site, o: Offering, pending: frozenset = frozenset(),
                  changes: tuple = (), items: list | None = None,
                  archive: dict | None = None, marks: Marks = UNMARKED) -> dict:
    """Everything about one offering that its pages show, given the materials not released
    yet (`pending`), the schedule changes of its change record (for the news), what its
    pages show of the archive (`Archive.for_offering`; None: the offering alone) and what is
    marked at the build's moment (`upcoming.marks`)."""
    c, L = o.course, o.labels
    archive = archive if archive is not None else Archive.of(site, None).for_offering(o)
    items = items if items is not None else schedule_items(site, o)
    weeks = schedule_range(o, items)
    return {
        "slug": o.slug, "title": c.title, "short": c.short, "term": o.term_label,
        "codes": [{"label": code_label(k.kind, k.number, k.order), "name": k.name}
                  for k in c.codes],
        "module_line": module_line(o),
        "sections": sections_view(o),
        "description": markdown(c.description),
        "slots": [slot_view(site, L, s) for s in c.weekly.lectures],
        "office_hours": [dict(slot_view(site, L, s), note=markdown_inline(s.note),
                              from_date=L.full_day_label(s.start_date) if s.start_date else "")
                         for s in c.weekly.office_hours],
        "lectures_intro": markdown(o.lectures.intro),
        "parts": [{"letter": p.letter, "title": p.title, "anchor": f"part-{slugify(p.letter)}",
                   "has_materials": any(lec.materials for lec in p.lectures),
                   "lectures": [session_view(site, L, s, pending) for s in o.sessions
                                if s.part is p]}
                  for p in o.lectures.parts],
        "projects": projects_view(L, o.projects),
        "organization": organization_view(site, L, o.organization),
        "extra": c.extra,
        "timezone": o.timezone,
        "schedule_intro": L.ui["schedule_intro"].format(timezone=o.timezone),
        "news_subtitle": L.ui["news_subtitle"].format(title=c.title, term=o.term_label),
        "news": news_entries(o, pending, changes),
        "subscribe": subscribe_view(site, o),
        "upcoming": [dict(x, date=L.full_day_label(x["day"]), iso=x["day"].isoformat())
                     for x in items if x["kind"] in ("exam", "deadline")],
        "next": next_view(site, o, pending, marks, archive["successor"]),
        "urls": {"home": f"{o.folder}/index.html", "projects": f"{o.folder}/projects.html",
                 "schedule": f"{o.folder}/schedule.html", "news": f"{o.folder}/news.xml",
                 # the schedule opens at the build's week (the script keeps it current)
                 "schedule_now": f"{o.folder}/schedule.html"
                 + (f"#week-{marks.week}" if weeks[0] <= marks.week <= weeks[1] else ""),
                 "schedule_span": weeks},
        # other_terms, successor, status, archive_labels
        **archive,
    }


def schedule_range(o: Offering, items: list[dict]) -> tuple[str, str]:
    """The first and last Monday (ISO) of the schedule page's weeks (see `schedule_weeks`)."""
    days = [x["day"] for x in items]
    return (monday_of(min([o.course.term.start, *days])).isoformat(),
            monday_of(max([o.course.term.end, *days])).isoformat())


def has_projects(o: Offering) -> bool:
    """True when projects.yaml says anything: then the course page has its section and the
    offering its projects page."""
    p = o.projects
    return bool(p.intro or p.proposals_url or p.proposals or p.exercises)


def sections_view(o: Offering) -> dict:
    """Each section of the course page: its heading (the offering's own or the default) and
    whether it has anything to show (an empty section gets no heading and no link)."""
    org = o.organization
    shown = {
        "lectures": bool(o.lectures.parts or o.lectures.intro or o.course.weekly.lectures
                         or o.course.weekly.office_hours),
        "projects": has_projects(o),
        "dates": bool(org.exams or org.deadlines),
        "organization": bool(org.lecturers or org.assistants or org.exams or org.deadlines
                             or org.grading or org.notes),
    }
    titles, defaults = o.course.sections, o.labels.section_titles
    return {key: {"title": getattr(titles, key) or defaults[key], "shown": shown[key]}
            for key in defaults}


def projects_view(L: Labels, p: S.Projects) -> dict:
    groups = []
    for status, heading in L.status_titles.items():
        items = [{"id": x.id, "title": x.title, "system": x.system, "team_size": x.team_size,
                  "supervisors": ", ".join(x.supervisors), "status": x.status,
                  "status_label": L.proposal_status[x.status],
                  "description": markdown(x.description), "links": links_view(x.links)}
                 for x in p.proposals if x.status == status]
        groups.append({"status": status, "heading": heading, "proposals": items,
                       "anchor": status})
    return {
        "intro": markdown(p.intro),
        "proposals_url": url_field(p.proposals_url),
        "count": len(p.proposals),
        "open_count": sum(1 for x in p.proposals if x.status == "open"),
        "open_text": L.ui["open_of"].format(
            open=sum(1 for x in p.proposals if x.status == "open"), count=len(p.proposals)),
        "groups": groups,
        "exercises": [{"title": e.title, "description": markdown(e.description),
                       "links": links_view(e.links)} for e in p.exercises],
    }


NEWS_NAMESPACE = uuid.UUID("0f6f5a3e-96c4-4f4e-b0f1-3c2d9b8e7a51")  # never change: entry ids


def news_entries(o: Offering, pending: frozenset, changes: tuple) -> list[dict]:
    """Announcements, schedule changes (from the calendar's change record) and released
    materials, pinned first, then newest first. Nothing here is typed twice: changes come from
    the record that raises the calendar's SEQUENCE, releases from lectures.yaml."""
    entries = [announcement_entry(o, a) for a in o.news.news]
    entries += [change_entry(o, c) for c in changes]
    for s in o.sessions:
        for m in s.lecture.materials:
            if m.release is not None and m.url not in pending:
                entries.append(release_entry(o, s, m))
    entries.sort(key=lambda e: (e["updated"], e["id"]), reverse=True)
    entries.sort(key=lambda e: not e["pinned"])  # stable: pinned first, each group newest first
    newest = {e["id"] for e in sorted(entries, key=lambda e: (e["updated"], e["id"]),
                                      reverse=True)[:PRINTED_NEWS]}
    for e in entries:
        e["printed"] = e["id"] in newest
    return entries


PRINTED_NEWS = 3  # the course page on paper shows the newest three entries of its news


def entry(o: Offering, key: str, title: str, moment: dt.datetime, body: Markup,
          kind: str, pinned: bool = False, link: str | None = None) -> dict:
    local = moment.astimezone(zoneinfo.ZoneInfo(o.timezone))
    ident = uuid.uuid5(NEWS_NAMESPACE, f"{o.folder}/{key}")
    return {"id": f"urn:uuid:{ident}", "anchor": f"news-{ident.hex[:12]}", "title": title,
            "updated": utc_text(moment), "date": o.labels.full_day_label(local.date()),
            "iso": local.date().isoformat(), "body": body, "kind": kind, "pinned": pinned,
            "link": link or f"{o.folder}/index.html"}


def announcement_entry(o: Offering, a: S.Announcement) -> dict:
    moment = local_moment(o, dt.datetime.combine(a.date, a.time or dt.time(0)))
    return entry(o, f"news/{a.date}/{slugify(a.title)}", a.title, moment, markdown(a.body),
                 "announcement", a.pinned)


def change_entry(o: Offering, change) -> dict:
    """One entry per version that changed the schedule: 'Lectures 01-13 move to FR 772'."""
    body = Markup("").join(Markup("<p>%s.</p>") % s for s in change.sentences)
    return entry(o, f"change/{change.version}", o.labels.change_title(change.sentences),
                 change.when,
                 body, "change")


def release_entry(o: Offering, s: Session, m: S.Material) -> dict:
    title = o.labels.release_title(m, s.lecture.number, s.lecture.title)
    anchor = session_anchor(s)
    return entry(o, f"release/{m.url}", title, local_moment(o, m.release),
                 Markup("<p>%s</p>") % title, "release", link=f"{o.folder}/index.html#{anchor}")


def atom_context(site: Site, o: Offering, view: dict) -> dict:
    """The Atom feed of an offering's news; `updated` is the newest entry (or the term's
    start), never the build time, so an unchanged feed keeps its bytes."""
    entries = view["news"]
    newest = max((e["updated"] for e in entries), default=utc_text(
        local_moment(o, dt.datetime.combine(o.course.term.start, dt.time(0)))))
    base = site.config.base_url
    authors = [p.name for p in o.organization.lecturers] or [site.config.title]
    feed_path = f"{o.folder}/news.xml"
    entries = [dict(e, href=f"{base}{e['link']}" if base else relative_url(e["link"], feed_path))
               for e in entries]
    return {"offering": view, "entries": sorted(entries, key=lambda e: (e["updated"], e["id"]),
                                                reverse=True),
            "updated": newest, "authors": authors,
            "id": f"urn:uuid:{uuid.uuid5(NEWS_NAMESPACE, o.folder)}",
            "self_url": f"{base}{o.folder}/news.xml" if base else "news.xml",
            "home": f"{base}{o.folder}/index.html" if base else "index.html",
            "page": page(feed_path, "")}


def subscribe_view(site: Site, o: Offering) -> dict:
    """Feed links: relative ones always; webcal/https/Google links when base_url is known.

    Without base_url the page's own script derives them from the page's address at view time,
    so a site published anywhere still offers one-click subscription.
    """
    feeds = []
    for feed in o.labels.feeds:
        name = feed.name
        absolute = f"{site.config.base_url}{o.folder}/{name}" if site.config.base_url else None
        feeds.append({"label": feed.label, "path": f"{o.folder}/{name}", "name": name,
                      "https": absolute,
                      "webcal": "webcal://" + absolute.split("://", 1)[1] if absolute else None,
                      "google": ("https://calendar.google.com/calendar/r?cid="
                                 + quote("webcal://" + absolute.split("://", 1)[1], safe=""))
                      if absolute else None})
    words = o.labels.subscribe
    return {"main": feeds[0], "split": feeds[1:], "labels": words,
            "download": words["download"].format(file=feeds[0]["name"])}


def schedule_items(site: Site, o: Offering) -> list[dict]:
    """Every dated thing of the offering (lectures, office hours, exams, deadlines, holidays),
    in time order; each carries local ISO start/end so the page script can mark what is next.
    No materials are listed, so what is not released yet changes nothing here."""
    L = o.labels
    items = []
    for s in o.sessions:
        if s.day is None:
            continue
        # what the session's row shows too, but not its materials and labels: building
        # its whole session_view here was a tenth of making an offering's contexts
        items.append({"kind": "lecture", "kind_label": L.kind_labels["lecture"],
                      "day": s.day, "start": session_start(s), "end": session_end(s),
                      "time": time_range(s.start.time(), s.end.time()) if s.start else "",
                      "title": numbered_title(s.lecture.number, s.lecture.title),
                      "room": room_view(site, s.room), "cancelled": cancelled(s),
                      "note": markdown_inline(s.lecture.note),
                      "anchor": session_anchor(s), "order": (0, s.index)})
    for i, oh in enumerate(o.course.weekly.office_hours):
        for day in office_hour_dates(o, oh):
            items.append({"kind": "office-hours", "kind_label": L.kind_labels["office-hours"],
                          "day": day,
                          "start": local_iso(day, oh.start), "end": local_iso(day, oh.end),
                          "time": time_range(oh.start, oh.end), "title": "",
                          "room": room_view(site, oh.room), "cancelled": False,
                          "note": Markup(""), "anchor": "", "order": (1, i)})
    for i, e in enumerate(o.organization.exams):
        if e.date is not S.TBD:
            items.append(dated_item(L, "exam", e.title, e.date, e.start, e.end,
                                    room_view(site, e.room), (2, i)))
    for i, d in enumerate(o.organization.deadlines):
        if d.date is not S.TBD:
            item = dated_item(L, "deadline", d.title, d.date, None, None, None, (3, i))
            item["time"] = L.due_label(d.time)
            item["end"] = local_iso(d.date, d.time) if d.time else (
                d.date + dt.timedelta(days=1)).isoformat()
            items.append(item)
    for day, name in o.holidays:
        items.append(dated_item(L, "holiday", name, day, None, None, None, (4, 0)))
    items.sort(key=lambda x: (x["day"], x["start"], x["order"]))
    return with_link_days(L, items)


def with_link_days(L: Labels, items: list[dict]) -> list[dict]:
    """Items whose linked title another linked item shares ("Discussion of projects" on both
    days of a blocked course) get their day as `link_day`, so no two links read the same."""
    linked = [x["title"] for x in items if x["anchor"]]
    for x in items:
        x["link_day"] = (L.day_label(x["day"]) if x["anchor"] and linked.count(x["title"]) > 1
                         else "")
    return items


def dated_item(L: Labels, kind, title, day, start, end, room, order) -> dict:
    """A schedule entry for one day (all-day when there is no start time)."""
    return {"kind": kind, "kind_label": L.kind_labels[kind], "day": day, "title": title,
            "start": local_iso(day, start),
            "end": local_iso(day, end) if end else (day + dt.timedelta(days=1)).isoformat(),
            "time": time_range(start, end) if start and end else "", "room": room,
            "cancelled": False, "note": Markup(""), "anchor": "", "order": order}


def schedule_weeks(o: Offering, items: list[dict], week: str = "") -> list[dict]:
    """The term week by week (from `schedule_items`), from the week of the first day to the
    last dated item; the week of Monday `week` (ISO) is marked current."""
    first = monday_of(min([o.course.term.start] + [x["day"] for x in items]))
    last = max([o.course.term.end] + [x["day"] for x in items])
    weeks, monday, number, day_label = [], first, 1, o.labels.day_label
    while monday <= last:
        sunday = monday + dt.timedelta(days=6)
        days = [dict(x, date=day_label(x["day"]), iso=x["day"].isoformat()) for x in items
                if monday <= x["day"] <= sunday]
        weeks.append({"number": number, "label": f"{day_label(monday)} - {day_label(sunday)}",
                      "start": monday.isoformat(),
                      "end": (sunday + dt.timedelta(days=1)).isoformat(),
                      "id": f"week-{monday.isoformat()}", "events": days,
                      "current": monday.isoformat() == week})
        monday, number = monday + dt.timedelta(days=7), number + 1
    return weeks


# --- the table of pages -----------------------------------------------------------------------

@dataclass
class OfferingPages:
    """What an offering's pages are made from; the views they share are built once."""

    site: Site
    offering: Offering
    pending: frozenset = frozenset()   # materials not released yet
    changes: tuple = ()                # the change record's schedule changes
    archive: dict | None = None        # Archive.for_offering: its other terms and status
    marks: Marks = UNMARKED             # what is next and this week, at the build's moment
    items: list = field(init=False)    # the schedule's dated items (course and schedule page)
    view: dict = field(init=False)     # offering_view

    def __post_init__(self):
        self.items = schedule_items(self.site, self.offering)
        self.view = offering_view(self.site, self.offering, self.pending, self.changes,
                                  self.items, self.archive, self.marks)

    def common(self, path: str, title: str, crumbs=()) -> dict:
        """What every page of the offering receives: site, offering, and the page itself."""
        o, L = self.offering, self.offering.labels
        return {"site": site_context(self.site, L.language), "offering": self.view,
                "page": page(path, title, crumbs, search={"title": title,
                                                          "offering": o.course.title,
                                                          "term": o.term_label},
                             alternates=alternates(o, path)),
                "ui": L.ui}

    def crumbs(self, with_course: bool = True) -> list[dict]:
        o = self.offering
        home = [{"label": self.site.config.title, "url": site_home(self.site, o.language)}]
        return home + ([{"label": f"{o.course.short} {o.term_label}",
                         "url": f"{o.folder}/index.html"}] if with_course else [])


def course_context(p: OfferingPages, path: str) -> dict:
    o = p.offering
    return p.common(path, f"{o.course.title} ({o.term_label})", p.crumbs(with_course=False))


def schedule_context(p: OfferingPages, path: str) -> dict:
    o = p.offering
    weeks = schedule_weeks(o, p.items, p.marks.week)
    current = next((w for w in weeks if w["current"]), None)
    title = o.labels.page_title("page_schedule", o.course.short, o.term_label)
    return dict(p.common(path, title, p.crumbs()),
                weeks=weeks, labels=o.labels.schedule, current=current)


def projects_context(p: OfferingPages, path: str) -> dict:
    o = p.offering
    return p.common(path, o.labels.page_title("page_projects", o.course.short, o.term_label),
                    p.crumbs())


def news_context(p: OfferingPages, path: str) -> dict:
    return dict(p.common(path, ""), **atom_context(p.site, p.offering, p.view))


@dataclass(frozen=True)
class Page:
    """One page type: output path ('{slug}' is the offering's folder), template, context
    builder `context(site or OfferingPages, path) -> dict`, and whether it is per offering."""

    path: str
    template: str
    context: Callable
    per_offering: bool = True
    made_for: Callable[[Offering], bool] = lambda _o: True  # which offerings have the page


PAGES = (
    Page("index.html", "landing.html", landing_context, per_offering=False),
    Page("{slug}/index.html", "course.html", course_context),
    Page("{slug}/news.xml", "news.xml", news_context),
    Page("{slug}/schedule.html", "schedule.html", schedule_context),
    Page("{slug}/projects.html", "projects.html", projects_context, made_for=has_projects),
)


def offering_templates() -> tuple:
    """The templates of the pages made for each offering."""
    return tuple(pg.template for pg in PAGES if pg.per_offering)


def site_jobs(site: Site, archive: Archive | None = None) -> dict:
    """Output path -> (template, context) of the pages made once per site (in each of its
    languages: the others under their prefix)."""
    return {prefix + pg.path: (pg.template, pg.context(site, prefix + pg.path, archive, lang))
            for pg in PAGES if not pg.per_offering for lang, prefix in site_prefixes(site)}


def offering_jobs(site: Site, o: Offering, pending: frozenset = frozenset(),
                  changes: tuple = (), archive: dict | None = None,
                  marks: Marks = UNMARKED) -> dict:
    """Output path -> (template, context) of one offering's pages."""
    made = OfferingPages(site, o, pending, changes, archive, marks)
    jobs = {}
    for pg in PAGES:
        if pg.per_offering and pg.made_for(o):
            path = pg.path.format(slug=o.folder)
            jobs[path] = (pg.template, pg.context(made, path))
    return jobs
