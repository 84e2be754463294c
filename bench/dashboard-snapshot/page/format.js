// Value and tick formatting for the units the Grafana dashboard uses (fieldConfig.defaults.unit):
// rps, s, bytes, short, none, percentunit.
"use strict";

const Format = (() => {
  function trim(number, digits) {
    // At most `digits` significant digits, no trailing zeros: 0.0125 -> "0.0125", 120.0 -> "120".
    if (number === 0) return "0";
    const text = Number(number.toPrecision(digits)).toString();
    return text.includes("e") ? number.toExponential(1) : text;
  }

  function short(value, digits) {
    const magnitude = Math.abs(value);
    if (magnitude >= 1e9) return trim(value / 1e9, digits) + " G";
    if (magnitude >= 1e6) return trim(value / 1e6, digits) + " M";
    if (magnitude >= 1e3) return trim(value / 1e3, digits) + " k";
    return trim(value, digits);
  }

  function seconds(value, digits) {
    const magnitude = Math.abs(value);
    if (magnitude === 0) return "0 s";
    if (magnitude < 1e-3) return trim(value * 1e6, digits) + " µs";
    if (magnitude < 1) return trim(value * 1e3, digits) + " ms";
    return trim(value, digits) + " s";
  }

  function bytes(value, digits) {
    const magnitude = Math.abs(value);
    if (magnitude >= 1024 ** 3) return trim(value / 1024 ** 3, digits) + " GiB";
    if (magnitude >= 1024 ** 2) return trim(value / 1024 ** 2, digits) + " MiB";
    if (magnitude >= 1024) return trim(value / 1024, digits) + " KiB";
    return trim(value, digits) + " B";
  }

  function value(number, unit, digits = 3) {
    if (number === null || Number.isNaN(number)) return "no value";
    switch (unit) {
      case "rps": return short(number, digits) + "/s";
      case "s": return seconds(number, digits);
      case "bytes": return bytes(number, digits);
      case "percentunit": return trim(number * 100, digits) + "%";
      default: return short(number, digits);
    }
  }

  function unitName(unit) {
    return { rps: "per second", s: "seconds", bytes: "bytes", percentunit: "percent", short: "", none: "" }[unit] ?? unit;
  }

  /** Evenly spaced ticks at 1, 2 or 5 × 10^k covering [low, high]; for bytes, of KiB, MiB or GiB. */
  function linearTicks(low, high, count, unit) {
    if (unit === "bytes") {
      const prefix = 1024 ** Math.max(0, Math.min(3, Math.floor(Math.log(Math.max(Math.abs(low), Math.abs(high), 1)) / Math.log(1024))));
      return linearTicks(low / prefix, high / prefix, count).map(tick => tick * prefix);
    }
    const span = high - low || Math.abs(high) || 1;
    const raw = span / count;
    const power = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map(m => m * power).find(s => s >= raw);
    const ticks = [];
    for (let tick = Math.ceil(low / step) * step; tick <= high + step * 1e-9; tick += step) {
      ticks.push(Math.abs(tick) < step * 1e-9 ? 0 : tick);
    }
    return ticks;
  }

  /** Ticks at powers of ten, with 2 and 5 multiples added when the range spans fewer than two decades. */
  function logTicks(low, high) {
    const ticks = [];
    const multiples = Math.log10(high / low) < 2 ? [1, 2, 5] : [1];
    for (let power = Math.floor(Math.log10(low)); power <= Math.ceil(Math.log10(high)); power++) {
      for (const m of multiples) {
        const tick = m * 10 ** power;
        if (tick >= low * 0.999 && tick <= high * 1.001) ticks.push(tick);
      }
    }
    return ticks;
  }

  function clock(unixSeconds) {
    return new Date(unixSeconds * 1000).toISOString().slice(11, 19);
  }

  return { value, unitName, linearTicks, logTicks, clock };
})();
