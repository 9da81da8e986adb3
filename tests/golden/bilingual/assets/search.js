/* coursesite search: the header's search box, over the Pagefind index the build wrote to
   pagefind/. The box shows only where it can work (JavaScript, the site served over http(s));
   elsewhere the page keeps its plain sentence. The index loads on first use, not with the page.
   Labels come from the page (data-label-*, written from coursesite/text.py). No dependencies. */
(function () {
  "use strict";
  var box = document.querySelector("[data-search]");
  if (!box || !/^https?:$/.test(location.protocol)) { return; }  // file://: the sentence stays
  var form = box.querySelector("[data-search-form]");
  var input = form.querySelector("input");
  var note = box.querySelector("[data-search-note]");
  var status = box.querySelector("[data-search-status]");
  var list = box.querySelector("[data-search-results]");
  var bundle = new URL(box.getAttribute("data-bundle"), location.href);
  var engine = null;   // the promise of Pagefind's module, once asked for
  var asked = 0;       // the number of the newest query, so a slow older answer is dropped
  var timer = null;

  form.hidden = false;
  note.hidden = true;

  function label(name, n, q) {
    return (box.getAttribute("data-label-" + name) || "").replace("{n}", n).replace("{q}", q);
  }

  /* Pagefind's module, loaded once; a relative bundle, so the site works under any sub-path. */
  function load() {
    if (!engine) {
      engine = import(bundle.href + "pagefind.js").then(function (pf) {
        return pf.options({ basePath: bundle.pathname, baseUrl: new URL("../", bundle).pathname,
                            excerptLength: 24 }).then(function () { return pf; });
      });
    }
    return engine;
  }

  /* Pagefind's excerpt as nodes: its text, and <mark> around the words found; nothing else
     of it is taken as HTML. */
  function excerpt(html) {
    var p = document.createElement("p");
    p.className = "search-excerpt";
    var doc = new DOMParser().parseFromString("<body>" + html, "text/html");
    doc.body.childNodes.forEach(function (node) {
      if (node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        p.appendChild(mark);
      } else {
        p.appendChild(document.createTextNode(node.textContent));
      }
    });
    return p;
  }

  function link(url, text) {
    var a = document.createElement("a");
    a.href = url;
    a.textContent = text;
    return a;
  }

  /* One hit: the page's title, its offering and term, and the sections that matched. */
  function hit(data) {
    var li = document.createElement("li");
    var title = document.createElement("p");
    title.className = "search-title";
    title.appendChild(link(data.url, data.meta.title || data.url));
    li.appendChild(title);
    var where = document.createElement("p");
    where.className = "search-where";
    where.textContent = [data.meta.offering, data.meta.term].filter(Boolean).join(" · ");
    li.appendChild(where);
    var subs = (data.sub_results || []).filter(function (s) { return s.url !== data.url; });
    if (!subs.length) {
      li.appendChild(excerpt(data.excerpt));
      return li;
    }
    var ul = document.createElement("ul");
    subs.slice(0, 3).forEach(function (s) {
      var item = document.createElement("li");
      item.appendChild(link(s.url, s.title));
      item.appendChild(excerpt(s.excerpt));
      ul.appendChild(item);
    });
    li.appendChild(ul);
    return li;
  }

  function show(q, hits) {
    list.replaceChildren.apply(list, hits.map(hit));
    list.hidden = !hits.length;
    status.textContent = label(hits.length === 0 ? "none" : hits.length === 1 ? "one" : "many",
                               hits.length, q);
  }

  function run() {
    var q = input.value.trim();
    var mine = ++asked;
    if (!q) {
      list.replaceChildren();
      list.hidden = true;
      status.textContent = "";
      return;
    }
    status.textContent = label("searching", 0, q);
    load().then(function (pf) { return pf.search(q); }).then(function (found) {
      return Promise.all(found.results.slice(0, 10).map(function (r) { return r.data(); }));
    }).then(function (hits) {
      if (mine === asked) { show(q, hits); }
    }, function () {
      engine = null;  // no index here (the live preview, a partial upload): say so
      if (mine === asked) { status.textContent = label("no-index", 0, q); }
    });
  }

  input.addEventListener("focus", function () { load().catch(function () { engine = null; }); },
                         { once: true });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 150);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); clearTimeout(timer); run(); }
    if (e.key === "Escape" && input.value) { input.value = ""; run(); }
  });
  form.querySelector("button").addEventListener("click", function () {
    clearTimeout(timer);
    run();
  });
}());
