// Draws each <canvas data-chart="ID"> from the JSON in <script id="ID">
// ({"weeks": [...], "series": {name: [numbers]}}) as a stacked bar chart, in the
// colours of the state badges (static/css/portal.css) and the page's type.
"use strict";
(function () {
  const COLOURS = {
    "Succeeded": "#1a7f37",
    "Failed or needs review": "#b42318",
    "Resolved or canceled": "#8a94a3",
    "On its way": "#1d4ed8",
  };
  const SPARE = ["#0b6e7f", "#4c4fd6", "#9a4d00"];
  const INK = "#3d5066";
  const GRID = "rgba(16, 35, 63, .08)";

  function weekLabel(isoDate) {
    // "2026-11-30" -> "30 Nov": short enough for twelve weeks on a phone.
    const date = new Date(isoDate + "T00:00:00Z");
    return date.toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") return;
    const data = JSON.parse(source.textContent);
    const total = Object.values(data.series).reduce(function (sum, values) {
      return sum + values.reduce(function (a, b) { return a + b; }, 0);
    }, 0);
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = INK;
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.weeks.map(weekLabel),
        datasets: Object.entries(data.series).map(function ([name, values], index) {
          const colour = COLOURS[name] || SPARE[index % SPARE.length];
          return {
            label: name, data: values, backgroundColor: colour, borderRadius: 3,
            borderSkipped: false, maxBarThickness: 28,
          };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: true, grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true } },
          y: {
            stacked: true, beginAtZero: true, grid: { color: GRID }, border: { display: false },
            // An empty chart still shows a scale of whole uploads, not 0 to 1 in tenths.
            suggestedMax: total ? undefined : 4, ticks: { precision: 0 },
          },
        },
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true, pointStyle: "rectRounded", boxWidth: 10 } },
          tooltip: {
            callbacks: {
              title: function (items) { return items.length ? "Week of " + data.weeks[items[0].dataIndex] : ""; },
            },
          },
        },
      },
    });
    canvas.dataset.drawn = "true";
  });
})();
