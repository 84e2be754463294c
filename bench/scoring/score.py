#!/usr/bin/env python3
"""Scores a backtest's predictions.csv against cheap baselines on the last part of each key's rows.

Usage: score.py PREDICTIONS.csv [--horizon H] [--raw] [--season S] [--holdout 0.7] [--order 3] [--prefix hH_]

Rows are (key, step, time_ms, prediction, target, ...): `prediction` is the forecast made H steps earlier for this
row's `target` (the pipeline's target after its transform). Baselines, all online, each forecast made from targets
known H steps before (no look-ahead):
  persistence   Raw: y[t-H]; Difference/LogReturn: 0 (no change)
  mean          running mean of the key's targets so far
  ar(p)         per key, recursive least squares of y[t] on y[t-H..t-H-p+1] and 1, forgetting 1 and 0.999, p = 1..order,
                fitted on the pairs whose target is known at t-H (before 2026-12-04 the weights had also seen the H-1
                targets after t-H: a look-ahead at H > 1, none at H = 1)
  seasonal      Raw: y[t-S]; change target: the level S steps before the forecast's target minus the level now
Scored rows: each key's rows after its first (1 - holdout) share, with --head F its first F share (where settings may be
chosen), or with --rows A:B the rows whose step is in [A, B).
--scale-rows A:B divides errors by the standard deviation of the (Raw) target over steps [A, B) (the ETT benchmarks
report MSE on data standardised with the training split's mean and standard deviation). Prints one line per forecaster (MAE, RMSE, MSE and
MAE / best baseline) and the best baseline; then, on the same rows, the model's 80 % / 95 % interval coverage (from the
lo80/hi80/lo95/hi95 columns, as published) and, when predictions.csv has an `unguarded` column (a Linear path with its
guard on), the forecast before the guard (network + AR by least squares), which is not a baseline.
With Target:Horizons, --prefix h6_ --horizon 6 scores the h6_prediction / h6_target columns (that horizon's forecasts).
"""
import csv, math, sys, argparse
from collections import defaultdict


def rls_forecasts(ys, h, p, lam, delta=100.0):
    """Online AR(p) forecast of y[t] made at t - h: the weights have learnt only the pairs whose target was known then
    (targets up to y[t-h]), the regressors are y[t-h], ..., y[t-h-p+1]."""
    n = p + 1
    w = [0.0] * n
    P = [[delta if i == j else 0.0 for j in range(n)] for i in range(n)]
    out = [math.nan] * len(ys)
    for t in range(len(ys)):
        # learn from the pair whose target y[t-h] arrived when the forecast of y[t] is made: x = y[t-2h..t-2h-p+1]
        u = t - h
        if u - h - p + 1 >= 0:
            x = [ys[u - h - i] for i in range(p)] + [1.0]
            pi = [sum(P[i][j] * x[j] for j in range(n)) for i in range(n)]
            k = lam + sum(x[i] * pi[i] for i in range(n))
            e = ys[u] - sum(wi * xi for wi, xi in zip(w, x))
            for i in range(n):
                w[i] += pi[i] * e / k
            for i in range(n):
                for j in range(n):
                    P[i][j] = (P[i][j] - pi[i] * pi[j] / k) / lam
        # forecast of y[t] from y[t-h], ..., y[t-h-p+1]
        if t - h - p + 1 >= 0:
            x = [ys[t - h - i] for i in range(p)] + [1.0]
            out[t] = sum(wi * xi for wi, xi in zip(w, x))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('predictions')
    ap.add_argument('--horizon', type=int, default=1)
    ap.add_argument('--raw', action='store_true', help='the target is Raw (default: a change target)')
    ap.add_argument('--season', type=int, default=0)
    ap.add_argument('--holdout', type=float, default=0.7)
    ap.add_argument('--head', type=float, default=None, help="score each key's first HEAD share instead (where settings may be chosen)")
    ap.add_argument('--order', type=int, default=3)
    ap.add_argument('--rows', default=None)
    ap.add_argument('--scale-rows', default=None)
    ap.add_argument('--prefix', default='', help="Target:Horizons: score the columns PREFIXprediction and PREFIXtarget (e.g. h6_)")
    a = ap.parse_args()
    rng = tuple(int(v) for v in a.rows.split(':')) if a.rows else None
    keys = defaultdict(list)
    extra = defaultdict(list)
    with open(a.predictions) as f:
        for r in csv.DictReader(f):
            t, pred = r[a.prefix + 'target'], r[a.prefix + 'prediction']
            keys[r['key']].append((float(pred) if pred else math.nan, float(t) if t else math.nan, int(r['step'])))
            extra[r['key']].append(tuple(float(r.get(a.prefix + c) or 'nan') for c in ('lo80', 'hi80', 'lo95', 'hi95', 'unguarded')))
    h = a.horizon
    names = ['model', 'persistence', 'mean'] + [f'ar{p}(λ={lam})' for p in range(1, a.order + 1) for lam in (1.0, 0.999)]
    if a.season:
        names.append(f'seasonal({a.season})')
    err = {n: [0.0, 0.0, 0] for n in names}
    cover = [0, 0, 0]  # intervals, covered 80, covered 95
    ung = [0.0, 0.0, 0]
    per_key = {}
    for key, rows in keys.items():
        kerr = {n: 0.0 for n in names}
        ys = [y if not math.isnan(y) else 0.0 for _, y, _ in rows]
        valid = [not math.isnan(y) for _, y, _ in rows]
        fc = {'model': [p for p, _, _ in rows]}
        fc['persistence'] = [ys[t - h] if a.raw and t >= h else (0.0 if not a.raw else math.nan) for t in range(len(ys))]
        s, m = 0.0, []
        for t in range(len(ys)):
            m.append(s / (t - h + 1) if t - h + 1 > 0 else math.nan)
            if t - h + 1 >= 0:
                s += ys[t - h + 1]
        fc['mean'] = m
        for p in range(1, a.order + 1):
            for lam in (1.0, 0.999):
                fc[f'ar{p}(λ={lam})'] = rls_forecasts(ys, h, p, lam)
        if a.season:
            S = a.season
            if a.raw:
                fc[f'seasonal({S})'] = [ys[t - S] if t >= S else math.nan for t in range(len(ys))]
            else:
                level = [0.0]
                for y in ys[1:]:
                    level.append(level[-1] + y)
                # target y[t] = level[t] - level[t-1]... for horizon h the change forecast from t-h: level[t-S] - level[t-h]
                fc[f'seasonal({S})'] = [level[t - S] - level[t - h] if t >= S else math.nan for t in range(len(ys))]
        start = int(round(len(rows) * (1 - a.holdout)))
        scale = 1.0
        if a.scale_rows:
            lo, hi = (int(v) for v in a.scale_rows.split(':'))
            sample = [y for _, y, st in rows if lo <= st < hi and not math.isnan(y)]
            m_ = sum(sample) / len(sample)
            scale = math.sqrt(sum((y - m_) ** 2 for y in sample) / len(sample))
        stop = len(rows)
        if a.head is not None:
            start, stop = 0, int(round(len(rows) * a.head))
        for t in range(start if rng is None else 0, stop):
            if rng is not None and not (rng[0] <= rows[t][2] < rng[1]):
                continue
            if not valid[t] or any(math.isnan(fc[n][t]) for n in names):
                continue
            for n in names:
                e = (fc[n][t] - ys[t]) / scale
                err[n][0] += abs(e)
                err[n][1] += e * e
                err[n][2] += 1
                kerr[n] += abs(e)
            lo80, hi80, lo95, hi95, u = extra[key][t]
            if not math.isnan(lo80) and not math.isnan(hi95):
                cover[0] += 1
                cover[1] += lo80 <= ys[t] <= hi80
                cover[2] += lo95 <= ys[t] <= hi95
            if not math.isnan(u):
                e = (u - ys[t]) / scale
                ung[0] += abs(e)
                ung[1] += e * e
                ung[2] += 1
        kb = min((v, n) for n, v in kerr.items() if n != 'model')
        if kb[0] > 0:
            per_key[key] = (kerr['model'] / kb[0], kb[1])
    base = {n: err[n][0] / err[n][2] for n in names if n != 'model' and err[n][2]}
    best = min(base, key=base.get)
    what = f"steps {a.rows}" if rng else f"first {a.head:.0%} of each key's rows" if a.head is not None else f"last {a.holdout:.0%} of each key's rows"
    print(f"scored {err['model'][2]} forecasts ({what}, {len(keys)} keys)")
    for n in names:
        c = err[n][2]
        mae, mse = err[n][0] / c, err[n][1] / c
        print(f"  {n:18s} MAE {mae:.6g}  RMSE {math.sqrt(mse):.6g}  MSE {mse:.6g}  MAE/best {mae / base[best]:.4f}")
    print(f"best baseline: {best}")
    if ung[2]:
        mae, mse = ung[0] / ung[2], ung[1] / ung[2]
        print(f"  {'unguarded':18s} MAE {mae:.6g}  RMSE {math.sqrt(mse):.6g}  MSE {mse:.6g}  MAE/best {mae / base[best]:.4f}"
              f"  ({ung[2]} forecasts: the Linear path before its guard)")
    if cover[0]:
        print(f"model coverage: 80 % {cover[1] / cover[0]:.4f}, 95 % {cover[2] / cover[0]:.4f} ({cover[0]} intervals)")
    if len(per_key) > 1:
        ratios = sorted(per_key.values())
        geo = math.exp(sum(math.log(r) for r, _ in ratios) / len(ratios))
        print(f"per key, model MAE / that key's best baseline: geometric mean {geo:.4f}, "
              f"{sum(r <= 1 for r, _ in ratios)} of {len(ratios)} keys ≤ 1")
        for k, (r, n) in sorted(per_key.items()):
            print(f"    {k:40s} {r:.4f} (best {n})")


if __name__ == '__main__':
    main()
