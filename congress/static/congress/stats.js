/*
 * Charts of the congress statistics page. The numbers come from the json_script element
 * (data, never executed); the lists beside each chart show the same numbers, so nothing is lost
 * without this file. Loaded with the page's CSP nonce like the roster charts.
 */
(function () {
  "use strict";
  var source = document.getElementById("congress-stats-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var Chart = window.Chart;
  var COLORS = ["#b3261e", "#e57373", "#f6a04d", "#ffd54f", "#81c784", "#4db6ac", "#64b5f6", "#9575cd"];
  Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 11;
  var options = { responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } } };

  function draw(id, type, labels, datasets, extra) {
    var element = document.getElementById(id);
    if (!element || !labels.length) {
      if (element) { element.parentNode.hidden = true; }
      return;
    }
    new Chart(element, { type: type, data: { labels: labels, datasets: datasets }, options: Object.assign({}, options, extra || {}) });
  }

  draw("congress-chart-category", "doughnut", data.category.labels,
    [{ data: data.category.values, backgroundColor: COLORS }],
    { plugins: { legend: { display: true, position: "bottom", labels: { boxWidth: 10 } } } });
  draw("congress-chart-department", "bar", data.department.labels, [
    { label: data.labels.motions, data: data.department.values, backgroundColor: "#b3261e" },
    { label: data.labels.replied, data: data.department.replied, backgroundColor: "#81c784" }
  ], { indexAxis: "y", plugins: { legend: { display: true, position: "bottom", labels: { boxWidth: 10 } } }, scales: { x: { ticks: { precision: 0 } } } });
  var total = data.satisfaction.values.reduce(function (a, b) { return a + b; }, 0);
  if (total) {
    draw("congress-chart-satisfaction", "pie", data.satisfaction.labels,
      [{ data: data.satisfaction.values, backgroundColor: ["#4caf50", "#ffd54f", "#b3261e"] }],
      { plugins: { legend: { display: true, position: "bottom", labels: { boxWidth: 10 } } } });
  } else {
    document.getElementById("congress-chart-satisfaction").parentNode.hidden = true;
  }
})();
