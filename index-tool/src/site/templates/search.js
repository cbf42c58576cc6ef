// plugres site search: filters window.PLUGRES_CATALOG (catalog.js) as you
// type. Builds the list with DOM calls and textContent only, never HTML
// strings: a publisher's text is never parsed as markup here.
(function () {
  "use strict";
  var all = window.PLUGRES_CATALOG || [];
  var q = document.getElementById("q");
  var category = document.getElementById("category");
  var keyword = document.getElementById("keyword");
  var engine = document.getElementById("engine");
  var sort = document.getElementById("sort");
  var results = document.getElementById("results");
  var count = document.getElementById("count");

  function parseVersion(text) {
    var m = /^\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(text);
    return m ? [Number(m[1]), Number(m[2] || 0), Number(m[3] || 0)] : null;
  }
  function cmp(a, b) {
    for (var i = 0; i < 3; i++) { if (a[i] !== b[i]) { return a[i] - b[i]; } }
    return 0;
  }
  function runsOn(plugin, v) {
    return plugin.versions.some(function (ver) {
      return !ver.yanked && ver.engine_ranges.some(function (r) {
        return cmp(v, r[0]) >= 0 && (r[1] === null || cmp(v, r[1]) < 0);
      });
    });
  }
  function matches(plugin, words) {
    var text = [plugin.name, plugin.description].concat(plugin.keywords).join(" ").toLowerCase();
    return words.every(function (w) { return text.indexOf(w) >= 0; });
  }
  function item(plugin) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = "plugins/" + encodeURIComponent(plugin.name) + ".html";
    a.textContent = plugin.name;
    li.appendChild(a);
    if (plugin.latest) {
      var v = document.createElement("span");
      v.className = "version";
      v.textContent = " " + plugin.latest;
      li.appendChild(v);
    }
    if (plugin.deprecated) {
      var d = document.createElement("span");
      d.className = "badge";
      d.textContent = "deprecated";
      li.appendChild(document.createTextNode(" "));
      li.appendChild(d);
    }
    li.appendChild(document.createElement("br"));
    li.appendChild(document.createTextNode(plugin.description));
    return li;
  }
  function update() {
    var words = q.value.toLowerCase().split(/\s+/).filter(Boolean);
    var cat = category.value;
    var kw = keyword.value;
    var want = parseVersion(engine.value);
    engine.setAttribute("aria-invalid", engine.value && !want ? "true" : "false");
    var shown = all.filter(function (p) {
      return matches(p, words) && (!cat || p.categories.indexOf(cat) >= 0) &&
        (!kw || p.keywords.indexOf(kw) >= 0) && (!want || runsOn(p, want));
    });
    if (sort.value === "updated") {
      shown.sort(function (a, b) { return a.updated < b.updated ? 1 : a.updated > b.updated ? -1 : 0; });
    }
    results.replaceChildren.apply(results, shown.map(item));
    count.textContent = shown.length + (shown.length === 1 ? " plugin" : " plugins");
  }
  // A search can be linked to: `index.html?q=theme&engine=1.4.2`.
  var params = new URLSearchParams(window.location.search);
  [q, category, keyword, engine, sort].forEach(function (el) {
    if (params.has(el.name)) { el.value = params.get(el.name); }
    el.addEventListener("input", update);
  });
  update();
})();
