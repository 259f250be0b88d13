// Draws each <canvas data-chart="ID"> from the JSON in <script id="ID">
// ({"weeks": [...], "series": {name: [numbers]}}) as a stacked bar chart.
"use strict";
(function () {
  const colours = ["#2fb344", "#d63939", "#868e96", "#206bc4", "#f59f00"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") return;
    const data = JSON.parse(source.textContent);
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.weeks,
        datasets: Object.entries(data.series).map(function ([name, values], index) {
          return { label: name, data: values, backgroundColor: colours[index % colours.length] };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  });
})();
