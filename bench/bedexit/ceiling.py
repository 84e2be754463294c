#!/usr/bin/python3
"""How far does a strong per-reading classifier get on Room 1? (analysis aid, no engine; needs Debian's python3-sklearn,
run with /usr/bin/python3; reads ../shared/data/bed_exit beside the repository.)

Per reading, computed causally per trial: the three axes, RSSI, antenna one-hot, CategoryAge of the 4 antennas
("base"); "rich" adds the last RSSI per antenna, Activity of each axis at tau 1 s and 5 s, the gap to the previous
reading, the readings and per-antenna counts in the last 5 s, min / max / std of each axis over the last 5 s, the axes'
differences and the time since the trial's start (40 inputs). Label: out of bed now (optionally within W s). A
histogram gradient-boosting classifier (200 trees, balanced weights) is fitted on the calibration half; the alert
threshold (0.1..0.9) is chosen by detection F1 on out-of-fold predictions inside the calibration half (3 folds by
trial); the alert rule is the engine's shape (raise at p >= threshold after a calm stretch of 10 s, cooldown 30 s);
scoring as rule_baseline.py. Both directions summed. --folds5 instead fits on 48 trials and scores the other 12, five
times (contiguous blocks, as protocol.py --halves folds5), counts summed; --interleaved5 with trial i in fold i mod 5.
usage: ceiling.py [base|rich] [W] [--folds5 | --interleaved5]
"""
import collections, csv, math, sys
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
import os
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data", "bed_exit") + "/"
trials = collections.OrderedDict()
for r in csv.DictReader(open(DATA + "torres_rfid_room1_trials.csv")):
    trials.setdefault(r["trial_id"], []).append(r)
exits = collections.defaultdict(list)
for r in csv.DictReader(open(DATA + "torres_rfid_room1_bed_exit_events.csv")):
    exits[r["trial_id"]].append(float(r["first_out_of_bed_time_s"]))
names = list(trials)
ARGV = [a for a in sys.argv[1:] if not a.startswith("--")] if __name__ == "__main__" else []
MODE = ARGV[0] if len(ARGV) > 0 else "rich"
LABEL_W = float(ARGV[1]) if len(ARGV) > 1 else 0.0   # anticipation: out within W s
def feats(k):
    rows = trials[k]; out = []; last = {}; lastr = {}; hist = collections.deque(); act = [0.0]*6; prev = None; tprev = None
    t0 = float(rows[0]["time_s"])
    for r in rows:
        t = float(r["time_s"]); x = [float(r["acc_frontal_g"]), float(r["acc_vertical_g"]), float(r["acc_lateral_g"])]
        a = r["antenna_id"]; rs = float(r["rssi"]); last[a] = t; lastr[a] = rs
        dt = 0 if tprev is None else t - tprev
        for j in range(3):
            d = 0 if prev is None else abs(x[j] - prev[j])
            act[j] = act[j]*math.exp(-dt/1.0) + d; act[3+j] = act[3+j]*math.exp(-dt/5.0) + d
        hist.append((t, x, a, rs))
        while hist[0][0] < t - 5: hist.popleft()
        xs = np.array([h[1] for h in hist])
        f = x + [rs] + [1.0 if a == c else 0.0 for c in "1234"] + [0 if c not in last else 1/(1+t-last[c]) for c in "1234"]
        if MODE != "base":
            f += [lastr.get(c, -80.0) for c in "1234"] + [math.log1p(v) for v in act] + [dt, len(hist)]
            f += list(xs.min(0)) + list(xs.max(0)) + list(xs.std(0)) + [sum(1 for h in hist if h[2] == c) for c in "1234"]
            f += [0 if prev is None else x[j] - prev[j] for j in range(3)] + [t - t0]
        prev = x; tprev = t
        y = 1 if r["in_bed"] == "0" else 0
        out.append((t, f, y))
    if LABEL_W > 0:
        ts = [o[0] for o in out]; ys = [o[2] for o in out]
        lab = []
        for i, (t, f, y) in enumerate(out):
            yy = y
            j = i
            while not yy and j + 1 < len(out) and ts[j + 1] <= t + LABEL_W:
                j += 1; yy = ys[j]
            lab.append((t, f, yy))
        out = lab
    return out
F = {k: feats(k) for k in names}
def raises(ts, P, thr, arm_s=10.0, cooldown=30.0):
    """The engine's alert shape on one trial: raise at p >= thr after a calm stretch of arm_s, cooldown s apart."""
    times, last, since, calm = [], -1e18, None, None
    for t, p in zip(ts, P):
        c = p >= thr
        armed = since is not None and calm - since >= arm_s
        if c and armed and t - last >= cooldown:
            times.append(t); last = t
        if c:
            since, calm = None, None
        else:
            since, calm = (t if since is None else since), t
    return times
def alerts_of(keys, P, thr, arm_s=10.0, cooldown=30.0):
    return {k: raises([t for (t, _, _) in F[k]], P[k], thr, arm_s, cooldown) for k in keys}
def score(keys, al):
    s = collections.Counter()
    for k in keys:
        ev = exits.get(k, []); s["hours"] += (float(trials[k][-1]["time_s"]) - float(trials[k][0]["time_s"])) / 3600
        for t in al[k]:
            s["alerts"] += 1; s["true"] += any(t - 5 <= e <= t + 15 for e in ev)
        for e in ev:
            s["events"] += 1; s["detected"] += any(e - 15 <= t <= e + 5 for t in al[k])
    return s
def f1(s):
    p = s["true"]/s["alerts"] if s["alerts"] else 0; r = s["detected"]/s["events"] if s["events"] else 0
    return 0 if p + r == 0 else 2*p*r/(p+r)
def fit(keys):
    X = np.array([f for k in keys for (_, f, _) in F[k]]); y = np.array([yy for k in keys for (_, _, yy) in F[k]])
    w = np.where(y == 1, (y == 0).sum()/max(1, (y == 1).sum()), 1.0)
    return HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_leaf_nodes=15, random_state=1).fit(X, y, sample_weight=w)
def predict(m, keys):
    return {k: m.predict_proba(np.array([f for (_, f, _) in F[k]]))[:, 1] for k in keys}
if __name__ == "__main__":
    halves = {"A": (names[:30], names[30:]), "B": (names[30:], names[:30])}
    if "--folds5" in sys.argv:   # learning curve: 5 blocks of 12 trials, each scored by a model fitted on the other 48
        halves = {str(i + 1): ([k for k in names if k not in names[12*i:12*i + 12]], names[12*i:12*i + 12]) for i in range(5)}
    if "--interleaved5" in sys.argv:   # trial i in fold i mod 5: each participant's other trials are in training
        halves = {str(i + 1): ([k for k in names if k not in names[i::5]], names[i::5]) for i in range(5)}
    total = collections.Counter()
    for fold, (cal, test) in halves.items():
        # threshold from out-of-fold predictions inside the calibration half (3 folds by trial)
        oof = {}
        for i in range(3):
            inner = cal[i::3]; rest = [k for k in cal if k not in inner]
            oof.update(predict(fit(rest), inner))
        best = max((f1(score(cal, alerts_of(cal, oof, thr))), thr) for thr in [0.1*i for i in range(1, 10)])
        m = fit(cal); P = predict(m, test)
        s = score(test, alerts_of(test, P, best[1]))
        print(f"fold {fold}: thr {best[1]:.1f} (cal F1 {best[0]:.3f}) R {s['detected']}/{s['events']} P {s['true']}/{s['alerts']} FA/h {(s['alerts']-s['true'])/s['hours']:.2f}")
        total.update(s)
    print(f"{MODE} W={LABEL_W}: recall {total['detected']/total['events']:.3f} precision {total['true']/max(1,total['alerts']):.3f} FA/h {(total['alerts']-total['true'])/total['hours']:.2f}")
