/* gradbook's page behaviour, plain JS and nothing leaves the page: the theme toggle
   (remembered), the sidebar toggle (remembered on wide screens, a drawer on phones), keyboard
   shortcuts (← → chapters, / or s search, Esc closes), back to top, explorable figures' radio
   buttons, and search.
   Search reads search-index.js, loaded on first use as a <script> (not fetch) so that it also
   works from file://. Chinese has no spaces between words, so a query matches by substring;
   a longer Chinese query that is not found whole falls back to its character bigrams. */
(function () {
  "use strict";
  var doc = document.documentElement;
  var root = document.body.getAttribute("data-root") || "";
  var narrow = matchMedia("(max-width: 800px)");

  function store(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* private mode */ } }
  function stored(key) { try { return localStorage.getItem(key); } catch (e) { return null; } }

  /* Theme: the head script already applied the stored or system choice. */
  var themeButton = document.querySelector(".theme-toggle");
  function showTheme() {
    if (themeButton) themeButton.setAttribute("aria-pressed", doc.getAttribute("data-theme") === "dark" ? "true" : "false");
  }
  if (themeButton) themeButton.addEventListener("click", function () {
    var next = doc.getAttribute("data-theme") === "dark" ? "light" : "dark";
    doc.setAttribute("data-theme", next);
    store("gradbook-theme", next);
    showTheme();
  });
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function (e) {
    // A book that sets a default theme keeps it; otherwise the page follows the system.
    if (!stored("gradbook-theme") && !document.body.hasAttribute("data-default-theme")) { doc.setAttribute("data-theme", e.matches ? "dark" : "light"); showTheme(); }
  });
  showTheme();

  /* Sidebar: open by default on wide screens, closed (a drawer) on narrow ones. */
  var sidebar = document.getElementById("sidebar");
  var sidebarButton = document.querySelector(".sidebar-toggle");
  function setSidebar(open, remember) {
    doc.setAttribute("data-sidebar", open ? "open" : "closed");
    if (sidebarButton) sidebarButton.setAttribute("aria-expanded", open ? "true" : "false");
    if (remember && !narrow.matches) store("gradbook-sidebar", open ? "open" : "closed");
  }
  function defaultSidebar() { setSidebar(!narrow.matches && stored("gradbook-sidebar") !== "closed", false); }
  defaultSidebar();
  narrow.addEventListener("change", defaultSidebar);
  if (sidebarButton) sidebarButton.addEventListener("click", function (e) {
    e.stopPropagation();
    setSidebar(doc.getAttribute("data-sidebar") !== "open", true);
  });
  document.addEventListener("click", function (e) {
    if (narrow.matches && doc.getAttribute("data-sidebar") === "open" && !e.target.closest(".sidebar")) setSidebar(false, false);
    if (!e.target.closest(".search")) closeSearch();
  });
  var current = document.querySelector(".toc-item.current");
  if (sidebar && current) sidebar.scrollTop = Math.max(0, current.offsetTop - 80);

  /* Explorable figures: each radio button shows its variant's figure and hides the others;
     a link to a variant's anchor chooses it. */
  var pickers = document.querySelectorAll(".variant-picker");
  function showVariant(picker, value) {
    var figure = picker.closest("figure");
    picker.querySelectorAll("input").forEach(function (input) { input.checked = input.value === value; });
    figure.querySelectorAll(".variant").forEach(function (v) { v.classList.toggle("shown", v.getAttribute("data-variant") === value); });
  }
  pickers.forEach(function (picker) {
    picker.addEventListener("change", function (e) { showVariant(picker, e.target.value); });
  });
  function showTarget() {
    var target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    var figure = target && target.classList.contains("variant") && target.closest("figure");
    if (figure) showVariant(figure.querySelector(".variant-picker"), target.getAttribute("data-variant"));
  }
  window.addEventListener("hashchange", showTarget);
  showTarget();

  /* Back to top appears once the reader has scrolled. */
  function onScroll() { doc.classList.toggle("scrolled", window.scrollY > 400); }
  window.addEventListener("scroll", onScroll, { passive: true });
  onScroll();

  /* Keyboard. */
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    var typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
    if (e.key === "Escape") {
      closeSearch();
      if (narrow.matches) setSidebar(false, false);
      return;
    }
    if (typing) return;
    if ((e.key === "/" || e.key === "s" || e.key === "S") && searchInput) {
      e.preventDefault();
      searchInput.focus();
    } else if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
      var link = document.querySelector(e.key === "ArrowLeft" ? "a[rel=prev]" : "a[rel=next]");
      if (link) { e.preventDefault(); location.href = link.href; }
    }
  });

  /* Search. */
  var searchInput = document.getElementById("search-input");
  var resultsBox = document.getElementById("search-results");
  var index = null, loading = false, timer = null;

  function loadIndex(then) {
    if (index) { then(); return; }
    if (loading) return;
    loading = true;
    var script = document.createElement("script");
    script.src = root + "search-index.js";
    script.onload = function () { index = window.GRADBOOK_SEARCH || { chapters: [], docs: [] }; then(); };
    script.onerror = function () { showStatus({{ js.index_failed | safe }}); };
    document.head.appendChild(script);
  }

  function escapeHtml(s) {
    return s.replace(/[&<>"']/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c]; });
  }
  var cjk = /[\u3400-\u9fff\uf900-\ufaff]/;
  function bigrams(term) {
    var out = [];
    for (var i = 0; i + 2 <= term.length; i++) out.push(term.slice(i, i + 2));
    return out;
  }
  function count(haystack, needle) {
    var n = 0, at = haystack.indexOf(needle);
    while (at >= 0 && n < 5) { n++; at = haystack.indexOf(needle, at + needle.length); }
    return n;
  }

  /* Every term must match; a heading match counts most. Returns ranked {doc, marks}. */
  function search(query) {
    var terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (!terms.length) return [];
    var found = [];
    index.docs.forEach(function (d, order) {
      var heading = (d.s || index.chapters[d.c]).toLowerCase();
      var body = d.t.toLowerCase();
      var score = 0, marks = [];
      for (var i = 0; i < terms.length; i++) {
        var term = terms[i];
        if (heading.indexOf(term) >= 0 || body.indexOf(term) >= 0) {
          score += (heading.indexOf(term) >= 0 ? 10 : 0) + 2 * count(body, term);
          marks.push(term);
        } else if (cjk.test(term) && term.length > 2 && bigrams(term).every(function (g) { return heading.indexOf(g) >= 0 || body.indexOf(g) >= 0; })) {
          score += 1;
          marks = marks.concat(bigrams(term));
        } else {
          return;
        }
      }
      found.push({ doc: d, score: score, order: order, marks: marks });
    });
    found.sort(function (a, b) { return b.score - a.score || a.order - b.order; });
    return found.slice(0, 20);
  }

  /* Escape `text`, wrapping every occurrence of a mark (longest first) in <mark>. */
  function highlight(text, marks) {
    marks = marks.slice().sort(function (a, b) { return b.length - a.length; });
    var lower = text.toLowerCase(), out = "", i = 0;
    while (i < text.length) {
      var m = null;
      for (var k = 0; k < marks.length; k++) if (lower.startsWith(marks[k], i)) { m = marks[k]; break; }
      if (m) { out += "<mark>" + escapeHtml(text.substr(i, m.length)) + "</mark>"; i += m.length; }
      else { out += escapeHtml(text[i]); i++; }
    }
    return out;
  }

  function snippet(text, marks) {
    var lower = text.toLowerCase(), at = -1;
    marks.forEach(function (m) { var p = lower.indexOf(m); if (p >= 0 && (at < 0 || p < at)) at = p; });
    var start = Math.max(0, at - 30), end = Math.min(text.length, Math.max(at, 0) + 90);
    return (start > 0 ? "…" : "") + highlight(text.slice(start, end), marks) + (end < text.length ? "…" : "");
  }

  function showStatus(message) {
    resultsBox.innerHTML = "<p class=\"search-status\">" + escapeHtml(message) + "</p>";
    resultsBox.hidden = false;
  }

  function runSearch() {
    var query = searchInput.value.trim();
    if (!query) { closeSearch(); return; }
    loadIndex(function () {
      if (searchInput.value.trim() !== query) return;
      var found = search(query);
      if (!found.length) { showStatus({{ js.no_results | safe }}); return; }
      var html = {{ js.found_status_html | safe }};
      found.forEach(function (r) {
        var d = r.doc, chapter = index.chapters[d.c];
        html += "<li><a href=\"" + escapeHtml(root + d.u) + "\"><span class=\"result-title\">" +
          highlight(d.s || chapter, r.marks) + "</span> <span class=\"result-chapter\">" +
          (d.s ? escapeHtml(chapter) : "") + "</span><span class=\"result-snippet\">" + snippet(d.t, r.marks) + "</span></a></li>";
      });
      resultsBox.innerHTML = html + "</ol>";
      resultsBox.hidden = false;
    });
  }

  function closeSearch() { if (resultsBox) resultsBox.hidden = true; }

  if (searchInput) {
    searchInput.addEventListener("focus", function () { loadIndex(function () {}); });
    searchInput.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(runSearch, 80); });
    searchInput.addEventListener("keydown", function (e) {
      var first = resultsBox.querySelector("a");
      if (e.key === "Enter" && first) { e.preventDefault(); first.click(); }
      if (e.key === "ArrowDown" && first) { e.preventDefault(); first.focus(); }
    });
    resultsBox.addEventListener("keydown", function (e) {
      var links = Array.prototype.slice.call(resultsBox.querySelectorAll("a"));
      var at = links.indexOf(document.activeElement);
      if (e.key === "ArrowDown" && at + 1 < links.length) { e.preventDefault(); links[at + 1].focus(); }
      if (e.key === "ArrowUp") { e.preventDefault(); (at > 0 ? links[at - 1] : searchInput).focus(); }
    });
    resultsBox.addEventListener("click", function (e) { if (e.target.closest("a")) closeSearch(); });
  }
})();
