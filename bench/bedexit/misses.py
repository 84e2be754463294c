#!/usr/bin/env python3
"""Why exits are missed (analysis aid): for each exit of the scored trials, the largest p in [exit-15 s, exit+5 s],
the alerts around it and the state of the key's alert at exit-15 s. usage: misses.py RUN_DIR"""
import csv, sys, collections
run = sys.argv[1]
ev = collections.defaultdict(list)
for r in csv.DictReader(open("../shared/data/bed_exit/torres_rfid_room1_bed_exit_events.csv")):
    ev[r["trial_id"]].append(float(r["first_out_of_bed_time_s"]) * 1000)
first = {}
for r in csv.DictReader(open("../shared/data/bed_exit/torres_rfid_room1_trials.csv")):
    first.setdefault(r["trial_id"], float(r["time_s"]) * 1000)
pred = collections.defaultdict(list)
for r in csv.DictReader(open(run + "/predictions.csv")):
    pred[r["key"]].append((int(r["time_ms"]), float(r["prediction"]), r["target"]))
al = collections.defaultdict(list)
for r in csv.DictReader(open(run + "/alerts.csv")):
    al[r["key"]].append((int(r["time_ms"]), r["state"]))
# sequential replay shifts each trial: align on the key's first reading
shift = {k: v[0][0] - first[k] for k, v in pred.items()}
for k in ev:
    ev[k] = [e + shift.get(k, 0) for e in ev[k]]
hit = miss = 0
for k in pred:
    for e in ev.get(k, []):
        ps = [p for t, p, _ in pred[k] if e - 15000 <= t <= e + 5000]
        a = [(t, s) for t, s in al[k] if e - 15000 <= t <= e + 5000 and s == "raised"]
        before = [s for t, s in al[k] if t < e - 15000]
        open_ = before and before[-1] == "raised"
        ok = bool(a)
        hit += ok; miss += not ok
        if not ok:
            print(f"{k} exit {e/1000:.1f}s maxp {max(ps) if ps else float('nan'):.2f} n {len(ps)} open_before {open_} "
                  f"prev alerts {[(t/1000, s) for t, s in al[k] if t < e + 5000][-3:]}")
print("hit", hit, "miss", miss)
