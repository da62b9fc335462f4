// The platform dashboard's charts (uPlot): one per figure, a line per key (the whole, or
// each currency), days along the x-axis in UTC, from the page's own JSON (#insight-data).
(() => {
  "use strict";
  const LOCALE = navigator.languages?.[0] || navigator.language || "en";
  const COLOURS = ["#b84a00", "#30b0c7", "#5e5ce6", "#34c759", "#ff375f", "#a2845e"];
  const css = (name, fallback) =>
    getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
  const compact = new Intl.NumberFormat(LOCALE, { notation: "compact", maximumFractionDigits: 1 });
  const dayLabel = new Intl.DateTimeFormat(LOCALE, { timeZone: "UTC", day: "numeric", month: "short" });

  function draw(holder, panel, days) {
    const xs = days.map((d) => Date.parse(d + "T00:00:00Z") / 1000);
    // Money is kept in minor units: charts show major units (fen / 100; yen as they are).
    const scaled = (line) => line.values.map((v) => (v === null ? null : line.exponent ? v / 10 ** line.exponent : v));
    const axis = { stroke: css("--muted", "#6e6e73"), grid: { stroke: css("--line", "#e5e5ea"), width: 1 }, ticks: { show: false } };
    const options = {
      width: Math.max(260, holder.clientWidth),
      height: 170,
      legend: { show: panel.lines.length > 1 },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        { ...axis, values: (u, splits) => splits.map((s) => dayLabel.format(new Date(s * 1000))) },
        { ...axis, size: 48, values: (u, splits) => splits.map((s) => compact.format(s)) },
      ],
      series: [
        {},
        ...panel.lines.map((line, i) => ({
          label: line.label,
          stroke: COLOURS[i % COLOURS.length],
          width: 2,
          fill: panel.lines.length === 1 ? COLOURS[0] + "1f" : undefined,
          points: { show: days.length <= 7 },
          value: (u, v) => (v === null ? "—" : compact.format(v)),
        })),
      ],
    };
    const data = [xs, ...panel.lines.map(scaled)];
    return new uPlot(options, data, holder);
  }

  function start() {
    const source = document.getElementById("insight-data");
    if (!source || typeof uPlot === "undefined") return;
    const board = JSON.parse(source.textContent);
    const plots = [];
    for (const panel of board.panels) {
      const card = document.getElementById(panel.figure.replaceAll(".", "-"));
      const holder = card?.querySelector("[data-insight-chart]");
      if (holder) plots.push([holder, draw(holder, panel, board.days)]);
    }
    let pending = null;
    window.addEventListener("resize", () => {
      clearTimeout(pending);
      pending = setTimeout(() => {
        for (const [holder, plot] of plots) plot.setSize({ width: Math.max(260, holder.clientWidth), height: 170 });
      }, 150);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
