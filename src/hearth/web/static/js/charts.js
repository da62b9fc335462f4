// A device's history charts (uPlot), from GET /api/v1/devices/{id}/chart: lines and steps
// with their min/max band, timelines of states, event marks and energy bars. The x-axis
// spans the chosen range in the home's time zone (data-time-zone), labelled in the
// browser's locale; the server says how to draw and where the y-axis goes.
(() => {
  "use strict";
  const $ = (sel, root = document) => root.querySelector(sel);
  const LOCALE = navigator.languages?.[0] || navigator.language || "en";
  // Colours of a timeline's states, in the spec's order: distinguishable and, with their
  // labels in ink on top, readable (every label also has a swatch in the legend).
  const STATE_COLOURS = ["#c7c7cc", "#ff9f0a", "#30b0c7", "#5e5ce6", "#34c759", "#ff375f", "#a2845e", "#64d2ff"];
  const ON_COLOUR = "#ffb340";

  let plot = null;
  let current = null;  // the chart's answer, for live updates and resizing

  function css(name, fallback) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
  }

  function formatter(zone, options) {
    try {
      return new Intl.DateTimeFormat(LOCALE, { timeZone: zone, ...options });
    } catch {
      return new Intl.DateTimeFormat(LOCALE, options);  // a zone this browser does not know
    }
  }

  function number(value, unit) {
    if (value === null || value === undefined) return "—";
    const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
    const text = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: digits }).format(value);
    return unit ? `${text} ${unit}` : text;
  }

  function duration(seconds) {
    const minutes = Math.round(seconds / 60);
    if (minutes < 60) return `${minutes} min`;
    const hours = Math.floor(minutes / 60);
    const rest = minutes % 60;
    if (hours < 48) return rest ? `${hours} h ${rest} min` : `${hours} h`;
    return `${Math.round(hours / 24)} days`;
  }

  const seconds = (iso) => new Date(iso).getTime() / 1000;

  // Tick labels in the home's zone and the viewer's locale: times of day within a day,
  // dates beyond; the first tick of a new day in a multi-day axis says which day.
  function timeAxis(zone, span) {
    const clock = formatter(zone, { timeStyle: "short" });
    const date = formatter(zone, { day: "numeric", month: "short" });
    const weekday = formatter(zone, { weekday: "short", day: "numeric" });
    return {
      stroke: css("--muted", "#6e6e73"),
      grid: { stroke: css("--line", "#e5e5ea"), width: 1 },
      ticks: { show: false },
      values: (u, splits, _axis, _space, incr) => {
        const labels = splits.map((s) => {
          const at = new Date(s * 1000);
          if (incr >= 86400) return span === "week" ? weekday.format(at) : date.format(at);
          return clock.format(at);
        });
        // What the axis says, for assistive summaries and the browser tests.
        u.root.parentElement.dataset.xTicks = JSON.stringify(splits.map((s, i) => [s, labels[i]]));
        return labels;
      },
    };
  }

  function valueAxis(chart) {
    const levels = chart.levels || [];
    const axis = {
      stroke: css("--muted", "#6e6e73"),
      grid: { stroke: css("--line", "#e5e5ea"), width: 1 },
      ticks: { show: false },
      size: 58,
      values: (u, splits) => splits.map((v) => number(v, chart.unit)),
    };
    if (levels.length) {
      axis.splits = () => levels.map((l) => l.value);
      axis.values = (u, splits) => splits.map((v) => levels.find((l) => l.value === v)?.label ?? "");
      axis.size = 72;
    }
    return axis;
  }

  function base(holder, chart, height) {
    const zone = chart.time_zone;
    return {
      width: Math.max(260, holder.clientWidth),
      height,
      tzDate: (ts) => window.uPlot.tzDate(new Date(ts * 1000), zone),
      legend: { show: false },
      cursor: { y: false, points: { size: 8 }, drag: { x: false, y: false } },
      scales: { x: { time: true, range: () => [seconds(chart.since), seconds(chart.until)] } },
      axes: [timeAxis(zone, chart.span)],
      padding: [8, 16, 0, 18],
      hooks: {
        // Where the x-axis runs, once uPlot has set it (for the browser tests).
        setScale: [(u, key) => {
          if (key !== "x") return;
          holder.dataset.xMin = String(u.scales.x.min);
          holder.dataset.xMax = String(u.scales.x.max);
        }],
      },
    };
  }

  // --- lines and steps, with the min/max band of aggregated buckets --------------------
  function linePlot(holder, chart, readout) {
    const accent = css("--accent", "#ff6a00");
    const xs = chart.points.map((p) => seconds(p.at));
    const values = chart.points.map((p) => p.value);
    const lows = chart.points.map((p) => (p.value === null ? null : p.min ?? p.value));
    const highs = chart.points.map((p) => (p.value === null ? null : p.max ?? p.value));
    const banded = chart.bucket_seconds !== null && chart.points.some((p) => p.min !== null);
    const stepped = chart.drawing === "step" ? window.uPlot.paths.stepped({ align: 1 }) : undefined;
    const options = base(holder, chart, 240);
    options.scales.y = { range: () => [chart.y_min, chart.y_max] };
    options.axes.push(valueAxis(chart));
    options.series = [
      {},
      { label: chart.label, stroke: accent, width: 2, fill: banded ? undefined : accent + "1f", paths: stepped, spanGaps: false, points: { show: chart.points.length < 3 } },
      { label: "Lowest", stroke: "transparent", width: 0, paths: stepped, spanGaps: false, points: { show: false } },
      { label: "Highest", stroke: "transparent", width: 0, paths: stepped, spanGaps: false, points: { show: false } },
    ];
    if (banded) options.bands = [{ series: [3, 2], fill: accent + "33" }];
    const when = formatter(chart.time_zone, { weekday: "short", hour: "numeric", minute: "2-digit" });
    options.hooks.setCursor = [(u) => {
        const i = u.cursor.idx;
        if (i === null || i === undefined || values[i] === null) { readout.textContent = ""; return; }
        const band = banded && lows[i] !== highs[i] ? ` (${number(lows[i], chart.unit)} – ${number(highs[i], chart.unit)})` : "";
        const level = (chart.levels || []).find((l) => l.value === values[i]);
        readout.textContent = `${when.format(new Date(xs[i] * 1000))}: ${level ? level.label : number(values[i], chart.unit)}${band}`;
      }];
    return new window.uPlot(options, [xs, values, lows, highs], holder);
  }

  function lineSummary(chart) {
    const known = chart.points.filter((p) => p.value !== null);
    if (!known.length) return ["", ""];
    const lows = known.map((p) => p.min ?? p.value);
    const highs = known.map((p) => p.max ?? p.value);
    const latest = known[known.length - 1].value;
    const level = (chart.levels || []).find((l) => l.value === latest);
    const range = `Lowest ${number(Math.min(...lows), chart.unit)} · Highest ${number(Math.max(...highs), chart.unit)}`;
    if (level) return [level.label, "Latest"];
    if (chart.bucket_seconds) return [number(known.reduce((s, p) => s + p.value, 0) / known.length, chart.unit), `Average · ${range}`];
    return [number(latest, chart.unit), `Latest · ${range}`];
  }

  // --- timelines: a band per state, named inside when it fits ---------------------------
  function stateColour(chart, value) {
    const index = chart.states.findIndex((s) => s.value === value);
    if (chart.states.length === 2 && typeof chart.states[0].value === "boolean") {
      return value === true ? ON_COLOUR : STATE_COLOURS[0];
    }
    return STATE_COLOURS[(index < 0 ? chart.states.length : index) % STATE_COLOURS.length];
  }

  function drawSegments(u, chart) {
    const ctx = u.ctx;
    const top = u.bbox.top + 6 * devicePixelRatio;
    const height = u.bbox.height - 12 * devicePixelRatio;
    ctx.save();
    ctx.font = `${Math.round(12 * devicePixelRatio)}px system-ui, sans-serif`;
    ctx.textBaseline = "middle";
    ctx.fillStyle = css("--bg", "#f5f5f7");  // the track: what no segment covers is not known
    ctx.fillRect(u.bbox.left, top, u.bbox.width, height);
    for (const s of chart.segments) {
      const x0 = Math.max(u.bbox.left, u.valToPos(seconds(s.start), "x", true));
      const x1 = Math.min(u.bbox.left + u.bbox.width, u.valToPos(seconds(s.end), "x", true));
      if (x1 <= x0) continue;
      ctx.fillStyle = stateColour(chart, s.value);
      ctx.fillRect(x0, top, Math.max(1, x1 - x0 - devicePixelRatio), height);
      const width = ctx.measureText(s.label).width;
      if (x1 - x0 > width + 12 * devicePixelRatio) {
        ctx.fillStyle = "#1d1d1f";
        ctx.fillText(s.label, x0 + 6 * devicePixelRatio, top + height / 2);
      }
    }
    ctx.restore();
  }

  function timelinePlot(holder, chart, readout) {
    const options = base(holder, chart, 110);
    options.scales.y = { range: () => [0, 1] };
    options.axes.push({ show: false });
    options.series = [{}, { label: chart.label, show: true, stroke: "transparent", points: { show: false } }];
    options.cursor.points = { show: false };
    const when = formatter(chart.time_zone, { weekday: "short", hour: "numeric", minute: "2-digit" });
    options.hooks = { ...options.hooks,
      draw: [(u) => drawSegments(u, chart)],
      setCursor: [(u) => {
        const left = u.cursor.left;
        if (left === null || left === undefined || left < 0) { readout.textContent = ""; return; }
        const at = u.posToVal(left, "x");
        const s = chart.segments.find((seg) => seconds(seg.start) <= at && at < seconds(seg.end));
        readout.textContent = s ? `${s.label} from ${when.format(new Date(s.start))} to ${when.format(new Date(s.end))}` : "Not known";
      }],
    };
    const xs = [seconds(chart.since), seconds(chart.until)];
    return new window.uPlot(options, [xs, [null, null]], holder);
  }

  function timelineSummary(chart) {
    const spent = new Map();
    for (const s of chart.segments) spent.set(s.label, (spent.get(s.label) || 0) + seconds(s.end) - seconds(s.start));
    const last = chart.segments[chart.segments.length - 1];
    const detail = [...spent].map(([label, total]) => `${label} ${duration(total)}`).join(" · ");
    return last ? [last.label, detail] : ["", ""];
  }

  function legend(list, chart) {
    list.replaceChildren();
    if (chart.drawing !== "timeline") { list.hidden = true; return; }
    for (const state of chart.states) {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = stateColour(chart, state.value);  // CSSOM, allowed by the policy
      item.append(swatch, document.createTextNode(state.label));
      list.append(item);
    }
    list.hidden = false;
  }

  // --- events: a mark at each moment (a taller one for a bucket holding several) -------
  function eventsPlot(holder, chart, readout) {
    const accent = css("--accent", "#ff6a00");
    const options = base(holder, chart, 110);
    const most = Math.max(1, ...chart.marks.map((m) => m.count));
    options.scales.y = { range: () => [0, 1] };
    options.axes.push({ show: false });
    options.series = [{}, { label: chart.label, stroke: "transparent", points: { show: false } }];
    options.cursor.points = { show: false };
    const when = formatter(chart.time_zone, { weekday: "short", hour: "numeric", minute: "2-digit" });
    options.hooks = { ...options.hooks,
      draw: [(u) => {
        const ctx = u.ctx;
        const bottom = u.bbox.top + u.bbox.height - 4 * devicePixelRatio;
        ctx.save();
        ctx.fillStyle = accent;
        for (const m of chart.marks) {
          const x = u.valToPos(seconds(m.at), "x", true);
          const tall = (u.bbox.height - 16 * devicePixelRatio) * (0.45 + 0.55 * (m.count / most));
          ctx.fillRect(x - devicePixelRatio, bottom - tall, 2 * devicePixelRatio, tall);
          ctx.beginPath();
          ctx.arc(x, bottom - tall, 3.5 * devicePixelRatio, 0, 2 * Math.PI);
          ctx.fill();
        }
        ctx.restore();
      }],
      setCursor: [(u) => {
        const left = u.cursor.left;
        if (left === null || left === undefined || left < 0) { readout.textContent = ""; return; }
        const near = chart.marks.find((m) => Math.abs(u.valToPos(seconds(m.at), "x") - left) < 8);
        readout.textContent = near ? `${when.format(new Date(near.at))}${near.count > 1 ? ` and after: ${near.count} times` : ""}` : "";
      }],
    };
    const xs = [seconds(chart.since), seconds(chart.until)];
    return new window.uPlot(options, [xs, [null, null]], holder);
  }

  function eventsSummary(chart) {
    const times = chart.marks.reduce((sum, m) => sum + m.count, 0);
    return [times === 1 ? "Once" : `${times} times`, `in ${RANGE_WORDS[chart.span]}`];
  }

  // --- energy: what the meter counted per bar, and in all ------------------------------
  function energyPlot(holder, chart, readout) {
    const accent = css("--accent", "#ff6a00");
    const widths = chart.bars.map((b) => seconds(b.end) - seconds(b.start));
    const width = Math.max(...widths, 300);
    const xs = chart.bars.map((b) => seconds(b.start) + width / 2);
    const values = chart.bars.map((b) => b.value);
    const options = base(holder, chart, 240);
    const first = chart.bars.length ? seconds(chart.bars[0].start) : seconds(chart.since);
    options.scales.x.range = () => [first, Math.max(seconds(chart.until), first + width * chart.bars.length)];
    options.scales.y = { range: () => [chart.y_min, chart.y_max] };
    options.axes.push(valueAxis(chart));
    const daily = width >= 86400;
    const barLabel = formatter(chart.time_zone, daily ? (chart.span === "week" ? { weekday: "short" } : { day: "numeric", month: "short" }) : { timeStyle: "short" });
    options.axes[0].splits = (u) => {
      const every = Math.max(1, Math.ceil((xs.length * 56) / Math.max(1, u.bbox.width / devicePixelRatio)));
      return xs.filter((_, i) => (xs.length - 1 - i) % every === 0);
    };
    const axisValues = options.axes[0].values;
    options.axes[0].values = (u, splits, ...rest) => {
      axisValues(u, splits, ...rest);  // keeps the ticks for the browser tests
      return splits.map((s) => barLabel.format(new Date((s - width / 2) * 1000)));
    };
    options.series = [{}, {
      label: chart.label, stroke: accent, fill: accent + "cc", width: 0,
      paths: window.uPlot.paths.bars({ size: [0.7, 48], gap: 2 }), points: { show: false },
    }];
    const day = formatter(chart.time_zone, width >= 86400 ? { weekday: "short", day: "numeric", month: "short" } : { weekday: "short", hour: "numeric", minute: "2-digit" });
    options.hooks = { ...options.hooks,
      setCursor: [(u) => {
        const i = u.cursor.idx;
        readout.textContent = i === null || i === undefined ? "" : `${day.format(new Date(chart.bars[i].start))}: ${number(values[i], chart.unit)}`;
      }],
    };
    return new window.uPlot(options, [xs, values], holder);
  }

  const DRAW = { line: linePlot, step: linePlot, timeline: timelinePlot, events: eventsPlot, energy: energyPlot };
  const SUMMARY = {
    line: lineSummary, step: lineSummary, timeline: timelineSummary, events: eventsSummary,
    energy: (chart) => [number(chart.total, chart.unit), `used in ${RANGE_WORDS[chart.span]}`],
  };
  const RANGE_WORDS = { hour: "the last hour", day: "the last 24 hours", week: "the last 7 days", month: "the last 30 days" };

  function empty(chart) {
    if (chart.drawing === "timeline") return !chart.segments.length;
    if (chart.drawing === "events") return !chart.marks.length;
    if (chart.drawing === "energy") return !chart.bars.some((b) => b.value > 0);
    return !chart.points.some((p) => p.value !== null);
  }

  function show(section, chart) {
    const holder = $("[data-chart]", section);
    const readout = $("[data-chart-readout]", section);
    const note = $("[data-chart-note]", section);
    if (plot) { plot.destroy(); plot = null; }
    holder.dataset.drawing = chart.drawing;
    holder.dataset.since = chart.since;
    holder.dataset.until = chart.until;
    readout.textContent = "";
    const [figure, detail] = SUMMARY[chart.drawing](chart);
    const summary = $("[data-chart-summary]", section);
    const big = document.createElement("strong");
    const small = document.createElement("span");
    big.textContent = figure;
    small.textContent = detail;
    summary.replaceChildren(big, document.createTextNode(" "), small);
    holder.setAttribute("aria-label", `${chart.label} over ${RANGE_WORDS[chart.span]}${figure ? `: ${figure}, ${detail}` : ""}`);
    legend($("[data-chart-legend]", section), chart);
    if (chart.drawing === "timeline" && chart.truncated) note.textContent = "More changes than one chart can show: the first ones are drawn. Choose a shorter range to see them all.";
    else if (empty(chart)) note.textContent = chart.drawing === "events" ? "None in this range." : "Nothing reported in this range yet.";
    else note.textContent = "";
    if (!window.uPlot) { note.textContent = "Charts are not available."; return; }
    plot = DRAW[chart.drawing](holder, chart, readout);
    section.dataset.chartReady = `${chart.key}/${chart.span}`;
  }

  let asked = 0;
  async function draw(section) {
    const key = $("[data-history-key]", section).value;
    const span = $('input[name="range"]:checked', section).value;
    const ask = ++asked;
    const params = new URLSearchParams({ key, range: span });
    const response = await fetch(`/api/v1/devices/${section.dataset.device}/chart?${params}`);
    if (ask !== asked) return;  // a later choice already asked
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      $("[data-chart-note]", section).textContent = body.detail || "The chart could not be read. Try again in a moment.";
      return;
    }
    current = await response.json();
    show(section, current);
  }

  function init() {
    const section = $("[data-history]");
    if (!section) return;
    section.addEventListener("change", () => draw(section));
    draw(section);
    let width = section.clientWidth;
    window.addEventListener("resize", () => {
      if (current && Math.abs(section.clientWidth - width) > 20) { width = section.clientWidth; show(section, current); }
    });
    // Live: a report of the charted value (or its event) redraws the chart, at most every 5 s.
    let pending = null;
    const later = () => {
      if (pending) return;
      pending = setTimeout(() => { pending = null; draw(section); }, 5000);
    };
    document.addEventListener("hearth:state", (e) => {
      const data = e.detail;
      if (data.device_id === section.dataset.device && current && current.key in (data.changed || {})) later();
    });
    document.addEventListener("hearth:device-event", (e) => {
      const data = e.detail;
      if (data.device_id === section.dataset.device && current && current.key === `e:${data.key}`) later();
    });
  }

  document.addEventListener("DOMContentLoaded", init);
})();
