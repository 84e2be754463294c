#!/usr/bin/env python3
"""Discrimination of a backtest's predictions.csv: AUC and mean p by target, and p quantiles (analysis aid)."""
import csv, sys

for path in sys.argv[1:]:
    rows = [r for r in csv.DictReader(open(path)) if r["target"] not in ("", "nan", "NaN")]
    pos = sorted(float(r["prediction"]) for r in rows if float(r["target"]) >= 0.5)
    neg = sorted(float(r["prediction"]) for r in rows if float(r["target"]) < 0.5)
    # AUC by rank
    allp = sorted([(p, 1) for p in pos] + [(p, 0) for p in neg])
    rank_sum, i = 0.0, 0
    while i < len(allp):
        j = i
        while j < len(allp) and allp[j][0] == allp[i][0]:
            j += 1
        avg = (i + j + 1) / 2
        rank_sum += avg * sum(1 for k in range(i, j) if allp[k][1] == 1)
        i = j
    auc = (rank_sum - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)) if pos and neg else float("nan")
    q = lambda xs, f: xs[int(f * (len(xs) - 1))] if xs else float("nan")
    print(f"{path}: n+ {len(pos)} n- {len(neg)} AUC {auc:.3f} mean p+ {sum(pos)/max(1,len(pos)):.3f} "
          f"mean p- {sum(neg)/max(1,len(neg)):.3f} p+ q10/50/90 {q(pos,.1):.2f}/{q(pos,.5):.2f}/{q(pos,.9):.2f} "
          f"p- q50/90/99 {q(neg,.5):.2f}/{q(neg,.9):.2f}/{q(neg,.99):.2f}")
