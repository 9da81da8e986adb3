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

  var now = localNow();
  if (!now) { return; }
  var today = now.slice(0, 10);

  /* The current week on the schedule page. */
  document.querySelectorAll("section.week[data-start]").forEach(function (week) {
    if (week.dataset.start <= today && today < week.dataset.end) {
      week.classList.add("current");
      week.setAttribute("aria-current", "date");
      var badge = week.querySelector(".current-badge");
      if (badge) { badge.hidden = false; }
    }
  });

  /* The next lecture: the first one, not cancelled, that has not ended yet. */
  var next = null;
  document.querySelectorAll("[data-start][data-end]").forEach(function (el) {
    if (el.matches("section.week")) { return; }
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
    var box = document.querySelector("[data-next-box]");
    if (box && next.dataset.title) {
      box.querySelector("[data-next-lecture]").textContent =
        "Next lecture: " + next.dataset.title + " (" + next.dataset.when + ")";
      box.hidden = false;
    }
  }

  /* Subscription links need the feed's absolute address; derive it from this page's. */
  if (location.protocol === "http:" || location.protocol === "https:") {
    var input = document.querySelector("[data-absolute]");
    if (input) {
      var https = new URL(input.getAttribute("data-absolute"), location.href).href;
      var webcal = "webcal://" + https.replace(/^https?:\/\//, "");
      input.value = https;
      var w = document.querySelector("[data-webcal]");
      var g = document.querySelector("[data-google]");
      if (w) { w.href = webcal; }
      if (g) { g.href = "https://calendar.google.com/calendar/r?cid=" + encodeURIComponent(webcal); }
      document.querySelectorAll("[data-needs-http]").forEach(function (li) { li.hidden = false; });
    }
  }
})();
