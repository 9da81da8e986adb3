// Parse .ics files with ical.js (the parser Thunderbird uses) and print what it understood as
// JSON: {FILE: {errors, calendar: {...}, events: [{uid, summary, start, end, ...}]}}.
// Usage: node parse.mjs FILE.ics...   (exits non-zero with a message on a parse error)
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

function when(prop, time, errors) {
  const tzid = prop.getParameter("tzid") || null;
  if (tzid && (!time.zone || time.zone.tzid !== tzid)) {
    errors.push(`${prop.name} has TZID=${tzid} but ical.js resolved ${time.zone && time.zone.tzid}`);
  }
  return {
    local: time.toString(), // 2026-10-12T10:00:00, or 2026-10-12 for a date
    is_date: time.isDate,
    tzid,
    utc: time.isDate ? null : time.toUnixTime(),
  };
}

function occurrences(event) {
  const found = [];
  if (event.isRecurring()) {
    const it = event.iterator();
    for (let next = it.next(), n = 0; next && n < 1000; next = it.next(), n++) {
      found.push(next.toString());
    }
  }
  return found;
}

function parseFile(path) {
  const root = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8"))); // throws on bad syntax
  const errors = [];
  // Register the file's own VTIMEZONEs first: without them zoned times silently become floating.
  ICAL.TimezoneService.reset();
  for (const vtz of root.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
  }
  const events = root.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    return {
      uid: event.uid,
      summary: event.summary,
      location: event.location,
      description: event.description,
      status: vevent.getFirstPropertyValue("status"),
      sequence: event.sequence,
      start: when(vevent.getFirstProperty("dtstart"), event.startDate, errors),
      end: when(vevent.getFirstProperty("dtend"), event.endDate, errors),
      occurrences: occurrences(event),
      alarms: vevent.getAllSubcomponents("valarm").length,
    };
  });
  return {
    errors,
    calendar: {
      name: root.getFirstPropertyValue("name"),
      x_wr_calname: root.getFirstPropertyValue("x-wr-calname"),
      timezones: root.getAllSubcomponents("vtimezone").map((c) => c.getFirstPropertyValue("tzid")),
    },
    events,
  };
}

const views = {};
for (const path of process.argv.slice(2)) {
  views[path] = parseFile(path);
}
console.log(JSON.stringify(views, null, 1));
