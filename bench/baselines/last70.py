#!/usr/bin/env python3
"""Scores a backtest's predictions.csv on the last 70% of each key's steps (the first 30% is where settings may be
chosen): MAE and RMSE of the model and of every baseline column on the same forecasts, the model's 80%/95% coverage
from its interval columns, and model MAE ÷ the best baseline's, pooled and per key (keys in different units, such as
the AWS CloudWatch files, are better judged per key). Prints one JSON object.

Usage: last70.py OUT_DIR/predictions.csv
"""
import csv, json, math, sys
from collections import defaultdict

path = sys.argv[1]
with open(path) as f:
    reader = csv.DictReader(f)
    fixed = {"key", "step", "time_ms", "prediction", "target", "model_version", "stddev", "lo80", "hi80", "lo95", "hi95"}
    baselines = [c for c in reader.fieldnames if c not in fixed]
    rows = list(reader)

steps = defaultdict(int)
for r in rows:
    steps[r["key"]] += 1

forecasters = ["model"] + baselines
absolute = defaultdict(float)
key_absolute = defaultdict(lambda: defaultdict(float))
squared = defaultdict(float)
n = 0
covered80 = covered95 = intervals = 0
for r in rows:
    if int(r["step"]) < 0.3 * steps[r["key"]] or r["prediction"] == "" or r["target"] == "":
        continue
    y = float(r["target"])
    values = {"model": float(r["prediction"])}
    values.update({b: float(r[b]) for b in baselines})
    if any(math.isnan(v) for v in values.values()):
        continue
    n += 1
    for name, v in values.items():
        absolute[name] += abs(y - v)
        key_absolute[r["key"]][name] += abs(y - v)
        squared[name] += (y - v) ** 2
    if r["lo80"] != "":
        intervals += 1
        covered80 += float(r["lo80"]) <= y <= float(r["hi80"])
        covered95 += float(r["lo95"]) <= y <= float(r["hi95"])

mae = {name: absolute[name] / n for name in forecasters}
# Per key (MAE in each series' own units): model ÷ that key's best baseline.
per_key = {key: sums["model"] / min(sums[b] for b in baselines) for key, sums in key_absolute.items() if min(sums[b] for b in baselines) > 0}
best = min(baselines, key=lambda b: mae[b])
print(json.dumps({
    "scored": n,
    "mae": mae,
    "rmse": {name: math.sqrt(squared[name] / n) for name in forecasters},
    "coverage80": covered80 / intervals if intervals else None,
    "coverage95": covered95 / intervals if intervals else None,
    "best_baseline": best,
    "model_over_best": mae["model"] / mae[best],
    "model_over_persistence": mae["model"] / mae["persistence"],
    "keys": len(per_key),
    "keys_model_at_most_best": sum(1 for v in per_key.values() if v <= 1),
    "per_key_model_over_best_median": sorted(per_key.values())[len(per_key) // 2] if per_key else None,
}, indent=1))
