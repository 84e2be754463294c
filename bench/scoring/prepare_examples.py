#!/usr/bin/env python3
"""Writes the three derived CSVs of docs/results.md "Against the strongest cheap baselines" (CSV (1)-(3)).

Usage: prepare_examples.py DATA_DIR OUT_DIR   (DATA_DIR = ../shared/data)
  beijing.csv     the 8 stations' rows with a `time` column (year/month/day/hour), sorted by time
  exchange.csv    the 8 exchange rates in long form: time (1990-01-01 + t_index days), currency, rate
  cloudwatch.csv  the 17 nab/realAWSCloudwatch files in one file with a `series` column, sorted by time
"""
import csv, os, sys

data, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)

with open(os.path.join(data, "multikey/beijing_airquality_8stations_hourly_2013_2017.csv")) as f:
    reader = csv.DictReader(f)
    rows = list(reader)
    columns = reader.fieldnames
for r in rows:
    r["time"] = f"{int(r['year']):04d}-{int(r['month']):02d}-{int(r['day']):02d}T{int(r['hour']):02d}:00:00Z"
rows.sort(key=lambda r: r["time"])  # stable: stations keep their order within an hour
with open(os.path.join(out, "beijing.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, ["time"] + columns)
    w.writeheader()
    w.writerows(rows)

import datetime
with open(os.path.join(data, "multikey/exchange_rate_8ccy_daily_lstnet.csv")) as f:
    reader = csv.DictReader(f)
    currencies = [c for c in reader.fieldnames if c != "t_index"]
    origin = datetime.date(1990, 1, 1)
    long = [((origin + datetime.timedelta(days=int(r["t_index"]))).isoformat() + "T00:00:00Z", c, r[c])
            for r in reader for c in currencies]
with open(os.path.join(out, "exchange.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["time", "currency", "rate"])
    w.writerows(long)

aws = os.path.join(data, "nab/realAWSCloudwatch")
rows = []
for name in sorted(n for n in os.listdir(aws) if n.endswith(".csv")):
    with open(os.path.join(aws, name)) as f:
        for r in csv.DictReader(f):
            rows.append((r["timestamp"], os.path.splitext(name)[0], r["value"]))
rows.sort(key=lambda r: r[0])
with open(os.path.join(out, "cloudwatch.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["timestamp", "series", "value"])
    w.writerows(rows)
