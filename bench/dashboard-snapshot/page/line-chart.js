// A small SVG line chart: time on x, one polyline per series, linear or log y, gaps where a series has no
// sample (histogram_quantile gives NaN while a histogram has no observations in the window).
"use strict";

const LineChart = (() => {
  const svgNs = "http://www.w3.org/2000/svg";

  function element(name, attributes, text) {
    const node = document.createElementNS(svgNs, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /**
   * Draws into `container` (its size decides the chart's). series: [{ points: [[t, v], ...], colour, dashed }];
   * options: { start, end, unit, log, yMin, yMax, step (seconds, for gap detection), stepped }.
   */
  function draw(container, series, options) {
    const width = container.clientWidth, height = container.clientHeight;
    const margin = { left: 58, right: 8, top: 6, bottom: 18 };
    const plotWidth = width - margin.left - margin.right, plotHeight = height - margin.top - margin.bottom;
    const svg = element("svg", { viewBox: `0 0 ${width} ${height}`, width, height });

    const values = series.flatMap(s => s.points.map(p => p[1])).filter(v => Number.isFinite(v) && (!options.log || v > 0));
    let low = options.yMin ?? (values.length ? Math.min(...values) : 0);
    let high = options.yMax ?? (values.length ? Math.max(...values) : 1);
    let ticks;
    if (options.log) {
      low = 10 ** Math.floor(Math.log10(low || 1e-3));
      high = 10 ** Math.ceil(Math.log10(high || 1));
      if (high <= low) high = low * 10;
      ticks = Format.logTicks(low, high);
    } else {
      if (options.yMin === undefined) low = Math.min(0, low);
      if (high <= low) high = low + 1;
      ticks = Format.linearTicks(low, high, 4, options.unit);
      high = Math.max(high, ticks[ticks.length - 1]);
      low = Math.min(low, ticks[0]);
    }
    const x = t => margin.left + (t - options.start) / (options.end - options.start) * plotWidth;
    const y = options.log
      ? v => margin.top + (1 - (Math.log10(v) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) * plotHeight
      : v => margin.top + (1 - (v - low) / (high - low)) * plotHeight;

    for (const tick of ticks) {
      const position = y(tick);
      svg.append(element("line", { x1: margin.left, x2: width - margin.right, y1: position, y2: position, stroke: "#2a2d33" }));
      svg.append(element("text", { x: margin.left - 5, y: position + 4, "text-anchor": "end", fill: "#9fa1ad", "font-size": 10 },
        Format.value(tick, options.unit, 3)));
    }
    const span = options.end - options.start;
    const timeStep = [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600].find(s => span / s <= 6) ?? 7200;
    for (let t = Math.ceil(options.start / timeStep) * timeStep; t <= options.end; t += timeStep) {
      const position = x(t);
      svg.append(element("line", { x1: position, x2: position, y1: margin.top, y2: margin.top + plotHeight, stroke: "#22252a" }));
      svg.append(element("text", { x: position, y: height - 4, "text-anchor": "middle", fill: "#9fa1ad", "font-size": 10 },
        Format.clock(t).slice(0, timeStep >= 60 ? 5 : 8)));
    }
    svg.append(element("line", { x1: margin.left, x2: width - margin.right, y1: margin.top + plotHeight,
      y2: margin.top + plotHeight, stroke: "#3a3d44" }));

    for (const s of series) {
      let path = "", drawing = false, previous = -Infinity;
      for (const [t, v] of s.points) {
        const usable = Number.isFinite(v) && (!options.log || v > 0);
        if (!usable) { drawing = false; continue; }
        const gap = t - previous > 2.5 * options.step;
        const px = x(t).toFixed(1), py = y(Math.min(Math.max(v, low), high)).toFixed(1);
        if (!drawing || gap) path += `M${px},${py}`;
        else path += options.stepped ? `H${px}V${py}` : `L${px},${py}`;
        drawing = true;
        previous = t;
      }
      if (path) {
        svg.append(element("path", { d: path, fill: "none", stroke: s.colour, "stroke-width": 1.5,
          "stroke-linejoin": "round", "stroke-dasharray": s.dashed ? "5 3" : "none" }));
      }
    }
    container.replaceChildren(svg);
  }

  return { draw };
})();
