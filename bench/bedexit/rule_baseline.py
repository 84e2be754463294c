#!/usr/bin/env python3
"""Rule baseline for Room-1 bed-exit detection: the best single-input threshold rule, fitted on the calibration half.

A rule is (input, direction, threshold): condition c_j = x_j >= thr (or <= thr) on each reading j. Inputs: the three
accelerometer axes, RSSI, and "antenna == a" for a = 1..4. Alert logic, as the pipeline's: raise at a reading where c
holds after at least ARM readings without it (arming), and not within COOLDOWN s of the trial's previous raise.
Scoring as the backtest: an alert at a is true iff an exit e has a - 5 <= e <= a + 15; an exit is detected iff an
alert falls in [e - 15, e + 5]; false alerts per bed-hour = false alerts / sum over trials of (last - first reading).
Fitted by F1 on the calibration half (thresholds: input quantiles), then scored on the other half; both directions
summed. Deterministic (no seed).  usage: rule_baseline.py [--arm 10 | --arm-seconds 10] [--cooldown 30]
(--arm-seconds S: a raise needs the run of readings without the condition just before it to span S seconds.)
"""
import argparse, collections, csv

ap = argparse.ArgumentParser()
ap.add_argument("--arm", type=int, default=10)
ap.add_argument("--cooldown", type=float, default=30)
ap.add_argument("--arm-seconds", type=float, default=0, help="arm by time instead: a calm stretch of this many seconds")
a = ap.parse_args()
DATA = "../shared/data/bed_exit/"
trials = collections.OrderedDict()
for r in csv.DictReader(open(DATA + "torres_rfid_room1_trials.csv")):
    trials.setdefault(r["trial_id"], []).append(r)
exits = collections.defaultdict(list)
for r in csv.DictReader(open(DATA + "torres_rfid_room1_bed_exit_events.csv")):
    exits[r["trial_id"]].append(float(r["first_out_of_bed_time_s"]))
names = list(trials)
halves = {"A": (names[:30], names[30:]), "B": (names[30:], names[:30])}
INPUTS = {f: (lambda r, f=f: float(r[f])) for f in ["acc_frontal_g", "acc_vertical_g", "acc_lateral_g", "rssi"]}
for ant in "1234":
    INPUTS[f"antenna=={ant}"] = lambda r, ant=ant: 1.0 if r["antenna_id"] == ant else 0.0


def alerts_of(keys, fn, sign, thr):
    out = {}
    for k in keys:
        times, off, last, since, calm = [], a.arm, -1e18, None, None
        for r in trials[k]:
            c = sign * fn(r) >= sign * thr
            t = float(r["time_s"])
            # readings: the calm run just before has >= ARM readings; seconds: it spans >= ARM seconds (first to last)
            armed = off >= a.arm if a.arm_seconds <= 0 else since is not None and calm - since >= a.arm_seconds
            if c and armed and t - last >= a.cooldown:
                times.append(t)
                last = t
            off = 0 if c else off + 1
            since, calm = (None, None) if c else (t if since is None else since, t)
        out[k] = times
    return out


def score(keys, al):
    n_al = n_true = n_ev = n_det = 0
    hours = 0.0
    for k in keys:
        ev = exits.get(k, [])
        hours += (float(trials[k][-1]["time_s"]) - float(trials[k][0]["time_s"])) / 3600
        for t in al[k]:
            n_al += 1
            n_true += any(t - 5 <= e <= t + 15 for e in ev)
        for e in ev:
            n_ev += 1
            n_det += any(e - 15 <= t <= e + 5 for t in al[k])
    return dict(alerts=n_al, true=n_true, events=n_ev, detected=n_det, hours=hours)


def f1(s):
    p = s["true"] / s["alerts"] if s["alerts"] else 0
    r = s["detected"] / s["events"] if s["events"] else 0
    return 0 if p + r == 0 else 2 * p * r / (p + r)


total = collections.Counter()
for fold, (cal, test) in halves.items():
    best = None
    for name, fn in INPUTS.items():
        vals = sorted(fn(r) for k in cal for r in trials[k])
        cands = sorted(set(vals[int(q * (len(vals) - 1))] for q in [i / 100 for i in range(1, 100)]))
        for sign in (1, -1):
            for thr in cands:
                s = score(cal, alerts_of(cal, fn, sign, thr))
                if best is None or f1(s) > best[0]:
                    best = (f1(s), name, sign, thr)
    _, name, sign, thr = best
    s = score(test, alerts_of(test, INPUTS[name], sign, thr))
    print(f"fold {fold}: rule {name} {'>=' if sign > 0 else '<='} {thr} (calibration F1 {best[0]:.3f}) -> "
          f"alerts {s['alerts']} true {s['true']} detected {s['detected']}/{s['events']} "
          f"P {s['true']/max(1,s['alerts']):.3f} R {s['detected']/s['events']:.3f} FA/h {(s['alerts']-s['true'])/s['hours']:.2f}")
    total.update(s)
print(f"both folds: alerts {total['alerts']} true {total['true']} detected {total['detected']}/{total['events']} "
      f"precision {total['true']/total['alerts']:.3f} recall {total['detected']/total['events']:.3f} "
      f"false alerts/bed-hour {(total['alerts']-total['true'])/total['hours']:.2f}")
