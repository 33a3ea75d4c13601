/* Charts of the service-index dashboards, drawn with the vendored Chart.js from the JSON the page embeds
   (<script type="application/json" id="index-data">). Every chart has a table or text equivalent on the page,
   so without JavaScript (or with a screen reader) nothing is lost. */
(function () {
  "use strict";

  var INK = "#1b1f24", BRAND = "#a4161a", OK = "#1f7a3d", LINK = "#0b57a4", GRID = "#d7dde3";

  function read(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function base(locale, extra) {
    var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var options = {
      responsive: true, maintainAspectRatio: false, locale: locale,
      animation: reduce ? false : { duration: 250 },
      plugins: { legend: { labels: { color: INK } } },
      scales: { x: { grid: { color: GRID }, ticks: { color: INK } }, y: { grid: { color: GRID }, ticks: { color: INK } } }
    };
    return Object.assign(options, extra || {});
  }

  function histogram(data, texts, locale) {
    return {
      type: "bar",
      data: { labels: data.labels, datasets: [{ label: texts.communes, data: data.counts, backgroundColor: LINK }] },
      options: base(locale, { plugins: { legend: { display: false } } })
    };
  }

  function ranking(data, texts, locale) {
    var min = Math.min.apply(null, data.values.length ? data.values : [0]);
    var options = base(locale, { plugins: { legend: { display: false } } });
    options.scales.x.ticks.display = false;
    options.scales.x.grid.display = false;
    options.scales.y.suggestedMin = Math.max(0, Math.floor(min / 5) * 5 - 5);
    options.scales.y.suggestedMax = 100;
    return {
      type: "bar",
      data: { labels: data.labels, datasets: [{ label: texts.ranking, data: data.values, backgroundColor: BRAND,
                                                barPercentage: 1, categoryPercentage: 0.9 }] },
      options: options
    };
  }

  function trend(data, texts, locale) {
    var options = base(locale);
    options.scales.y.suggestedMax = 100;
    return {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          { label: texts.on_time, data: data.on_time, borderColor: OK, backgroundColor: OK, spanGaps: true, tension: 0.2 },
          { label: texts.percent, data: data.percent, borderColor: BRAND, backgroundColor: BRAND, spanGaps: true,
            borderDash: [6, 4], tension: 0.2 }
        ]
      },
      options: options
    };
  }

  var BUILDERS = { histogram: histogram, ranking: ranking, trend: trend };

  function draw() {
    if (typeof window.Chart === "undefined") { return; }
    var canvases = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i++) {
      var canvas = canvases[i];
      var source = read(canvas.getAttribute("data-source"));
      var kind = canvas.getAttribute("data-chart");
      if (!source || !source.charts || !source.charts[kind] || !BUILDERS[kind]) { continue; }
      var chart = new window.Chart(canvas, BUILDERS[kind](source.charts[kind], source.texts || {}, source.locale));
      canvas.setAttribute("data-drawn", chart ? "true" : "false");
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
