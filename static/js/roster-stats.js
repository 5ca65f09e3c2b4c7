/*
 * Charts of the roster statistics (会员花名册 → 会员统计).
 *
 * The numbers come from <script type="application/json" id="roster-stats-data"> (Django's
 * json_script: data, never executed); the lists beside each chart already show them, so without
 * this file (or without Chart.js) nothing is lost. Loaded with the page's CSP nonce; Chart.js sets
 * sizes through element.style (CSSOM), which the policy allows, and injects no <style> element.
 */
(function () {
  "use strict";

  var source = document.getElementById("roster-stats-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  if (!data.total) {
    return;
  }

  var Chart = window.Chart;
  var RED = "#b3261e";
  var MAX_UNIT_BARS = 10;
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 11;
  Chart.defaults.color = "#495057";
  Chart.defaults.animation = reduceMotion ? false : { duration: 400 };

  function percent(value) {
    return ((100 * value) / data.total).toFixed(1) + "%";
  }

  function tooltipLabel(context) {
    var value = context.raw;
    return " " + value.toLocaleString() + " " + data.people + "（" + percent(value) + "）";
  }

  function canvas(name, height) {
    var element = document.getElementById("roster-chart-" + name);
    if (!element) {
      return null;
    }
    var box = element.parentNode;
    box.hidden = false;
    box.style.height = height + "px";
    return element;
  }

  // The largest units first; past MAX_UNIT_BARS the rest share one "其他" bar.
  function topUnits(series) {
    var rows = series.labels.map(function (label, i) {
      return { label: label, value: series.values[i] };
    });
    if (rows.length > MAX_UNIT_BARS) {
      rows.sort(function (a, b) { return b.value - a.value; });
      var rest = rows.splice(MAX_UNIT_BARS - 1);
      rows.push({
        label: data.other,
        value: rest.reduce(function (sum, row) { return sum + row.value; }, 0),
      });
    }
    return rows;
  }

  function shorten(label) {
    return label.length > 9 ? label.slice(0, 8) + "…" : label;
  }

  var units = topUnits(data.units);
  var unitsCanvas = canvas("units", units.length * 24 + 36);
  if (unitsCanvas) {
    new Chart(unitsCanvas, {
      type: "bar",
      data: {
        labels: units.map(function (row) { return row.label; }),
        datasets: [{ data: units.map(function (row) { return row.value; }), backgroundColor: RED, borderRadius: 3, maxBarThickness: 16 }],
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: tooltipLabel } } },
        scales: {
          x: { beginAtZero: true, ticks: { precision: 0, maxTicksLimit: 5 }, grid: { color: "#eef0f3" } },
          y: {
            grid: { display: false },
            ticks: { callback: function (value) { return shorten(this.getLabelForValue(value)); } },
          },
        },
      },
    });
  }

  var ageCanvas = canvas("age", 150);
  if (ageCanvas) {
    new Chart(ageCanvas, {
      type: "bar",
      data: {
        labels: data.age.labels,
        datasets: [{ data: data.age.values, backgroundColor: ["#e57373", RED, "#8c1d18", "#5c1410"], borderRadius: 3 }],
      },
      options: {
        maintainAspectRatio: false,
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: tooltipLabel } } },
        scales: {
          x: { grid: { display: false } },
          y: { beginAtZero: true, ticks: { precision: 0, maxTicksLimit: 4 }, grid: { color: "#eef0f3" } },
        },
      },
    });
  }

  function doughnut(name, series, colors) {
    var element = canvas(name, 96);
    if (!element) {
      return;
    }
    legend(name, colors);
    new Chart(element, {
      type: "doughnut",
      data: { labels: series.labels, datasets: [{ data: series.values, backgroundColor: colors, borderWidth: 1 }] },
      options: {
        maintainAspectRatio: false,
        cutout: "60%",
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: tooltipLabel } },
        },
      },
    });
  }

  // The list beside a doughnut is its legend: give each row the colour of its slice.
  function legend(name, colors) {
    var section = document.getElementById("roster-chart-" + name).closest("section");
    section.querySelectorAll("[data-legend]").forEach(function (th, i) {
      var swatch = document.createElement("span");
      swatch.className = "d-inline-block rounded-circle me-1";
      swatch.style.width = swatch.style.height = ".6rem";
      swatch.style.backgroundColor = colors[i];
      th.prepend(swatch);
    });
  }

  doughnut("gender", data.gender, ["#3d6fb6", RED, "#adb5bd"]);
  doughnut("frontline", data.frontline, [RED, "#dee2e6"]);
})();
