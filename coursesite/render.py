"""Turn a validated Site into pages: one Jinja environment, one context builder per page type.

Templates never compute: everything they show (formatted dates, sorted lists, URLs relative to
the page) is prepared here. Rendering is pure: same Site, same bytes.
"""
from __future__ import annotations

import datetime as dt
import html
import posixpath
import re
import uuid
import zoneinfo
from functools import lru_cache
from pathlib import Path

import jinja2
import markdown as markdown_lib
from markupsafe import Markup

from . import schema as S
from urllib.parse import quote

from .model import Offering, Session, Site, local_moment, monday_of, office_hour_dates, slugify
from .text import (FEEDS, STATUS_TITLES, and_list, asset_path, change_title, clock, day_label,
                   full_day_label, lecture_number, local_iso, material_label, release_label,
                   release_title, time_range, url_field, utc_text, weekday_plural, when_label)

_SAFE_HREF = re.compile(r"(https?:|mailto:|#)", re.I)
_ENTITY = re.compile(r"&(?:#[0-9]+|#x[0-9a-f]+|[0-9a-z]+);", re.I)


# --- markdown --------------------------------------------------------------------------------

class _SafeLinks(markdown_lib.treeprocessors.Treeprocessor):
    """Drop links and images whose scheme could run code (javascript:, data:, ...); an image
    without a source becomes its alt text (an <img> without src is invalid HTML). Kept links
    are percent-encoded like every other URL (see `safe_url`)."""

    def run(self, root):
        for element in root.iter():
            for attr in ("href", "src"):
                value = element.get(attr)
                if value is None:
                    continue
                if _SAFE_HREF.match(value.strip()):
                    # Markdown's serializer keeps "&name;" in attributes as an entity, which
                    # the browser decodes: decode it first, so safe_url sees what it means.
                    element.set(attr, safe_url(_ENTITY.sub(lambda m: html.unescape(m[0]),
                                                           value.strip())))
                elif element.tag == "img":
                    alt = element.get("alt", "")
                    element.tag, element.text = "span", alt
                    element.attrib.clear()
                else:
                    del element.attrib[attr]


class _SafeMarkdown(markdown_lib.Extension):
    """Raw HTML in markdown is shown as text, never passed through (content is not trusted
    to be HTML-safe: a pasted snippet must not break or script the page)."""

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SafeLinks(md), "safe_links", 0)


@lru_cache(maxsize=4096)
def markdown(text: str | None) -> Markup:
    """Markdown rendered to safe HTML ('' for None); cached because pages repeat fields."""
    if not text:
        return Markup("")
    md = markdown_lib.Markdown(extensions=[_SafeMarkdown(), "sane_lists"], output_format="html")
    return Markup(md.convert(text))


@lru_cache(maxsize=4096)
def markdown_inline(text: str | None) -> Markup:
    """Markdown without the wrapping <p> for one-paragraph fields shown inline."""
    html = str(markdown(text))
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)


# --- URLs ------------------------------------------------------------------------------------

def relative_url(target: str, page: str) -> str:
    """The link from output page `page` to output path `target`, both site-relative."""
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", target) or target.startswith("#"):
        return target
    anchor = ""
    if "#" in target:
        target, anchor = target.split("#", 1)
        anchor = "#" + anchor
    rel = posixpath.relpath(target or page, posixpath.dirname(page) or ".")
    if target.endswith("/") or target == "":
        rel += "/"
    return rel + anchor


# Characters a URL may hold as they are (RFC 3986 reserved and unreserved, and '%' so existing
# escapes stay); anything else (quotes, <, >, spaces, backslashes, non-ASCII) is percent-encoded,
# so a content URL such as https://x.org/?q="a" gives a valid href, never invalid HTML.
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"


def safe_url(url: str) -> str:
    """The URL with every character that is not allowed in a URL percent-encoded (UTF-8);
    a '%' that starts no escape becomes %25."""
    return quote(re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", url), safe=_URL_SAFE)


# --- the environment -------------------------------------------------------------------------

def make_environment(templates_dir: Path) -> jinja2.Environment:
    """Jinja with autoescape and StrictUndefined: a typo in a template fails the build."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["url"] = _url_filter
    return env


@jinja2.pass_context
def _url_filter(context, target: str) -> str:
    """`{{ 'ss26_amls/index.html' | url }}`: the target relative to the page being rendered."""
    return safe_url(relative_url(target, context["page"]["path"]))


# --- contexts ---------------------------------------------------------------------------------

def site_context(site: Site) -> dict:
    config = site.config
    return {
        "title": config.title,
        "language": config.language,
        "description": markdown(config.description),
        "maintainer": ({"name": config.maintainer.name,
                        "email": url_field(config.maintainer.email)}
                       if config.maintainer else None),
        "extra": config.extra,
    }


def page(path: str, title: str, breadcrumbs=()) -> dict:
    return {"path": path, "title": title, "breadcrumbs": list(breadcrumbs)}


def landing_context(site: Site) -> dict:
    """The landing page: offerings grouped by course title, newest offering first."""
    groups: dict[str, list] = {}
    for o in site.offerings:  # already newest first
        groups.setdefault(o.course.title, []).append({
            "term": o.term_label, "short": o.course.short, "url": f"{o.slug}/index.html",
            "codes": ", ".join(f"{c.kind} {c.number}" for c in o.course.codes),
        })
    return {"site": site_context(site), "page": page("index.html", site.config.title),
            "courses": [{"title": t, "offerings": offs} for t, offs in groups.items()]}


def room_view(site: Site, room_id: str | None) -> dict | None:
    if room_id is None:
        return None
    room = site.rooms[room_id]
    return {"name": room.name, "building": room.building, "address": room.address,
            "map_url": url_field(room.map_url)}


def links_view(links) -> list:
    return [{"label": link.label, "url": url_field(link.url),
             "pending": ""} for link in links]


def slot_view(site: Site, slot) -> dict:
    return {"days": weekday_plural(slot.weekday), "time": time_range(slot.start, slot.end),
            "room": room_view(site, slot.room), "online": links_view(slot.online)}


def module_line(o: Offering) -> str:
    """'AMLS is a 6 ECTS module, applicable to the master study courses ...' from the data."""
    c = o.course
    if c.ects is None and not c.programmes:
        return ""
    text = f"{c.short} is a{'' if c.ects is None else f' {c.ects} ECTS'} module"
    if c.programmes:
        level = f"{c.level} " if c.level else ""
        text += f", applicable to the {level}study courses {and_list(c.programmes)}"
    if c.study_areas:
        text += f", as well as the study areas {and_list(c.study_areas)}"
    return text + "."


def material_view(m: S.Material, pending: frozenset) -> dict:
    """A material link, or its label and release time while it is not released yet."""
    label = material_label(m)
    if m.url in pending:
        return {"label": label, "kind": m.kind, "url": None, "pending": release_label(m.release)}
    return {"label": label, "kind": m.kind, "url": asset_path(m.url), "pending": ""}


def session_view(site: Site, s: Session, pending: frozenset = frozenset()) -> dict:
    lecture = s.lecture
    tbd = lecture.date is S.TBD
    return {
        "number": lecture_number(lecture.number),
        "title": lecture.title,
        "anchor": s.key.replace("/", "-"),
        "date": "TBD" if tbd else day_label(lecture.date),
        "iso": "" if tbd else lecture.date.isoformat(),
        "start": local_iso(s.start.date(), s.start.time()) if s.start else "",
        "end": local_iso(s.end.date(), s.end.time()) if s.end else "",
        "time": time_range(s.start.time(), s.end.time()) if s.start and s.differs_from_slot
        else "",
        "room": room_view(site, lecture.room) if lecture.room else None,
        "materials": [material_view(m, pending) for m in lecture.materials],
        "cancelled": lecture.status == "cancelled",
        "note": markdown_inline(lecture.note),
    }


def person_view(p: S.Person) -> dict:
    return {"name": p.name, "affiliation": p.affiliation, "email": url_field(p.email),
            "url": url_field(p.url)}


def organization_view(site: Site, org: S.Organization) -> dict:
    return {
        "lecturers": [person_view(p) for p in org.lecturers],
        "assistants": [person_view(p) for p in org.assistants],
        "exams": [{"title": e.title, "when": when_label(e.date, e.start, e.end),
                   "room": room_view(site, e.room), "place": e.place,
                   "text": markdown_inline(e.text)} for e in org.exams],
        "deadlines": [{"title": d.title, "when": when_label(d.date, d.time),
                       "text": markdown_inline(d.text)} for d in org.deadlines],
        "grading": markdown(org.grading),
        "notes": markdown(org.notes),
    }


def offering_view(site: Site, o: Offering, pending: frozenset = frozenset(),
                  changes: tuple = (), items: list | None = None) -> dict:
    """Everything about one offering that its pages show, given the materials not released
    yet (`pending`) and the schedule changes of its change record (for the news)."""
    c = o.course
    return {
        "slug": o.slug, "title": c.title, "short": c.short, "term": o.term_label,
        "codes": [{"kind": k.kind, "number": k.number, "name": k.name} for k in c.codes],
        "module_line": module_line(o),
        "description": markdown(c.description),
        "slots": [slot_view(site, s) for s in c.weekly.lectures],
        "office_hours": [dict(slot_view(site, s), note=markdown_inline(s.note),
                              from_date=full_day_label(s.start_date) if s.start_date else "")
                         for s in c.weekly.office_hours],
        "lectures_intro": markdown(o.lectures.intro),
        "parts": [{"letter": p.letter, "title": p.title, "anchor": f"part-{slugify(p.letter)}",
                   "has_materials": any(lec.materials for lec in p.lectures),
                   "lectures": [session_view(site, s, pending) for s in o.sessions
                                if s.part is p]}
                  for p in o.lectures.parts],
        "projects": projects_view(o.projects),
        "organization": organization_view(site, o.organization),
        "extra": c.extra,
        "timezone": o.timezone,
        "news": news_entries(site, o, pending, changes),
        "subscribe": subscribe_view(site, o),
        "upcoming": [dict(x, date=full_day_label(x["day"]), iso=x["day"].isoformat())
                     for x in (items if items is not None else schedule_items(site, o, pending))
                     if x["kind"] in ("exam", "deadline")],
        "urls": {"home": f"{o.slug}/index.html", "projects": f"{o.slug}/projects.html",
                 "schedule": f"{o.slug}/schedule.html", "news": f"{o.slug}/news.xml"},
    }


def projects_view(p: S.Projects) -> dict:
    groups = []
    for status, heading in STATUS_TITLES.items():
        items = [{"id": x.id, "title": x.title, "system": x.system, "team_size": x.team_size,
                  "supervisors": ", ".join(x.supervisors), "status": x.status,
                  "description": markdown(x.description), "links": links_view(x.links)}
                 for x in p.proposals if x.status == status]
        groups.append({"status": status, "heading": heading, "proposals": items,
                       "anchor": status})
    return {
        "intro": markdown(p.intro),
        "proposals_url": url_field(p.proposals_url),
        "count": len(p.proposals),
        "open_count": sum(1 for x in p.proposals if x.status == "open"),
        "groups": groups,
        "exercises": [{"title": e.title, "description": markdown(e.description),
                       "links": links_view(e.links)} for e in p.exercises],
    }


NEWS_NAMESPACE = uuid.UUID("0f6f5a3e-96c4-4f4e-b0f1-3c2d9b8e7a51")  # never change: entry ids


def news_entries(site: Site, o: Offering, pending: frozenset, changes: tuple) -> list[dict]:
    """Announcements, schedule changes (from the calendar's change record) and released
    materials, pinned first, then newest first. Nothing here is typed twice: changes come from
    the record that raises the calendar's SEQUENCE, releases from lectures.yaml."""
    entries = [announcement_entry(o, a) for a in o.news.news]
    entries += [change_entry(o, c) for c in changes]
    for s in o.sessions:
        for m in s.lecture.materials:
            if m.release is not None and m.url not in pending:
                entries.append(release_entry(site, o, s, m))
    entries.sort(key=lambda e: (e["updated"], e["id"]), reverse=True)
    entries.sort(key=lambda e: not e["pinned"])  # stable: pinned first, each group newest first
    return entries


def entry(o: Offering, key: str, title: str, moment: dt.datetime, body: Markup,
          kind: str, pinned: bool = False, link: str | None = None) -> dict:
    local = moment.astimezone(zoneinfo.ZoneInfo(o.timezone))
    ident = uuid.uuid5(NEWS_NAMESPACE, f"{o.slug}/{key}")
    return {"id": f"urn:uuid:{ident}", "anchor": f"news-{ident.hex[:12]}", "title": title,
            "updated": utc_text(moment), "date": full_day_label(local.date()),
            "iso": local.date().isoformat(), "body": body, "kind": kind, "pinned": pinned,
            "link": link or f"{o.slug}/index.html"}


def announcement_entry(o: Offering, a: S.Announcement) -> dict:
    moment = local_moment(o, dt.datetime.combine(a.date, a.time or dt.time(0)))
    return entry(o, f"news/{a.date}/{slugify(a.title)}", a.title, moment, markdown(a.body),
                 "announcement", a.pinned)


def change_entry(o: Offering, change) -> dict:
    """One entry per version that changed the schedule: 'Lectures 01-13 move to FR 772'."""
    body = Markup("").join(Markup("<p>%s.</p>") % s for s in change.sentences)
    return entry(o, f"change/{change.version}", change_title(change.sentences), change.when,
                 body, "change")


def release_entry(site: Site, o: Offering, s: Session, m: S.Material) -> dict:
    title = release_title(m, s.lecture.number, s.lecture.title)
    anchor = s.key.replace("/", "-")
    return entry(o, f"release/{m.url}", title, local_moment(o, m.release),
                 Markup("<p>%s</p>") % title, "release", link=f"{o.slug}/index.html#{anchor}")


def atom_context(site: Site, o: Offering, view: dict) -> dict:
    """The Atom feed of an offering's news; `updated` is the newest entry (or the term's
    start), never the build time, so an unchanged feed keeps its bytes."""
    entries = view["news"]
    newest = max((e["updated"] for e in entries), default=utc_text(
        local_moment(o, dt.datetime.combine(o.course.term.start, dt.time(0)))))
    base = site.config.base_url
    authors = [p.name for p in o.organization.lecturers] or [site.config.title]
    feed_path = f"{o.slug}/news.xml"
    entries = [dict(e, href=f"{base}{e['link']}" if base else relative_url(e["link"], feed_path))
               for e in entries]
    return {"offering": view, "entries": sorted(entries, key=lambda e: (e["updated"], e["id"]),
                                                reverse=True),
            "updated": newest, "authors": authors,
            "id": f"urn:uuid:{uuid.uuid5(NEWS_NAMESPACE, o.slug)}",
            "self_url": f"{base}{o.slug}/news.xml" if base else "news.xml",
            "home": f"{base}{o.slug}/index.html" if base else "index.html",
            "page": page(feed_path, "")}


def subscribe_view(site: Site, o: Offering) -> dict:
    """Feed links: relative ones always; webcal/https/Google links when base_url is known.

    Without base_url the page's own script derives them from the page's address at view time,
    so a site published anywhere still offers one-click subscription.
    """
    feeds = []
    for feed in FEEDS:
        name = feed.name
        absolute = f"{site.config.base_url}{o.slug}/{name}" if site.config.base_url else None
        feeds.append({"label": feed.label, "path": f"{o.slug}/{name}", "name": name,
                      "https": absolute,
                      "webcal": "webcal://" + absolute.split("://", 1)[1] if absolute else None,
                      "google": ("https://calendar.google.com/calendar/r?cid="
                                 + quote("webcal://" + absolute.split("://", 1)[1], safe=""))
                      if absolute else None})
    return {"main": feeds[0], "split": feeds[1:]}


def schedule_items(site: Site, o: Offering, pending: frozenset = frozenset()) -> list[dict]:
    """Every dated thing of the offering (lectures, office hours, exams, deadlines, holidays),
    in time order; each carries local ISO start/end so the page script can mark what is next."""
    items = []
    for s in o.sessions:
        if s.start is None:
            continue
        view = session_view(site, s, pending)
        items.append({"kind": "lecture", "kind_label": "Lecture", "day": s.start.date(),
                      "start": local_iso(s.start.date(), s.start.time()),
                      "end": local_iso(s.end.date(), s.end.time()),
                      "time": time_range(s.start.time(), s.end.time()),
                      "title": (f"{view['number']} " if view["number"] else "") + s.lecture.title,
                      "room": room_view(site, s.room), "cancelled": view["cancelled"],
                      "note": view["note"],
                      "anchor": view["anchor"], "order": (0, s.index)})
    for i, oh in enumerate(o.course.weekly.office_hours):
        for day in office_hour_dates(o, oh):
            items.append({"kind": "office-hours", "kind_label": "Office hours", "day": day,
                          "start": local_iso(day, oh.start), "end": local_iso(day, oh.end),
                          "time": time_range(oh.start, oh.end), "title": "",
                          "room": room_view(site, oh.room), "cancelled": False,
                          "note": Markup(""), "anchor": "", "order": (1, i)})
    for i, e in enumerate(o.organization.exams):
        if e.date is not S.TBD:
            items.append(dated_item("exam", "Exam", e.title, e.date, e.start, e.end,
                                    room_view(site, e.room), (2, i)))
    for i, d in enumerate(o.organization.deadlines):
        if d.date is not S.TBD:
            item = dated_item("deadline", "Deadline", d.title, d.date, None, None, None, (3, i))
            item["time"] = f"due {clock(d.time)}" if d.time else "due"
            item["end"] = local_iso(d.date, d.time) if d.time else (
                d.date + dt.timedelta(days=1)).isoformat()
            items.append(item)
    for day, name in o.holidays:
        items.append(dated_item("holiday", "Public holiday", name, day, None, None, None, (4, 0)))
    items.sort(key=lambda x: (x["day"], x["start"], x["order"]))
    return items


def dated_item(kind, kind_label, title, day, start, end, room, order) -> dict:
    """A schedule entry for one day (all-day when there is no start time)."""
    return {"kind": kind, "kind_label": kind_label, "day": day, "title": title,
            "start": local_iso(day, start),
            "end": local_iso(day, end) if end else (day + dt.timedelta(days=1)).isoformat(),
            "time": time_range(start, end) if start and end else "", "room": room,
            "cancelled": False, "note": Markup(""), "anchor": "", "order": order}


def schedule_weeks(o: Offering, items: list[dict]) -> list[dict]:
    """The term week by week (from `schedule_items`), from the week of the first day to the
    last dated item."""
    first = monday_of(min([o.course.term.start] + [x["day"] for x in items]))
    last = max([o.course.term.end] + [x["day"] for x in items])
    weeks, monday, number = [], first, 1
    while monday <= last:
        sunday = monday + dt.timedelta(days=6)
        days = [dict(x, date=day_label(x["day"]), iso=x["day"].isoformat()) for x in items
                if monday <= x["day"] <= sunday]
        weeks.append({"number": number, "label": f"{day_label(monday)} - {day_label(sunday)}",
                      "start": monday.isoformat(),
                      "end": (sunday + dt.timedelta(days=1)).isoformat(),
                      "id": f"week-{monday.isoformat()}", "events": days})
        monday, number = monday + dt.timedelta(days=7), number + 1
    return weeks


def offering_pages(site: Site, o: Offering, view: dict, items: list[dict]) -> dict:
    """Page path -> (template, context) for one offering."""
    common = {"site": site_context(site), "offering": view}
    crumbs = [{"label": site.config.title, "url": "index.html"}]
    return {
        f"{o.slug}/index.html": ("course.html", dict(common, page=page(
            f"{o.slug}/index.html", f"{o.course.title} ({o.term_label})", crumbs))),
        f"{o.slug}/news.xml": ("news.xml", dict(common, **atom_context(site, o, view))),
        f"{o.slug}/schedule.html": ("schedule.html", dict(common,
                                                          weeks=schedule_weeks(o, items),
            page=page(f"{o.slug}/schedule.html", f"Schedule: {o.course.short} {o.term_label}",
                      crumbs + [{"label": f"{o.course.short} {o.term_label}",
                                 "url": f"{o.slug}/index.html"}]))),
        f"{o.slug}/projects.html": ("projects.html", dict(common, page=page(
            f"{o.slug}/projects.html", f"Projects: {o.course.short} {o.term_label}",
            crumbs + [{"label": f"{o.course.short} {o.term_label}",
                       "url": f"{o.slug}/index.html"}]))),
    }


def landing_job(site: Site) -> dict:
    return {"index.html": ("landing.html", landing_context(site))}


def render_pages(site: Site, templates_dir: Path, cache: dict | None = None,
                 pending: dict | None = None, records: dict | None = None,
                 landing: bool = True) -> dict[str, bytes]:
    """Every HTML page of the site: output path -> UTF-8 bytes.

    With a `cache` (the live preview's), an offering whose validated data, rooms, site settings
    and templates are all unchanged keeps its pages from the previous build.
    """
    cache = {} if cache is None else cache
    signature = templates_signature(templates_dir)
    if cache.get("templates") != signature:
        cache.clear()
        cache["templates"] = signature
        cache["env"] = make_environment(templates_dir)
    env = cache["env"]
    pages = render_jobs(env, landing_job(site)) if landing else {}
    pending, records = pending or {}, records or {}
    for o in site.offerings:
        record = records.get(o.slug)
        inputs = (o, site.config, site.rooms, pending.get(o.slug, frozenset()),
                  record.changes if record else ())
        hit = cache.get(("pages", o.slug))
        if hit and hit[0][0] is o and hit[0][1] is site.config and hit[0][2:] == inputs[2:]:
            pages.update(hit[1])
            continue
        items = schedule_items(site, o, inputs[3])  # shared by the course and schedule pages
        view = offering_view(site, o, inputs[3], inputs[4], items)
        rendered = render_jobs(env, offering_pages(site, o, view, items))
        cache[("pages", o.slug)] = (inputs, rendered)
        pages.update(rendered)
    return dict(sorted(pages.items()))


def render_jobs(env: jinja2.Environment, jobs: dict) -> dict[str, bytes]:
    """Render {path: (template name, context)} to {path: bytes}."""
    return {path: env.get_template(tpl).render(ctx).encode("utf-8")
            for path, (tpl, ctx) in jobs.items()}


def templates_signature(templates_dir: Path) -> tuple:
    """The names and bytes of all templates: any edit changes it."""
    return tuple((p.name, p.read_bytes()) for p in sorted(Path(templates_dir).iterdir())
                 if p.suffix in (".html", ".xml"))


def collect_assets(assets_dir: Path, cache: dict | None = None) -> dict[str, bytes]:
    """Every file under assets/ -> its bytes, skipping dotfiles, editor leftovers, and links
    that point outside assets/ (a symlink must not publish a file from elsewhere).

    With a `cache`, a file whose size and modification time are unchanged is not read again
    (slides can be large; the live preview re-collects on every save).
    """
    assets_dir = Path(assets_dir)
    root = assets_dir.resolve()
    files = {}
    for path in sorted(assets_dir.rglob("*")):
        rel = path.relative_to(assets_dir).as_posix()
        if any(p.startswith(".") for p in rel.split("/")) or rel.endswith("~"):
            continue
        if not path.is_file() or not path.resolve().is_relative_to(root):
            continue
        files[f"assets/{rel}"] = read_asset(path, cache)
    return files


def read_asset(path: Path, cache: dict | None) -> bytes:
    if cache is None:
        return path.read_bytes()
    stat = path.stat()
    signature = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    hit = cache.get(path)
    if hit is None or hit[0] != signature:
        hit = cache[path] = (signature, path.read_bytes())
    return hit[1]


HTACCESS = b"""# Written by coursesite: serve calendar feeds with their type on Apache webspace.
AddType "text/calendar; charset=utf-8" .ics
AddCharset utf-8 .html .css .js
"""


def server_config() -> dict[str, bytes]:
    """Files that tell common web servers how to serve the site."""
    return {".htaccess": HTACCESS}
