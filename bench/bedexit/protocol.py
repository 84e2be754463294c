#!/usr/bin/env python3
"""Room-1 calibration protocol for a bed-exit pipeline (docs/results.md, bed exit).

For each seed and each direction (calibrate on trials 1-30 -> score 31-60, and the reverse):
  1.-2. by default (--calibrate passes, --threshold-from cal) both steps are one product command,
     `streamrnn-tools calibrate --keys CAL --passes P` (docs/backtest.md), which learns as in 1 and chooses the threshold
     as in 2 (in process, with identical results); --separate-steps, and the other modes, run them as backtests:
  1. calibrate: backtest --keys CAL --passes P --save-model cal.srnn, or with --calibrate train the offline trainer:
     streamrnn-tools train on CAL's rows (written to a CSV with the trials one after another in time, as
     --key-replay sequential replays them, so train's time-ordered validation split holds out CAL's last trials),
     --epochs/--patience/--train-lr, shuffle seed = the model seed
  2. choose the alert threshold on the calibration half only: replay CAL from cal.srnn once per candidate
     threshold (ClearThreshold = half of it) and keep the one with the best F1 of detection (ties: the higher one)
     -- or keep the pipeline's own threshold with --fixed-threshold -- or, with --threshold-from inner, cross-fitted
     inside CAL: split CAL in two by trial order, calibrate on each part (P passes) and replay the other part per
     threshold, and keep the best F1 of the two parts' summed counts (the model is not scored on its own training
     trials, where its probabilities are sharper than on new ones)
  3. score: backtest --keys TEST --model cal.srnn with that threshold.
Detection counts of both directions are summed per seed; the mean and range over seeds are printed.

usage: protocol.py PIPELINE [--seeds 13,1,2] [--passes 5] [--fixed-threshold | --threshold-from cal|inner]
                   [--out out/bedexit-protocol]
                   [--halves room|tune] [--set Section.Setting=JSON ...] [--dll PATH]
                   [--calibrate passes|train [--epochs 20] [--patience 3] [--train-lr RATE]] [--separate-steps]
--halves tune calibrates on trials 1-10 and scores 11-20 (and the reverse): where settings are chosen, so that
trials 21-60 are never looked at while tuning. --halves folds5 is a learning-curve check, not the issue's protocol:
five folds of 12 trials, each scored by a model calibrated on the other 48 (counts of the five folds summed);
--halves interleaved5 puts trial i in fold i mod 5 instead (a split that mixes each participant's trials). --set overrides a pipeline setting, e.g.
--set Alerts.RaiseK=2 --set Training.PromotionCriterion='"AveragePrecision"'. --score-set does the same for step 3
only (how the model keeps learning while it is scored). --models-from DIR reuses the
calibrated models of an earlier run with the same training settings (DIR/s<seed><fold>/cal.srnn) instead of step 1:
for variants that change only the alert rule.
Run from the repository root after `dotnet build src/StreamRnn.Tools -c Release`.
"""
import argparse, csv, json, os, shutil, subprocess, sys

DLL = "src/StreamRnn.Tools/bin/Release/net10.0/streamrnn-tools.dll"
CSV = "../shared/data/bed_exit/torres_rfid_room1_trials.csv"
HALVES = {"A": ("d1p01M..d1p30F", "d1p31F..d1p60F"), "B": ("d1p31F..d1p60F", "d1p01M..d1p30F")}
TUNE = {"A": ("d1p01M..d1p10F", "d1p11F..d1p20F"), "B": ("d1p11F..d1p20F", "d1p01M..d1p10F")}
# --threshold-from inner: the calibration half split in two (by trial order) for a cross-fitted threshold choice.
INNER = {"d1p01M..d1p30F": ("d1p01M..d1p15F", "d1p16F..d1p30F"), "d1p31F..d1p60F": ("d1p31F..d1p45M", "d1p46M..d1p60F"),
         "d1p01M..d1p10F": ("d1p01M..d1p05M", "d1p06M..d1p10F"), "d1p11F..d1p20F": ("d1p11F..d1p15F", "d1p16F..d1p20F")}


def folds(k=5, interleaved=False):
    """--halves folds5: the 60 trials in k contiguous blocks; each block is scored once, calibrated on the other four.
    --halves interleaved5: trial i in fold i mod k instead, so a scored trial's neighbours (most likely the same
    participant's other trials) are in its calibration set."""
    with open(CSV, newline="") as f:
        names = list(dict.fromkeys(r["trial_id"] for r in csv.DictReader(f)))
    size = len(names) // k
    out = {}
    for i in range(k):
        if interleaved:
            test = names[i::k]
            out[str(i + 1)] = (",".join(n for n in names if n not in test), ",".join(test))
            continue
        test = names[i * size:(i + 1) * size]
        cal = [r for r in [names[:i * size], names[(i + 1) * size:]] if r]
        out[str(i + 1)] = (",".join(f"{r[0]}..{r[-1]}" for r in cal), f"{test[0]}..{test[-1]}")
    return out


GRID = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]


def backtest(pipeline, keys, out, extra):
    cmd = ["dotnet", ARGS.dll, "backtest", "--pipeline", pipeline, "--csv", CSV, "--time-column", "time_s",
           "--event-column", "in_bed", "--event-value", "0", "--detection-grace", "5", "--key-replay", "sequential",
           "--chart-keys", "0", "--keys", keys, "--out", out] + extra
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"backtest failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr[-2000:]}")
    with open(os.path.join(out, "report.json")) as f:
        return json.load(f)["alerts"]["detection_quality"]


def sequential_csv(keys, path):
    """CAL's rows (keys FIRST..LAST[,FIRST..LAST] in order of first appearance) with each trial's time_s shifted to start 1 s after
    the previous trial's last reading, as backtest --key-replay sequential does (BacktestInput.InSequence)."""
    if os.path.exists(path):
        return path
    with open(CSV, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    ki, ti = header.index("trial_id"), header.index("time_s")
    order = list(dict.fromkeys(r[ki] for r in rows))
    wanted = set()
    for part in keys.split(","):
        first, last = part.split("..")
        wanted.update(order[order.index(first):order.index(last) + 1])
    span = {}
    for r in rows:
        if r[ki] in wanted:
            t = float(r[ti])
            lo, hi = span.get(r[ki], (t, t))
            span[r[ki]] = (min(lo, t), max(hi, t))
    shift, nxt = {}, None
    for k in order:
        if k in wanted:
            lo, hi = span[k]
            start = lo if nxt is None else nxt
            shift[k] = start - lo
            nxt = start + (hi - lo) + 1.0
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            if r[ki] in wanted:
                r = list(r)
                r[ti] = repr(round(float(r[ti]) + shift[r[ki]], 6))
                w.writerow(r)
    os.replace(tmp, path)
    return path


def train(pipeline, keys, model, report, seed):
    data = sequential_csv(keys, os.path.join(ARGS.out, "cal-" + keys.replace("..", "-") + ".csv"))
    cmd = ["dotnet", ARGS.dll, "train", "--pipeline", pipeline, "--csv", data, "--time-column", "time_s",
           "--out", model, "--report", report, "--epochs", str(ARGS.epochs), "--patience", str(ARGS.patience),
           "--seed", str(seed)] + (["--learning-rate", str(ARGS.train_lr)] if ARGS.train_lr else [])
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"train failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr[-2000:]}")
    with open(os.path.join(report, "train.log"), "w") as f:
        f.write(r.stderr + r.stdout)


def calibrate(pipeline, keys, out, model, seed):
    if ARGS.calibrate == "train":
        train(pipeline, keys, model, out, seed)
    else:
        backtest(pipeline, keys, out, ["--passes", str(ARGS.passes), "--save-model", model])


def calibrate_command(pipeline, keys, out, model):
    """Steps 1-2 as the product command: learn on CAL (P passes), choose the threshold on CAL; returns the threshold."""
    cmd = ["dotnet", ARGS.dll, "calibrate", "--pipeline", pipeline, "--csv", CSV, "--time-column", "time_s",
           "--event-column", "in_bed", "--event-value", "0", "--detection-grace", "5", "--key-replay", "sequential",
           "--keys", keys, "--passes", str(ARGS.passes), "--thresholds", ",".join(str(t) for t in GRID),
           "--clear-ratio", "0.5", "--out", out]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"calibrate failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr[-2000:]}")
    shutil.copyfile(os.path.join(out, "model.srnn"), model)
    with open(os.path.join(out, "calibration.json")) as f:
        return json.load(f)["chosen"]["threshold"]


def variant(base, seed, threshold, path, scoring=False):
    d = json.loads(json.dumps(base))
    for item in ARGS.set + (ARGS.score_set if scoring else []):
        setting, value = item.split("=", 1)
        *parents, leaf = setting.split(".")
        node = d
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = json.loads(value)
    d["Model"]["Seed"] = seed
    if threshold is not None:
        d["Alerts"]["Threshold"] = threshold
        d["Alerts"]["ClearThreshold"] = round(threshold / 2, 3)
    with open(path, "w") as f:
        json.dump(d, f)
    return path


def f1(q):
    p, r = q["precision"] or 0, q["recall"] or 0
    return 0 if p + r == 0 else 2 * p * r / (p + r)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pipeline")
    ap.add_argument("--seeds", default="13,1,2")
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument("--fixed-threshold", action="store_true")
    ap.add_argument("--out", default="out/bedexit-protocol")
    ap.add_argument("--halves", choices=["room", "tune", "folds5", "interleaved5"], default="room")
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--score-set", action="append", default=[],
                    help="like --set, for step 3 (scoring) only, e.g. --score-set Training.LearningRate=0.05")
    ap.add_argument("--dll", default=DLL)
    ap.add_argument("--models-from")
    ap.add_argument("--threshold-from", choices=["cal", "inner"], default="cal")
    ap.add_argument("--calibrate", choices=["passes", "train"], default="passes")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--patience", type=int, default=3)
    ap.add_argument("--train-lr", type=float)
    ap.add_argument("--separate-steps", action="store_true",
                    help="steps 1-2 as separate backtests (the path before streamrnn-tools calibrate) instead of calibrate")
    a = ap.parse_args()
    global ARGS
    ARGS = a
    base = json.load(open(a.pipeline))
    rows = []
    for seed in [int(s) for s in a.seeds.split(",")]:
        total = dict(alerts=0, true_alerts=0, events=0, detected_events=0, monitored_hours=0.0)
        picks = []
        for fold, (cal, test) in (TUNE if a.halves == "tune" else folds() if a.halves == "folds5"
                                  else folds(interleaved=True) if a.halves == "interleaved5" else HALVES).items():
            out = os.path.join(a.out, f"s{seed}{fold}")
            os.makedirs(out, exist_ok=True)
            p = variant(base, seed, None, os.path.join(out, "pipeline.json"))
            model = os.path.join(out, "cal.srnn")
            if (a.calibrate == "passes" and a.threshold_from == "cal" and not a.fixed_threshold and not a.models_from
                    and not a.separate_steps):
                threshold = calibrate_command(p, cal, os.path.join(out, "cal"), model)
            else:
                if a.models_from:
                    model = os.path.join(a.models_from, f"s{seed}{fold}", "cal.srnn")
                else:
                    calibrate(p, cal, os.path.join(out, "cal"), model, seed)
                threshold = json.load(open(p))["Alerts"]["Threshold"]
                if not a.fixed_threshold and a.threshold_from == "inner":
                    parts = INNER[cal]
                    sums = {t: dict(alerts=0, true_alerts=0, events=0, detected_events=0) for t in GRID}
                    for i, (fit, held) in enumerate([parts, parts[::-1]]):
                        inner = os.path.join(out, f"inner{i}.srnn")
                        calibrate(p, fit, os.path.join(out, f"inner{i}"), inner, seed)
                        for t in GRID:
                            q = backtest(variant(base, seed, t, os.path.join(out, f"t{t}.json")), held,
                                         os.path.join(out, f"inner{i}-t{t}"), ["--model", inner])
                            for k in sums[t]:
                                sums[t][k] += q[k] or 0
                    best = None
                    for t in GRID:
                        c = sums[t]
                        q = dict(precision=c["true_alerts"] / c["alerts"] if c["alerts"] else 0,
                                 recall=c["detected_events"] / c["events"] if c["events"] else 0)
                        if best is None or f1(q) >= best[0]:
                            best = (f1(q), t)
                    threshold = best[1]
                elif not a.fixed_threshold:
                    best = None
                    for t in GRID:
                        q = backtest(variant(base, seed, t, os.path.join(out, f"t{t}.json")), cal,
                                     os.path.join(out, f"cal-t{t}"), ["--model", model])
                        if best is None or f1(q) >= best[0]:
                            best = (f1(q), t)
                    threshold = best[1]
            picks.append(threshold)
            q = backtest(variant(base, seed, threshold if not a.fixed_threshold else None,
                                 os.path.join(out, "score.json"), scoring=True), test, os.path.join(out, "score"),
                         ["--model", model])
            print(f"seed {seed} fold {fold}: threshold {threshold} alerts {q['alerts']} true {q['true_alerts']} "
                  f"detected {q['detected_events']}/{q['events']} P {q['precision']} R {q['recall']} "
                  f"FA/h {q['false_alerts_per_hour']}", flush=True)
            for k in total:
                total[k] += q[k] or 0
        prec = total["true_alerts"] / total["alerts"] if total["alerts"] else float("nan")
        rec = total["detected_events"] / total["events"]
        fah = (total["alerts"] - total["true_alerts"]) / total["monitored_hours"]
        rows.append((seed, prec, rec, fah))
        print(f"seed {seed} all folds: alerts {total['alerts']} true {total['true_alerts']} detected "
              f"{total['detected_events']}/{total['events']} precision {prec:.3f} recall {rec:.3f} "
              f"false/bed-hour {fah:.2f} thresholds {picks}", flush=True)
    for i, name in [(1, "precision"), (2, "recall"), (3, "false alerts per bed-hour")]:
        vals = [r[i] for r in rows]
        print(f"mean {name} {sum(vals) / len(vals):.3f} (range {min(vals):.3f}-{max(vals):.3f})")


if __name__ == "__main__":
    main()
