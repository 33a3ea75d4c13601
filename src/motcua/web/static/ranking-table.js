// The province's ranking table, sorted and searched without reloading the page. Progressive enhancement: without
// JavaScript each column header is a link (?sort=…&dir=…) and the search box a form (?q=…) that the server answers
// with the same order and the same rows. Each row carries its sort values (data-k-<column>, empty when the cell is
// empty), its place in the ranking (data-order: ties keep it) and the commune's name folded (data-k-name: no
// diacritics, lower case), so the page sorts and searches exactly as the server does.
(function () {
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "d")
      .toLowerCase().replace(/\s+/g, " ").trim();
  }

  function value(row, key) {
    var v = row.getAttribute("data-k-" + key);
    return v === null || v === "" ? null : v;
  }

  function compare(key, a, b) {
    if (key === "name") { return a < b ? -1 : (a > b ? 1 : 0); }
    return parseFloat(a) - parseFloat(b);
  }

  window.addEventListener("DOMContentLoaded", function () {
    var table = document.querySelector("table[data-sortable]");
    if (!table) { return; }
    var body = table.tBodies[0];
    var empty = document.getElementById("ranking-empty");
    var search = document.getElementById(table.getAttribute("data-search"));
    var count = document.getElementById(table.getAttribute("data-count"));
    var form = search ? search.form : null;
    var rows = Array.prototype.slice.call(body.querySelectorAll("tr[data-commune]"));
    var links = Array.prototype.slice.call(table.querySelectorAll("thead a[data-sort]"));
    var state = { key: null, desc: false };
    links.forEach(function (link) {
      var th = link.parentNode;
      if (th.hasAttribute("aria-sort")) {
        state = { key: link.getAttribute("data-sort"), desc: th.getAttribute("aria-sort") === "descending" };
      }
    });

    function order(row) { return parseInt(row.getAttribute("data-order"), 10); }

    function place() {
      var key = state.key, desc = state.desc;
      var present = rows.filter(function (r) { return value(r, key) !== null; });
      var absent = rows.filter(function (r) { return value(r, key) === null; });
      present.sort(function (a, b) {
        var c = compare(key, value(a, key), value(b, key));
        return (desc ? -c : c) || order(a) - order(b);
      });
      absent.sort(function (a, b) { return order(a) - order(b); });
      present.concat(absent).forEach(function (r) { body.insertBefore(r, empty); });
      links.forEach(function (link) {
        var th = link.parentNode, k = link.getAttribute("data-sort");
        var natural = link.getAttribute("data-natural") === "desc";
        if (k === key) { th.setAttribute("aria-sort", desc ? "descending" : "ascending"); }
        else { th.removeAttribute("aria-sort"); }
        var next = (k === key && desc === natural) ? !natural : natural;
        var url = new URL(link.href, window.location.href);
        url.searchParams.set("dir", next ? "desc" : "asc");
        link.href = url.pathname + url.search;
      });
      if (form) {
        form.elements.sort.value = key;
        form.elements.dir.value = desc ? "desc" : "asc";
      }
    }

    function filter() {
      var words = search ? fold(search.value).split(" ").filter(Boolean) : [];
      var shown = 0;
      rows.forEach(function (r) {
        var name = r.getAttribute("data-k-name") || "";
        var match = words.every(function (w) { return name.indexOf(w) !== -1; });
        r.hidden = !match;
        if (match) { shown += 1; }
      });
      if (empty) { empty.hidden = shown > 0; }
      if (count) {
        count.textContent = count.getAttribute("data-template").replace("{shown}", String(shown))
          .replace("{total}", count.getAttribute("data-total"));
      }
    }

    function remember() {
      var url = new URL(window.location.href);
      url.searchParams.set("sort", state.key);
      url.searchParams.set("dir", state.desc ? "desc" : "asc");
      var q = search ? search.value.trim() : "";
      if (q) { url.searchParams.set("q", q); } else { url.searchParams.delete("q"); }
      links.forEach(function (link) {
        var target = new URL(link.href, window.location.href);
        if (q) { target.searchParams.set("q", q); } else { target.searchParams.delete("q"); }
        link.href = target.pathname + target.search;
      });
      window.history.replaceState(null, "", url.pathname + url.search);
    }

    links.forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
        event.preventDefault();
        var key = link.getAttribute("data-sort");
        var natural = link.getAttribute("data-natural") === "desc";
        state = { key: key, desc: key === state.key && state.desc === natural ? !natural : natural };
        place();
        remember();
      });
    });
    if (search) {
      search.addEventListener("input", function () { filter(); remember(); });
      if (form) {
        form.addEventListener("submit", function (event) { event.preventDefault(); filter(); remember(); });
      }
    }
  });
})();
