"""The live preview's browser side: the reload client and how served pages get it.

The client listens on the event stream (serve.py): a page change reloads (keeping the scroll
position), a stylesheet change swaps the stylesheets, problems and warnings show in an overlay.
"""
from __future__ import annotations

CLIENT_PATH = "/__coursesite/client.js"


CLIENT_JS = r"""(function () {
  "use strict";
  var key = "coursesite-scroll:" + location.pathname;
  var saved = sessionStorage.getItem(key);
  // Our reloads restore the position themselves; the browser's own restoration (with scroll
  // anchoring) would move it again once late layout settles.
  if ("scrollRestoration" in history) { history.scrollRestoration = "manual"; }
  if (saved !== null) {
    sessionStorage.removeItem(key);
    window.scrollTo(0, +saved);
    window.addEventListener("load", function () { window.scrollTo(0, +saved); });
  }
  function overlay(state) {
    var box = document.getElementById("coursesite-problems");
    var text = state.problems || state.warnings;
    if (!text) { if (box) { box.remove(); } return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "coursesite-problems";
      document.body.appendChild(box);
    }
    var failed = !!state.problems;
    box.setAttribute("role", failed ? "alert" : "status");
    box.dataset.kind = failed ? "problems" : "warnings";
    box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;" +
      "z-index:2147483647;font:14px/1.5 ui-monospace,monospace;padding:1rem 1.25rem;" +
      "white-space:pre-wrap;" + (failed
        ? "background:#2b0b0e;color:#ffe3e3;border-top:4px solid #ff6b6b"
        : "background:#2b2205;color:#fff3c4;border-top:4px solid #f5c211");
    box.textContent = (failed ? "Build failed; showing the last good version.\n\n"
      : "Built with warnings (fatal under --strict, as in CI):\n\n") + text;
  }
  var since = document.currentScript && document.currentScript.dataset.generation;
  var source = new EventSource("/__coursesite/events" + (since ? "?since=" + since : ""));
  source.addEventListener("reload", function () {
    sessionStorage.setItem(key, String(window.scrollY));
    location.reload();
  });
  source.addEventListener("css", function () {
    var stamp = Date.now();
    document.querySelectorAll('link[rel="stylesheet"]').forEach(function (link) {
      var url = new URL(link.href); url.searchParams.set("coursesite", stamp); link.href = url.href;
    });
    overlay(JSON.parse(e.data));
  });
  source.addEventListener("problems", function (e) { overlay(JSON.parse(e.data)); });
  source.addEventListener("hello", function (e) { overlay(JSON.parse(e.data)); });
})();
"""


def inject_client(html: bytes, generation: int = 0) -> bytes:
    """The page with the reload client added before </body> (served pages only); the client
    tells the event stream which build the page came from."""
    tag = f'<script src="{CLIENT_PATH}" data-generation="{generation}"></script>\n'.encode()
    at = html.rfind(b"</body>")
    return html[:at] + tag + html[at:] if at != -1 else html + tag
