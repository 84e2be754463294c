// Draws a selection of the Grafana dashboard's panels from a real Prometheus. The PromQL, legends and units are
// read from the dashboard JSON itself (config/grafana/dashboards/streamrnn.json, copied beside this page by
// snapshot.sh), so the picture shows what the dashboard's queries return, not hand-copied ones. Template variables
// take the values Grafana would give them for this range (see `variables` below).
"use strict";

// Which panels to show, in reading order (4 × 3 grid). `targets` limits a panel to some of its queries when the
// others are redundant with a single replica (the per-instance breakdown equals the per-pipeline sum).
const selection = [
  { title: "Ready replicas" },
  { title: "Records consumed" },
  { title: "Predictions produced" },
  { title: "Dead letters", collapseZeros: true },
  { title: "End-to-end latency", log: true },
  { title: "Recurrent step latency", log: true },
  { title: "Consumer lag by topic" },
  { title: "Keys", targets: [0] },
  { title: "State bytes", targets: [0] },
  { title: "Model vs baselines: mean absolute error", log: true, label: "Model vs baselines: MAE" },
  { title: "Skill against the baseline" },
  { title: "Model version", stepped: true },
];

const palette = ["#73bf69", "#f2cc0c", "#8ab8ff", "#ff780a", "#f2495c", "#5794f2", "#b877d9", "#705da0"];

const parameters = new URLSearchParams(location.search);
const prometheus = parameters.get("prom");
const start = Number(parameters.get("start"));
const end = Number(parameters.get("end"));
const scrape = Number(parameters.get("scrape") || 1);
const grid = document.getElementById("grid");

async function prometheusGet(path, query) {
  const response = await fetch(`${prometheus}${path}?${new URLSearchParams(query)}`);
  const body = await response.json();
  if (body.status !== "success") throw new Error(`${path}: ${body.errorType}: ${body.error}`);
  return body.data;
}

function substitute(expression, variables) {
  return expression.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced, bare) => variables[braced ?? bare] ?? whole);
}

function legend(format, metric) {
  const text = (format || "").replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name) => metric[name] ?? "");
  return text.trim() || JSON.stringify(metric);
}

function colourFor(key, pipelines) {
  // The same pipeline keeps its colour in every panel; topics take the colour of the pipeline they feed.
  const index = pipelines.findIndex(p => key === p || (key ?? "").includes(p));
  return palette[(index >= 0 ? index : pipelines.length) % palette.length];
}

function panelShell(title, unit) {
  const panel = document.createElement("section");
  panel.className = "panel";
  const heading = document.createElement("h2");
  heading.textContent = title;
  const unitName = Format.unitName(unit);
  if (unitName) {
    const unitLabel = document.createElement("span");
    unitLabel.className = "unit";
    unitLabel.textContent = unitName;
    heading.append(unitLabel);
  }
  const chart = document.createElement("div");
  chart.className = "chart";
  const legendBox = document.createElement("div");
  legendBox.className = "legend";
  panel.append(heading, chart, legendBox);
  grid.append(panel);
  return { panel, chart, legendBox };
}

function legendItem(box, colour, dashed, name, valueText) {
  const item = document.createElement("span");
  item.className = "item";
  item.innerHTML = `<span class="swatch${dashed ? " dashed" : ""}" style="border-color:${colour}"></span>`;
  item.append(name);
  const value = document.createElement("span");
  value.className = "value";
  value.textContent = valueText;
  item.append(value);
  box.append(item);
}

function note(box, text) {
  const line = document.createElement("div");
  line.className = "note";
  line.textContent = text;
  box.append(line);
}

async function rangeSeries(definition, choice, variables, step) {
  const chosen = choice.targets ? choice.targets.map(i => definition.targets[i]) : definition.targets;
  const series = [];
  for (const [index, target] of chosen.entries()) {
    const data = await prometheusGet("/api/v1/query_range",
      { query: substitute(target.expr, variables), start, end, step });
    for (const result of data.result) {
      series.push({
        metric: result.metric,
        name: legend(target.legendFormat, result.metric),
        points: result.values.map(([t, v]) => [t, Number(v)]),
        targetIndex: index,
      });
    }
  }
  return series;
}

function lastFinite(points) {
  for (let i = points.length - 1; i >= 0; i--) if (Number.isFinite(points[i][1])) return points[i][1];
  return NaN;
}

async function drawPanel(definition, choice, variables, step, pipelines) {
  const defaults = definition.fieldConfig?.defaults ?? {};
  const unit = defaults.unit ?? "short";
  const { chart, legendBox } = panelShell(choice.label ?? definition.title, definition.type === "stat" ? "none" : unit);
  const series = await rangeSeries(definition, choice, variables, step);
  series.sort((a, b) => a.name.localeCompare(b.name));
  for (const s of series) {
    s.colour = colourFor(s.metric.pipeline ?? s.metric.topic ?? s.metric.instance, pipelines);
    // Second query of a panel (p99 after p50) and the baseline forecaster are dashed beside their solid partner.
    s.dashed = s.targetIndex > 0 || s.metric.forecaster === "baseline" || s.metric.metric === "brier";
  }

  if (definition.type === "stat") {
    // Grafana's stat panel with reduceOptions lastNotNull and the ready / not ready value mapping; the line below
    // shows the same series over the run (Grafana's panel has graphMode none).
    const mappings = defaults.mappings?.[0]?.options ?? {};
    const stat = document.createElement("div");
    stat.className = "stat";
    for (const s of series) {
      const last = lastFinite(s.points);
      const mapped = mappings[String(last)];
      stat.innerHTML += `<div><div class="big" style="color:${last >= 1 ? "#73bf69" : "#f2495c"}">${mapped?.text ?? last}</div>`
        + `<div class="label">${s.name}</div></div>`;
    }
    chart.before(stat);
    for (const s of series) s.colour = lastFinite(s.points) >= 1 ? "#73bf69" : "#f2495c";
    const firstReady = series.map(s => s.points.find(p => p[1] >= 1)).filter(Boolean).map(p => p[0]);
    note(legendBox, firstReady.length
      ? `streamrnn_ready over the run; ready from ${Format.clock(Math.min(...firstReady))} UTC`
      : "streamrnn_ready over the run: never ready");
    // Drawn last: the chart takes the height the legend leaves.
    LineChart.draw(chart, series, { start, end, unit: "none", yMin: 0, yMax: 1, step, stepped: true });
    return series.length;
  }

  const zero = series.filter(s => s.points.every(p => p[1] === 0));
  // Series that are NaN throughout (e.g. 0/0: a Brier score of a regression pipeline) draw nothing; name them once.
  const empty = series.filter(s => !s.points.some(p => Number.isFinite(p[1])));
  const shown = choice.collapseZeros && zero.length === series.length ? [] : series.filter(s => !empty.includes(s));
  for (const s of shown) legendItem(legendBox, s.colour, s.dashed, s.name, Format.value(lastFinite(s.points), unit));
  if (shown.length === 0 && zero.length === series.length && series.length > 0) {
    const labels = Object.keys(series[0].metric).join(" × ");
    note(legendBox, `all ${series.length} series (${labels}) stayed at 0 over the run`);
  }
  if (empty.length > 0) note(legendBox, `no value (NaN) throughout: ${empty.map(s => s.name).join(", ")}`);
  if (series.length === 0) note(legendBox, "no data");
  // Drawn last: the chart takes the height the legend leaves.
  LineChart.draw(chart, series, { start, end, unit, log: choice.log, step, stepped: choice.stepped,
    yMin: choice.log ? undefined : defaults.min, yMax: defaults.max });
  return series.length;
}

async function main() {
  if (!prometheus || !start || !end) throw new Error("missing prom, start or end in the query string");
  const dashboard = await (await fetch("streamrnn.json")).json();
  const build = await prometheusGet("/api/v1/status/buildinfo", {});
  const pipelines = (await prometheusGet("/api/v1/label/pipeline/values",
    { "match[]": "streamrnn_records_consumed_total", start, end })).sort();

  // Grafana's rules: $__interval = max(scrape interval, range / max data points ≈ panel width in pixels) is the
  // step; $__rate_interval = max($__interval + scrape interval, 4 × scrape interval). Multi-value variables set
  // to All take their allValue; interval variables their current value.
  const panelWidth = 380;
  const step = Math.max(scrape, Math.ceil((end - start) / panelWidth));
  const rateInterval = Math.max(step + scrape, 4 * scrape);
  const variables = { __rate_interval: `${rateInterval}s`, __interval: `${step}s`, __range: `${end - start}s` };
  const shownVariables = [["Data source", `Prometheus ${build.version}`]];
  for (const variable of dashboard.templating.list) {
    if (variable.type === "datasource") continue;
    const all = variable.current?.value?.includes?.("$__all");
    variables[variable.name] = all ? variable.allValue : variable.current.value;
    shownVariables.push([variable.label ?? variable.name, all ? "All" : variable.current.text]);
  }
  document.getElementById("variables").innerHTML = shownVariables
    .map(([label, value]) => `<span><b>${label}</b>${value}</span>`).join("");
  const minutes = ((end - start) / 60).toFixed(1).replace(/\.0$/, "");
  const day = new Date(start * 1000).toISOString().slice(0, 10);
  document.getElementById("range").textContent =
    `${day} ${Format.clock(start)} – ${Format.clock(end)} UTC (${minutes} min)`;

  let failures = 0;
  for (const choice of selection) {
    const definition = dashboard.panels.find(p => p.title === choice.title);
    try {
      if (!definition) throw new Error(`no panel titled "${choice.title}" in the dashboard`);
      await drawPanel(definition, choice, variables, step, pipelines);
    } catch (error) {
      failures++;
      const { legendBox } = panelShell(choice.title, "none");
      legendBox.innerHTML = `<span class="panel-error">${error.message}</span>`;
    }
  }

  const rendered = parameters.get("rendered") ?? new Date().toISOString();
  document.getElementById("footer").innerHTML =
    `<b>Rendered from a real run on ${rendered.slice(0, 10)}</b>: one <code>streamrnn</code> daemon (commit `
    + `${parameters.get("revision")}) with its embedded broker replaying the bundled demo feeds at Demo:Speed=`
    + `${parameters.get("speed")}`
    + (parameters.get("training") === "1" ? " and online training switched on (Training:Enabled, defaults otherwise)" : "")
    + `, scraped every ${scrape} s by Prometheus ${build.version} with the shipped rules. `
    + `12 of the dashboard's panels, queries as in config/grafana/dashboards/streamrnn.json with step ${step} s, `
    + `$__rate_interval = ${rateInterval} s, $window = ${variables.window}; drawn as SVG by `
    + `bench/dashboard-snapshot (not Grafana's renderer). Log scale: latency and error panels.`;
  grid.dataset.status = failures ? "error" : "done";
}

main().catch(error => {
  grid.dataset.status = "error";
  grid.innerHTML = `<div class="panel-error">${error.message}</div>`;
});
