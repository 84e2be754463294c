#!/usr/bin/env python3
"""Writes the dev-data series of docs/results.md "Baselines in every report" as backtest CSVs and pipelines.

Usage: prepare.py DATA_DIR WORK_DIR   (DATA_DIR = ../shared/data; WORK_DIR is created)
Each output CSV has a `key` column (one series per key) and a `t` column (Unix seconds); each pipeline is a shipped
pipeline (config/pipelines/machine-temperature.json for sensor-like series, stocks.json for S&P) with only the
field names changed. Nothing here is tuned on the data.
"""
import csv, json, os, sys, datetime

data, work = sys.argv[1], sys.argv[2]
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
os.makedirs(work, exist_ok=True)


def epoch(text):
    return int(datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.timezone.utc).timestamp())


def write(name, rows, columns):
    with open(os.path.join(work, name + ".csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        w.writerows(rows)


def sensor(name, field):
    with open(os.path.join(root, "config/pipelines/machine-temperature.json")) as f:
        p = json.load(f)
    p["Name"] = name
    for feature in p["Features"]:
        feature["Field"] = field
    p["Target"]["Field"] = field
    with open(os.path.join(work, name + ".json"), "w") as f:
        json.dump(p, f, indent=2)


def nab(name, paths):
    rows = []
    for path in paths:
        key = os.path.splitext(os.path.basename(path))[0]
        with open(path) as f:
            for r in csv.DictReader(f):
                rows.append((key, epoch(r["timestamp"]), r["value"]))
    write(name, rows, ["key", "t", "value"])
    sensor(name, "value")


nab("machine_temperature", [os.path.join(data, "nab/realKnownCause/machine_temperature_system_failure.csv")])
nab("nyc_taxi", [os.path.join(data, "nab/realKnownCause/nyc_taxi.csv")])
aws = os.path.join(data, "nab/realAWSCloudwatch")
nab("aws_cloudwatch", sorted(os.path.join(aws, n) for n in os.listdir(aws) if n.endswith(".csv")))

with open(os.path.join(data, "ett/ETTh1.csv")) as f:
    write("etth1_ot", [("ETTh1", epoch(r["date"]), r["OT"]) for r in csv.DictReader(f)], ["key", "t", "OT"])
sensor("etth1_ot", "OT")

with open(os.path.join(data, "multikey/beijing_airquality_8stations_hourly_2013_2017.csv")) as f:
    rows = []
    for r in csv.DictReader(f):
        t = int(datetime.datetime(int(r["year"]), int(r["month"]), int(r["day"]), int(r["hour"]), tzinfo=datetime.timezone.utc).timestamp())
        rows.append((r["station"], t, "" if r["PM2.5"] in ("", "NA") else r["PM2.5"]))
write("beijing_pm25", rows, ["key", "t", "pm25"])
sensor("beijing_pm25", "pm25")

with open(os.path.join(data, "multikey/exchange_rate_8ccy_daily_lstnet.csv")) as f:
    reader = csv.DictReader(f)
    currencies = [c for c in reader.fieldnames if c != "t_index"]
    # No dates in the file: day t_index after 1990-01-01.
    rows = [(c, 631152000 + 86400 * int(r["t_index"]), r[c]) for r in reader for c in currencies]
write("exchange_rates", rows, ["key", "t", "rate"])
sensor("exchange_rates", "rate")

with open(os.path.join(data, "stocks/sp500_daily_2013_2018_100sym.csv")) as f:
    rows = [(r["symbol"], epoch(r["date"]), r["open"], r["high"], r["low"], r["close"], r["volume"]) for r in csv.DictReader(f)]
write("sp500", rows, ["symbol", "t", "open", "high", "low", "close", "volume"])
with open(os.path.join(root, "config/pipelines/stocks.json")) as f:
    p = json.load(f)
with open(os.path.join(work, "sp500.json"), "w") as f:
    json.dump(p, f, indent=2)
