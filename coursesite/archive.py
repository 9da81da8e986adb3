"""The archive: every offering of the site grouped into its course, newest first, with the
running or next one marked as of the build's moment.

Pure functions over a validated `Site`; pages.py turns their results into what the landing
page and the offering pages show. An offering's URL is its folder name and nothing here
changes it: adding a term adds pages and never moves an old one (permalinks).
"""
from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from .model import Offering, Site
from .text import Labels, code_label, distinct_labels, labels, offering_link_label

# The statuses an offering can have at a moment; only running and next are marked.
RUNNING, NEXT, PAST, LATER = "running", "next", "past", "later"


@dataclass(frozen=True)
class Course:
    """One course across its offerings and renames."""

    id: str
    title: str                # the newest offering's title
    former_titles: tuple      # older titles, newest first, when it was renamed
    offerings: tuple          # Offering, newest first


def group_courses(offerings) -> tuple[Course, ...]:
    """The offerings, given newest first (as Site.offerings are: by the start of their
    lecture period, then by folder), grouped by course id, the course with the newest
    offering first."""
    groups: dict[str, list] = {}
    for o in offerings:
        groups.setdefault(o.course_id, []).append(o)
    return tuple(make_course(cid, offs) for cid, offs in groups.items())


def make_course(cid: str, offerings: list[Offering]) -> Course:
    """A course of offerings given newest first: titled by the newest one."""
    title = offerings[0].course.title
    former = []
    for o in offerings[1:]:
        if o.course.title != title and o.course.title not in former:
            former.append(o.course.title)
    return Course(cid, title, tuple(former), tuple(offerings))


def today_in(o: Offering, now: dt.datetime) -> dt.date:
    """The date it is at `now` (aware) where the offering is held."""
    return now.astimezone(zoneinfo.ZoneInfo(o.timezone)).date()


def statuses(offerings, now: dt.datetime | None) -> dict[str, str]:
    """Slug -> running (today lies within its lecture period, in its own time zone), next
    (the earliest one still to come, when none is running), past or later; '' for each when
    `now` is None (the page's script marks them in the browser)."""
    if now is None:
        return {o.slug: "" for o in offerings}
    result = {}
    for o in offerings:
        today, term = today_in(o, now), o.course.term
        result[o.slug] = PAST if term.end < today else LATER if today < term.start else RUNNING
    if RUNNING not in result.values():
        coming = [o for o in offerings if result[o.slug] == LATER]
        if coming:
            result[min(coming, key=lambda o: (o.course.term.start, o.slug)).slug] = NEXT
    return result


@dataclass(frozen=True)
class Archive:
    """The site's courses and each offering's status at the build's moment; made once per
    build, it gives the landing page its list and every offering page its other terms."""

    site: Site
    courses: tuple            # Course, the one with the newest offering first
    marks: dict               # slug -> running, next, past, later or ''
    by_course: dict           # course id -> Course

    @classmethod
    def of(cls, site: Site, now: dt.datetime | None) -> Archive:
        """The archive as of `now` (aware; None: the marks are left to the page's script)."""
        all_courses = group_courses(site.offerings)
        marks: dict[str, str] = {}
        for c in all_courses:
            marks.update(statuses(c.offerings, now))
        return cls(site, all_courses, marks, {c.id: c for c in all_courses})

    def institution(self, o: Offering) -> str | None:
        """The offering's university where it differs from site.yaml's, else None."""
        own = o.course.institution
        return own if own and own != self.site.config.institution else None

    def held_at(self, o: Offering) -> str | None:
        """The offering's university: its own, else site.yaml's (None when neither says)."""
        return o.course.institution or self.site.config.institution

    @property
    def site_labels(self) -> Labels:
        """The words of the site's own pages (the landing page): site.yaml's language."""
        return labels(self.site.config.language)

    def term_view(self, o: Offering, L: Labels | None = None) -> dict:
        """What a list of terms shows of one offering, in the words of the page that lists it
        (`L`, default the site's): its term, URL, status and dates (the page's script keeps
        the status current from them)."""
        L = L or self.site_labels
        term, status, elsewhere = o.course.term, self.marks[o.slug], self.institution(o)
        shown = version_in(o, L.language)  # the page's language, where the offering has it
        return {"slug": o.slug, "term": term_in(o, L), "short": o.course.short,
                "title": shown.course.title, "url": f"{shown.folder}/index.html",
                "institution": elsewhere, "at": L.at_institution(elsewhere),
                "codes": "; ".join(code_label(c.kind, c.number, c.order)
                                   for c in o.course.codes),
                "status": status, "status_label": L.status_labels.get(status, ""),
                "start": term.start.isoformat(), "end": term.end.isoformat(),
                "timezone": o.timezone,
                # its versions in other languages: the landing page links each
                "translations": [{"lang": t.language, "url": f"{t.folder}/index.html",
                                  "name": labels(t.language).ui["language_name"]}
                                 for t in (o, *o.translations) if t.versions and t is not shown]}

    def with_labels(self, views: list[dict], offerings: list[Offering],
                    base: list[str]) -> list[dict]:
        """The views with link texts `base`, made distinct where two read the same: first by
        the university, then by the folder name ("No two links read the same")."""
        labels = distinct_labels(base, [self.held_at(o) for o in offerings],
                                 [o.slug for o in offerings])
        views = [dict(v, label=label, translations=[
            dict(t, context=f" ({label})") for t in v["translations"]])  # which one, unseen
            for v, label in zip(views, labels, strict=True)]
        for v in views:  # a university the link text names already is not repeated beside it
            if v["institution"] and v["label"].endswith(f"({v['institution']})"):
                v.update(institution=None, at="")
        return views

    def landing(self, L: Labels | None = None) -> list[dict]:
        """The landing page's courses in the words of `L` (default: the site's), each with its
        offerings newest first, every offering's link text distinct on the page."""
        L = L or self.site_labels
        offerings = [o for c in self.courses for o in c.offerings]
        views = self.with_labels([self.term_view(o, L) for o in offerings], offerings,
                                 [offering_link_label(o.course.short, term_in(o, L))
                                  for o in offerings])
        by_slug = {v["slug"]: v for v in views}
        return [{"id": c.id, "anchor": f"course-{c.id}",
                 "title": version_in(c.offerings[0], L.language).course.title,
                 "formerly": L.formerly(c.former_titles),
                 "offerings": [by_slug[o.slug] for o in c.offerings]} for c in self.courses]

    def other_terms(self, o: Offering) -> list[dict]:
        """The course's other offerings, newest first: label (the term, distinct among them),
        URL, status, and the title where it differs from this offering's (a renamed course)."""
        offerings = self.by_course[o.course_id].offerings
        own = next(x for x in offerings if x.slug == o.slug)  # o in its default language
        others = [x for x in offerings if x.slug != o.slug]
        views = [dict(self.term_view(x, o.labels), renamed=version_in(x, o.language).course.title
                      if x.course.title != own.course.title else None)
                 for x in others]
        return self.with_labels(views, others, [term_in(x, o.labels) for x in others])

    def successor(self, o: Offering, others: list[dict]) -> dict | None:
        """Where the page points once the offering is over: the course's later offering that
        runs at the build's moment, else the next to come, else the newest later one (None
        when there is none); `others` are its `other_terms` views."""
        later = [v for v in others if v["start"] > o.course.term.start.isoformat()]
        for status in (RUNNING, NEXT):
            for v in later:
                if v["status"] == status:
                    return v
        return later[0] if later else None  # newest first

    def for_offering(self, o: Offering) -> dict:
        """What an offering's pages show of the archive: its other terms and its own status
        (plain data: the preview's cache compares it to know when to render again)."""
        others = self.other_terms(o)
        return {"other_terms": others, "successor": self.successor(o, others),
                "status": dict(self.term_view(o, o.labels), label=o.term_label),
                "archive_labels": o.labels.archive}


def version_in(o: Offering, language: str) -> Offering:
    """The offering's version in `language` (its default when it has none in it)."""
    return next((v for v in o.translations if v.language == language), o)


def term_in(o: Offering, L: Labels) -> str:
    """The offering's term in the words of `L`: as the university writes it, else 'Summer
    2026' ('Sommersemester 2026')."""
    t = o.course.term
    return t.label or L.term_label(t.season, t.year)
