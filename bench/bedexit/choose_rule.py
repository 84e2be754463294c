#!/usr/bin/env python3
"""Alert rule chosen on the calibration half from a protocol.py run, without rerunning the engine.

The alert rule does not touch training, so a replay's predictions.csv fixes every rule's alerts; alert_sim replays
the engine's rule (KeyAlertState: arming, threshold/clear, cooldown from raise and clear, k-of-n) exactly on it.
For each seed and fold of RUN_DIR (protocol.py --out): the rule (Threshold, ArmReadings) with the best detection F1
on the calibration predictions (--from cal: CAL replayed from cal.srnn, i.e. cal-t0.3/; --from inner: the two inner
held-out parts of a --threshold-from inner run), ClearThreshold half of it, Cooldown 30 s; then that rule scored on
the fold's score/predictions.csv. Both folds summed per seed, mean and range over seeds.
usage: choose_rule.py RUN_DIR [--from cal|inner] [--arms 0,3,10] [--seeds 13,1,2]
"""
import argparse, collections, csv, os

D = "../shared/data/bed_exit/"
GRID = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
EVENTS = collections.defaultdict(list)
for r in csv.DictReader(open(D + "torres_rfid_room1_bed_exit_events.csv")):
    EVENTS[r["trial_id"]].append(float(r["first_out_of_bed_time_s"]) * 1000)
FIRST, LAST = {}, {}
for r in csv.DictReader(open(D + "torres_rfid_room1_trials.csv")):
    FIRST.setdefault(r["trial_id"], float(r["time_s"]) * 1000)
    LAST[r["trial_id"]] = float(r["time_s"]) * 1000


def load(run):
    pred = collections.defaultdict(list)
    for r in csv.DictReader(open(os.path.join(run, "predictions.csv"))):
        pred[r["key"]].append((int(r["time_ms"]), float(r["prediction"])))
    # the sequential replay shifts each trial: align the events on the key's first reading
    shift = {k: v[0][0] - FIRST[k] for k, v in pred.items()}
    events = {k: [e + shift[k] for e in EVENTS.get(k, [])] for k in pred}
    return pred, events, sum(LAST[k] - FIRST[k] for k in pred) / 3.6e6


def alert_sim(pred, events, hours, thr, arm, cooldown_ms=30000, arm_ms=0):
    """arm readings (ArmReadings) or, with arm_ms > 0, arming after a calm stretch of arm_ms milliseconds."""
    clear = thr / 2
    n_al = n_true = n_ev = n_det = 0
    for key, ps in pred.items():
        alerts, calm, raised, armed, quiet, since = [], 0, False, arm == 0 and arm_ms == 0, -1e18, None
        for t, p in ps:
            if raised:
                if p < clear:
                    raised, calm, quiet, since = False, 1, max(quiet, t + cooldown_ms), t
                    armed = calm >= arm if arm_ms == 0 else False
                continue
            if not armed:
                calm = calm + 1 if p < clear else 0
                if arm_ms:
                    since = (since if since is not None else t) if p < clear else None
                    armed = since is not None and t - since >= arm_ms
                else:
                    armed = calm >= arm
                continue
            if p >= thr and t >= quiet:
                alerts.append(t)
                raised, armed, calm, quiet, since = True, arm == 0 and arm_ms == 0, 0, t + cooldown_ms, None
        ev = events[key]
        for a in alerts:
            n_al += 1
            n_true += any(a - 5000 <= e <= a + 15000 for e in ev)
        for e in ev:
            n_ev += 1
            n_det += any(e - 15000 <= a <= e + 5000 for a in alerts)
    return [n_al, n_true, n_ev, n_det, hours]


def f1(c):
    p = c[1] / c[0] if c[0] else 0
    r = c[3] / c[2] if c[2] else 0
    return 0 if p + r == 0 else 2 * p * r / (p + r)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument("--from", dest="source", choices=["cal", "inner"], default="cal")
    ap.add_argument("--arms", default="0,3,10")
    ap.add_argument("--seeds", default="13,1,2")
    ap.add_argument("--arm-seconds", action="store_true", help="--arms are seconds of calm, not readings")
    a = ap.parse_args()
    arms = [int(x) for x in a.arms.split(",")]

    def rule(pred, ev, h, thr, arm):
        return alert_sim(pred, ev, h, thr, 0, arm_ms=arm * 1000) if a.arm_seconds else alert_sim(pred, ev, h, thr, arm)

    rows = []
    for seed in a.seeds.split(","):
        total, picks = [0] * 5, []
        for fold in "AB":
            d = os.path.join(a.run, f"s{seed}{fold}")
            cals = [load(os.path.join(d, "cal-t0.3"))] if a.source == "cal" else \
                [load(os.path.join(d, f"inner{i}-t0.3")) for i in (0, 1)]
            best = None
            for arm in arms:
                for thr in GRID:
                    c = [0] * 5
                    for pred, ev, h in cals:
                        c = [x + y for x, y in zip(c, rule(pred, ev, h, thr, arm))]
                    if best is None or f1(c) >= best[0]:
                        best = (f1(c), thr, arm)
            picks.append(best[1:])
            s = rule(*load(os.path.join(d, "score")), best[1], best[2])
            total = [x + y for x, y in zip(total, s)]
        prec, rec, fah = total[1] / max(1, total[0]), total[3] / total[2], (total[0] - total[1]) / total[4]
        rows.append((prec, rec, fah))
        print(f"seed {seed}: alerts {total[0]} true {total[1]} detected {total[3]}/{total[2]} precision {prec:.3f} "
              f"recall {rec:.3f} false/bed-hour {fah:.2f} rules (threshold, arm) {picks}")
    for i, name in enumerate(["precision", "recall", "false alerts per bed-hour"]):
        v = [r[i] for r in rows]
        print(f"mean {name} {sum(v) / len(v):.3f} (range {min(v):.3f}-{max(v):.3f})")


if __name__ == "__main__":
    main()
