#!/usr/bin/env python3
"""Recalibration as a ward's trials accumulate (docs/results.md, "What Room 1 permits"; analysis aid).

For each direction of the protocol (calibrate on trials 1-30 -> score 31-60, and the reverse), the scored half is cut
into chunks of N trials in order. Before each chunk, `streamrnn-tools calibrate` learns from the seed weights on the
calibration half plus every scored trial before the chunk (5 passes, sequential replay, threshold by detection F1 on
those trials), then `backtest` scores the chunk from that model (still learning, as the protocol's step 3). Counts
of every chunk and both directions are summed: the protocol's numbers when a room is recalibrated every N trials.
usage: recalibrate.py [--seeds 13,1,2] [--chunk 5] [--dll PATH] [--out DIR]   (from the repository root, after
`dotnet build src/StreamRnn.Tools -c Release`)
"""
import argparse, csv, json, os, subprocess, sys

ap = argparse.ArgumentParser()
ap.add_argument("--seeds", default="13,1,2")
ap.add_argument("--chunk", type=int, default=5)
ap.add_argument("--pipeline", default="config/pipelines/bed-exit.json")
ap.add_argument("--dll", default="src/StreamRnn.Tools/bin/Release/net10.0/streamrnn-tools.dll")
ap.add_argument("--out", default="out/bedexit-recalibrate")
a = ap.parse_args()
CSV = "../shared/data/bed_exit/torres_rfid_room1_trials.csv"
COMMON = ["--csv", CSV, "--time-column", "time_s", "--event-column", "in_bed", "--event-value", "0",
          "--detection-grace", "5", "--key-replay", "sequential"]
with open(CSV, newline="") as f:
    names = list(dict.fromkeys(r["trial_id"] for r in csv.DictReader(f)))


def run(args):
    r = subprocess.run(["dotnet", a.dll] + args, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(args)}\n{r.stderr[-2000:]}")


rows = []
for seed in [int(s) for s in a.seeds.split(",")]:
    base = json.load(open(a.pipeline))
    base["Model"]["Seed"] = seed
    total = dict(alerts=0, true_alerts=0, events=0, detected_events=0, monitored_hours=0.0)
    for fold, (cal, test) in {"A": (names[:30], names[30:]), "B": (names[30:], names[:30])}.items():
        for j in range(0, len(test), a.chunk):
            d = os.path.join(a.out, f"s{seed}{fold}{j:02d}")
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "pipeline.json"), "w") as f:
                json.dump(base, f)
            run(["calibrate", "--pipeline", os.path.join(d, "pipeline.json")] + COMMON +
                ["--keys", ",".join(cal + test[:j]), "--passes", "5", "--thresholds", "0.3,0.4,0.5,0.6,0.7,0.8,0.9",
                 "--clear-ratio", "0.5", "--out", os.path.join(d, "cal")])
            run(["backtest", "--pipeline", os.path.join(d, "cal", "pipeline.json")] + COMMON +
                ["--chart-keys", "0", "--keys", ",".join(test[j:j + a.chunk]), "--out", os.path.join(d, "score")])
            with open(os.path.join(d, "score", "report.json")) as f:
                q = json.load(f)["alerts"]["detection_quality"]
            for k in total:
                total[k] += q[k] or 0
    rec = total["detected_events"] / total["events"]
    prec = total["true_alerts"] / total["alerts"] if total["alerts"] else float("nan")
    fah = (total["alerts"] - total["true_alerts"]) / total["monitored_hours"]
    rows.append((prec, rec, fah))
    print(f"seed {seed}: detected {total['detected_events']}/{total['events']} alerts {total['alerts']} true "
          f"{total['true_alerts']} precision {prec:.3f} recall {rec:.3f} false/bed-hour {fah:.2f}", flush=True)
for i, name in [(0, "precision"), (1, "recall"), (2, "false alerts per bed-hour")]:
    vals = [r[i] for r in rows]
    print(f"mean {name} {sum(vals) / len(vals):.3f} (range {min(vals):.3f}-{max(vals):.3f})")
