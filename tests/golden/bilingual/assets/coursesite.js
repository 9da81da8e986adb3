/* coursesite: marks the current week, the next lecture and past dates in the offering's
   time zone. The page is complete without it; this only highlights. No dependencies. */
(function () {
  "use strict";
  var root = document.querySelector("[data-timezone]") || document.body;
  var zone = root.getAttribute("data-timezone") || document.documentElement.getAttribute("data-timezone");

  /* The wall-clock time now in `zone` as "YYYY-MM-DDTHH:MM", comparable with data-start/end. */
  function localNow() {
    var parts = {};
    try {
      new Intl.DateTimeFormat("en-GB", {
        timeZone: zone || undefined, hourCycle: "h23", year: "numeric", month: "2-digit",
        day: "2-digit", hour: "2-digit", minute: "2-digit"
      }).formatToParts(new Date()).forEach(function (p) { parts[p.type] = p.value; });
    } catch (e) { return null; }
    return parts.year + "-" + parts.month + "-" + parts.day + "T" + parts.hour + ":" + parts.minute;
  }

  /* Today's date ("YYYY-MM-DD") in time zone `tz`, or null where the browser cannot tell. */
  function todayIn(tz) {
    var parts = {};
    try {
      new Intl.DateTimeFormat("en-GB", {
        timeZone: tz || undefined, year: "numeric", month: "2-digit", day: "2-digit"
      }).formatToParts(new Date()).forEach(function (p) { parts[p.type] = p.value; });
    } catch (e) { return null; }
    return parts.year + "-" + parts.month + "-" + parts.day;
  }

  /* The terms of one course ([data-terms]: a list on the landing page, "Other terms" on a
     course page, which carries its own term too), each judged in its own time zone: running
     while today lies in its lecture period; else the earliest one still to come is next. The
     build marked them as of its moment; this keeps the marks (text, not colour) current. */
  function markTerms(group) {
    var terms = Array.prototype.slice.call(group.querySelectorAll("[data-term-start]"));
    if (group.hasAttribute("data-term-start")) { terms.push(group); }
    var days = terms.map(function (t) { return todayIn(t.dataset.termZone); });
    if (days.indexOf(null) >= 0) { return; }
    var state = terms.map(function (t, i) {
      return t.dataset.termEnd < days[i] ? "past" : days[i] < t.dataset.termStart ? "later" : "running";
    });
    if (state.indexOf("running") < 0) {
      var next = -1;
      state.forEach(function (s, i) {
        if (s === "later" && (next < 0 || terms[i].dataset.termStart < terms[next].dataset.termStart)) { next = i; }
      });
      if (next >= 0) { state[next] = "next"; }
    }
    terms.forEach(function (t, i) {
      if (t === group) { return; }
      var mark = t.querySelector(".term-mark");
      var label = group.getAttribute("data-label-" + state[i]) || "";
      t.classList.toggle("running", state[i] === "running");
      t.classList.toggle("next", state[i] === "next");
      if (mark) { mark.querySelector(".term-badge").textContent = label; mark.hidden = !label; }
    });
  }
  document.querySelectorAll("[data-terms]").forEach(markTerms);

  var now = localNow();
  if (!now) { return; }
  var today = now.slice(0, 10);

  /* "YYYY-MM-DD" plus n days. */
  function addDays(day, n) {
    var d = new Date(Date.UTC(+day.slice(0, 4), +day.slice(5, 7) - 1, +day.slice(8, 10) + n));
    return d.toISOString().slice(0, 10);
  }

  /* The current week on the schedule page, and links that open the schedule at it. The build
     marked its own week; this moves the mark (and the links) as time passes. */
  var monday = addDays(today, -((new Date(Date.UTC(+today.slice(0, 4), +today.slice(5, 7) - 1,
    +today.slice(8, 10))).getUTCDay() + 6) % 7));
  var current = null;
  document.querySelectorAll("section.week[data-start]").forEach(function (week) {
    var on = week.dataset.start <= today && today < week.dataset.end;
    week.classList.toggle("current", on);
    if (on) { week.setAttribute("aria-current", "date"); current = week; } else { week.removeAttribute("aria-current"); }
    var badge = week.querySelector(".current-badge");
    if (badge) { badge.hidden = !on; }
  });
  var jump = document.querySelector("[data-week-jump]");
  if (jump) {
    jump.hidden = !current;
    if (current) { jump.querySelector("a").setAttribute("href", "#" + current.id); }
  }
  if (current && !location.hash) { current.scrollIntoView(); }
  /* A link to the schedule opens it at this week while the schedule has this week. */
  document.querySelectorAll("a[data-week-link]").forEach(function (a) {
    var d = a.dataset, inside = d.weeksFrom <= monday && monday <= d.weeksTo;
    a.setAttribute("href", d.weekLink + (inside ? "#week-" + monday : ""));
  });

  /* The course page's box of what is next: the same rule as upcoming.marks in the build.
     Shown: the first session not over and not cancelled, the first exam or deadline not
     over, and every cancelled or moved session of the coming week; when none is left after
     the lecture period, the sentence that says so. */
  document.querySelectorAll("[data-next]").forEach(function (box) {
    var soon = addDays(today, 7), lecture = false, dated = false, any = false;
    box.querySelectorAll("[data-next-item]").forEach(function (el) {
      var d = el.dataset, show = false, off = el.hasAttribute("data-cancelled");
      if (d.end > now) {
        if (d.kind === "lecture") {
          if ((off || el.hasAttribute("data-moved")) && d.start < soon) { show = true; }
          if (!off && !lecture) { show = true; lecture = true; }
        } else if (!dated) { show = true; dated = true; }
      }
      el.hidden = !show;
      any = any || show;
    });
    var over = !any && box.dataset.termEnd < today;
    var sentence = box.querySelector("[data-next-over]");
    if (sentence) { sentence.hidden = !over; }
    box.hidden = !any && !over;
  });

  /* The next lecture: the first one, not cancelled, that has not ended yet. */
  var next = null;
  document.querySelectorAll("[data-start][data-end]").forEach(function (el) {
    if (el.matches("section.week, [data-next-item]")) { return; }
    var kind = el.dataset.kind || (el.classList.contains("lecture") ? "lecture" : "");
    if (el.dataset.end <= now) {
      el.classList.add("past");
      var past = el.querySelector(".past-badge");
      if (past) { past.hidden = false; }
      return;
    }
    if (kind === "lecture" && next === null && !el.hasAttribute("data-cancelled") && el.dataset.start) {
      next = el;
    }
  });
  if (next) {
    next.classList.add("next");
    var badge = next.querySelector(".next-badge");
    if (badge) { badge.hidden = false; }
  }

  /* Subscription links need the feed's absolute address; without base_url it is derived from
     this page's, which only exists on the web (from file:// the download and the sentence on
     why a subscription needs the site online stay). */
  var input = document.querySelector("[data-absolute]");
  if (input && (location.protocol === "http:" || location.protocol === "https:")) {
    var https = new URL(input.getAttribute("data-absolute"), location.href).href;
    var webcal = "webcal://" + https.replace(/^https?:\/\//, "");
    input.value = https;
    var w = document.querySelector("[data-webcal]");
    var g = document.querySelector("[data-google]");
    if (w) { w.href = webcal; }
    if (g) { g.href = "https://calendar.google.com/calendar/r?cid=" + encodeURIComponent(webcal); }
    document.querySelectorAll("[data-needs-http]").forEach(function (el) { el.hidden = false; });
    document.querySelectorAll("[data-offline-note]").forEach(function (el) { el.hidden = true; });
  }
  var copy = document.querySelector("[data-copy]");
  var address = document.getElementById("feed-url");
  if (copy && address && address.value) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      var done = document.querySelector("[data-copied]");
      function said() { if (done) { done.textContent = done.getAttribute("data-text"); } }
      address.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(address.value).then(said, function () {
          if (document.execCommand("copy")) { said(); }
        });
      } else if (document.execCommand("copy")) { said(); }
    });
  }
})();
