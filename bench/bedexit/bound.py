#!/usr/bin/python3
"""What Room 1 permits under issue 11's scoring (analysis aid, no engine; needs Debian's python3-sklearn, run with
/usr/bin/python3; reads ../shared/data/bed_exit beside the repository). Deterministic.

1. The exits themselves: how many readings each has in [exit, exit + 5 s], and how many are the trial's last movement
   (the recording stops within 25 s of the exit, so nothing after it can be used).
2. A per-reading out-of-bed classifier far stronger than the protocol allows: gradient boosting on ceiling.py's 40
   causal inputs, fitted on 48 trials and predicting the other 12 (5 interleaved folds, trial i in fold i mod 5, every
   trial predicted once out of fold; neighbouring trials are alike, so this is the most favourable split). Its
   per-reading accuracy.
3. Alert rules on those predictions, tuned with hindsight on all 83 exits (an upper bound for these inputs, not a
   protocol): the engine's shape (raise at p >= thr after a calm stretch, cooldown) and a two-state tracker (in bed ->
   out of bed when k readings in a row have p >= hi, the only moment it alerts; back to in bed when p <= lo has held
   for H s). The best recall reachable under each cap on false alerts per bed-hour, the fewest false alerts any rule
   reaches, and where the false alerts of the F1-best rule fall (in bed, or out of bed: late or repeated alerts).
4. The same for harder, more realistic splits: 48 trials predicting a contiguous block of 12 (5 blocks), and one half
   (30 trials) predicting the other, as the protocol allows.
5. With protocol.py output directories as arguments: the same rules, with hindsight, on the learned model's own
   scored predictions (DIR/s<seed><fold>/score/predictions.csv), per seed; with --average also for the seeds'
   probabilities averaged per reading (an ensemble of the seeds' models).
6. With --refit: the classifier refitted before each scored trial on the calibration half plus the scored half's
   earlier trials (a room that keeps learning from every labelled session).
usage: bound.py [PROTOCOL_OUT_DIR ...] [--average] [--refit]
"""
import collections, csv, glob, itertools, os, sys
import numpy as np
from ceiling import F, names, trials, exits, fit, predict, score, raises

# 1. the exits
buckets = collections.Counter()
at_end = 0
for k in names:
    ts = np.array([t for (t, _, _) in F[k]])
    for e in exits.get(k, []):
        n5 = int(((ts >= e) & (ts <= e + 5)).sum())
        buckets["1" if n5 <= 1 else "2" if n5 == 2 else "3-5" if n5 <= 5 else "6+"] += 1
        at_end += ts[-1] - e <= 25
n_exits = sum(buckets.values())
print(f"exits {n_exits}; readings in [exit, exit + 5 s]: " + ", ".join(f"{b}: {buckets[b]}" for b in ["1", "2", "3-5", "6+"]))
print(f"exits that are the trial's last movement (recording ends within 25 s): {at_end}")

# 2. out-of-fold per-reading classifier
oof = {}
for i in range(5):
    inner = names[i::5]
    oof.update(predict(fit([k for k in names if k not in inner]), inner))
Y = {k: np.array([y for (_, _, y) in F[k]]) for k in names}
T = {k: np.array([t for (t, _, _) in F[k]]) for k in names}
acc = np.mean(np.concatenate([(oof[k] >= 0.5) == Y[k] for k in names]))
print(f"per-reading accuracy out of fold (in bed / out of bed): {acc:.4f}")


# 3. alert rules, tuned with hindsight
def engine_shape(P, ts, thr, arm_s, cooldown):
    return raises(ts, P, thr, arm_s, cooldown)


def tracker(P, ts, hi, lo, k_in, hold):
    out, out_of_bed, run, since = [], True, 0, None   # starts unarmed, as the engine does: a calm stretch first
    for t, p in zip(ts, P):
        if not out_of_bed:
            run = run + 1 if p >= hi else 0
            if run >= k_in:
                out_of_bed, run, since = True, 0, None
                out.append(t)
        elif p <= lo:
            since = t if since is None else since
            out_of_bed = t - since < hold
        else:
            since = None
    return out


rules = [("engine", (thr, arm, cd), engine_shape) for thr, arm, cd in itertools.product(
    [0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.95, 0.98, 0.99], [0, 5, 10, 20, 40], [30, 60, 120])]
rules += [("tracker", (hi, lo, k, h), tracker) for hi, lo, k, h in itertools.product(
    [0.2, 0.3, 0.5, 0.7, 0.9, 0.95, 0.98, 0.99], [0.02, 0.1, 0.3], [1, 2, 3], [0, 5, 20, 60]) if lo < hi]
def frontier(pred, what):
    results = []
    for kind, args, fn in rules:
        al = {k: fn(pred[k], T[k], *args) for k in names}
        s = score(names, al)
        r, p = s["detected"] / s["events"], s["true"] / max(1, s["alerts"])
        results.append((r, p, (s["alerts"] - s["true"]) / s["hours"], kind, args, al))
    print(f"{what}: {len(results)} rules tried; fewest false alerts per bed-hour reached: {min(x[2] for x in results):.2f}")
    for cap in [1, 2, 3, 5, 8, float("inf")]:
        ok = [x for x in results if x[2] <= cap]
        if not ok:
            print(f"  false alerts per bed-hour <= {cap:g}: no rule")
            continue
        r, p, fa, kind, args, _ = max(ok, key=lambda x: (x[0], x[1]))
        print(f"  false alerts per bed-hour <= {cap:g}: best recall {r:.3f} (precision {p:.3f}, {fa:.2f}/h) {kind} {args}")
    ok = [x for x in results if x[1] >= 0.8]
    if ok:
        r, p, fa, kind, args, _ = max(ok, key=lambda x: (x[0], -x[2]))
        print(f"  precision >= 0.80: best recall {r:.3f} (precision {p:.3f}, {fa:.2f}/h) {kind} {args}")
    return results


results = frontier(oof, "trained on 48 trials (5 interleaved folds)")
r, p, fa, kind, args, al = max(results, key=lambda x: 0 if x[0] + x[1] == 0 else 2 * x[0] * x[1] / (x[0] + x[1]))
where = collections.Counter()
for k in names:
    ev = exits.get(k, [])
    for t in al[k]:
        if not any(t - 5 <= e <= t + 15 for e in ev):
            where["out of bed" if Y[k][np.searchsorted(T[k], t)] == 1 else "in bed"] += 1
print(f"  F1-best rule: recall {r:.3f} precision {p:.3f} false/bed-hour {fa:.2f} {kind} {args}; "
      f"its false alerts: {dict(where)}")

# 4. the same classifier scored on blocks of neighbouring trials it has not seen: 48 trials -> the other 12 (contiguous,
# as protocol.py --halves folds5), and one half (30 trials) -> the other, as the protocol allows
for what, folds in [("trained on 48 trials, scored on a contiguous block of 12", [
        ([k for k in names if k not in names[12 * i:12 * i + 12]], names[12 * i:12 * i + 12]) for i in range(5)]),
        ("trained on 30 trials (the halves)", [(names[:30], names[30:]), (names[30:], names[:30])])]:
    frontier({k: v for cal, test in folds for k, v in predict(fit(cal), test).items()}, what)

# 5. the learned model's own predictions from protocol.py runs, under the same hindsight-tuned rules
for run in [arg for arg in sys.argv[1:] if not arg.startswith("--")]:
    seeds = sorted({os.path.basename(d)[1:-1] for d in glob.glob(os.path.join(run, "s*")) if os.path.isdir(d)})
    preds = {}
    for seed in seeds:
        pred = {}
        for path in glob.glob(os.path.join(run, f"s{seed}?", "score", "predictions.csv")):
            with open(path, newline="") as f:
                for r in csv.DictReader(f):
                    pred.setdefault(r["key"], []).append(float(r["prediction"]))
        if sorted(pred) != sorted(names) or any(len(pred[k]) != len(T[k]) for k in names):
            sys.exit(f"{run} seed {seed}: predictions do not cover every reading of the 60 trials once")
        preds[seed] = {k: np.array(v) for k, v in pred.items()}
        frontier(preds[seed], f"{run}, seed {seed} (its own scored predictions)")
    if "--average" in sys.argv and len(preds) > 1:   # an ensemble: the seeds' probabilities averaged per reading
        frontier({k: np.mean([p[k] for p in preds.values()], axis=0) for k in names},
                 f"{run}, seeds {', '.join(preds)} averaged")

# 6. --refit: the classifier refitted before each scored trial on the calibration half plus the scored half's earlier
# trials, as a room that keeps every labelled session would (about 2 minutes on 2 cores)
if "--refit" in sys.argv:
    pred = {}
    for cal, test in [(names[:30], names[30:]), (names[30:], names[:30])]:
        for j, k in enumerate(test):
            pred.update(predict(fit(cal + test[:j]), [k]))
    frontier(pred, "trained on the calibration half and the scored half's earlier trials, refitted per trial")
