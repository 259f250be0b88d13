// Draws <canvas data-trend="ID"> from the JSON in <script id="ID">: a list of
// {date: "YYYY-MM-DD", status: "On Track", value: number|null}, oldest first.
// The value is a line on the left axis; the status a stepped line on the right,
// its points coloured by status.
"use strict";
(function () {
  // Bottom to top: from given up to done.
  const STATUSES = ["Canceled", "Not Achieved", "Not Started", "Off Track",
                    "At Risk", "On Track", "Achieved"];
  const COLOURS = {
    "Not Started": "#868e96", "On Track": "#2fb344", "At Risk": "#f59f00",
    "Off Track": "#d63939", "Achieved": "#206bc4", "Not Achieved": "#ae3ec9",
    "Canceled": "#495057",
  };
  const DAY = 24 * 60 * 60 * 1000;

  function time(isoDate) {
    return Date.parse(isoDate + "T00:00:00Z");
  }
  function day(milliseconds) {
    return new Date(milliseconds).toISOString().slice(0, 10);
  }

  document.querySelectorAll("canvas[data-trend]").forEach(function (canvas) {
    const source = document.getElementById(canvas.dataset.trend);
    if (!source || typeof Chart === "undefined") return;
    const points = JSON.parse(source.textContent);
    const withValue = points.filter(function (point) { return point.value !== null; });
    const values = withValue.map(function (point) { return point.value; });
    const valuesAreFractions = values.length > 0 &&
      values.every(function (value) { return value >= 0 && value <= 1; });
    const datasets = [];
    if (withValue.length) {
      datasets.push({
        label: "Current Value",
        yAxisID: "value",
        data: withValue.map(function (point) { return { x: time(point.date), y: point.value }; }),
        borderColor: "#206bc4",
        backgroundColor: "#206bc4",
        tension: 0,
      });
    }
    datasets.push({
      label: "Status",
      yAxisID: "status",
      stepped: true,
      data: points.map(function (point) {
        return { x: time(point.date), y: STATUSES.indexOf(point.status) };
      }),
      borderColor: "#adb5bd",
      borderDash: [4, 4],
      pointRadius: 6,
      pointBackgroundColor: points.map(function (point) { return COLOURS[point.status] || "#868e96"; }),
      pointBorderColor: points.map(function (point) { return COLOURS[point.status] || "#868e96"; }),
    });
    const first = time(points[0].date);
    const last = time(points[points.length - 1].date);
    const padding = first === last ? DAY : 0;
    new Chart(canvas, {
      type: "line",
      data: { datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "nearest", intersect: false },
        scales: {
          x: {
            type: "linear",
            min: first - padding,
            max: last + padding,
            ticks: { callback: day, maxRotation: 0, autoSkip: true, maxTicksLimit: 6 },
            // A few updates: a tick on each of their dates rather than in between.
            afterBuildTicks: function (axis) {
              const dates = Array.from(new Set(points.map(function (point) { return time(point.date); })));
              if (dates.length <= 6) axis.ticks = dates.map(function (value) { return { value: value }; });
            },
          },
          // From zero, and up to 1 for a fraction (0.45 is 45%): one point or a
          // flat line is not drawn on an axis of a few hundredths around it.
          value: { type: "linear", position: "left", display: withValue.length > 0,
                   beginAtZero: true, grace: "10%",
                   suggestedMax: valuesAreFractions ? 1 : undefined,
                   title: { display: true, text: "Current Value" } },
          status: {
            type: "linear", position: "right", min: -0.5, max: STATUSES.length - 0.5,
            grid: { drawOnChartArea: withValue.length === 0 },
            ticks: { autoSkip: false, callback: function (index) { return STATUSES[index] || ""; } },
            afterBuildTicks: function (axis) {
              axis.ticks = STATUSES.map(function (_, index) { return { value: index }; });
            },
          },
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              title: function (items) { return items.length ? day(items[0].parsed.x) : ""; },
              label: function (item) {
                if (item.dataset.yAxisID === "status") return "Status: " + STATUSES[item.parsed.y];
                return "Current Value: " + item.parsed.y;
              },
            },
          },
        },
      },
    });
    canvas.dataset.drawn = "true";
  });
})();
