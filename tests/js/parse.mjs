// Parse an .ics file with ical.js (the parser Thunderbird uses) and print what it understood
// as JSON: {errors, calendar: {...}, events: [{uid, summary, start, end, ...}]}.
// Usage: node parse.mjs FILE.ics   (exit 1 with a message on a parse error)
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const text = readFileSync(process.argv[2], "utf8");
const root = new ICAL.Component(ICAL.parse(text)); // throws on a syntax error
const errors = [];

// Register the file's own VTIMEZONEs first: without them zoned times silently become floating.
for (const vtz of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
}

function when(prop, time) {
  const tzid = prop.getParameter("tzid") || null;
  if (tzid && (!time.zone || time.zone.tzid !== tzid)) {
    errors.push(`${prop.name} has TZID=${tzid} but ical.js resolved zone ${time.zone && time.zone.tzid}`);
  }
  return {
    local: time.toString(),            // 2026-10-12T10:00:00, or 2026-10-12 for a date
    is_date: time.isDate,
    tzid,
    utc: time.isDate ? null : time.toUnixTime(),
  };
}

const events = [];
for (const vevent of root.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(vevent);
  const occurrences = [];
  if (event.isRecurring()) {
    const it = event.iterator();
    for (let next = it.next(), n = 0; next && n < 1000; next = it.next(), n++) {
      occurrences.push(next.toString());
    }
  }
  events.push({
    uid: event.uid,
    summary: event.summary,
    location: event.location,
    description: event.description,
    status: vevent.getFirstPropertyValue("status"),
    sequence: event.sequence,
    start: when(vevent.getFirstProperty("dtstart"), event.startDate),
    end: when(vevent.getFirstProperty("dtend"), event.endDate),
    occurrences,
    alarms: vevent.getAllSubcomponents("valarm").length,
  });
}

console.log(JSON.stringify({
  errors,
  calendar: {
    name: root.getFirstPropertyValue("name"),
    x_wr_calname: root.getFirstPropertyValue("x-wr-calname"),
    timezones: root.getAllSubcomponents("vtimezone").map((c) => c.getFirstPropertyValue("tzid")),
  },
  events,
}, null, 1));
