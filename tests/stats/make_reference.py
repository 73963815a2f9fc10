#!/usr/bin/python3
"""Reference values for tiergate's statistics, from statsmodels and scipy.

Run with Debian's python3-statsmodels and python3-scipy:

    /usr/bin/python3 tests/stats/make_reference.py tests/fixtures/stats

It writes four CSV files the unit tests read (they need no Python):
  ci.csv      method,level,x,n,lower,upper       proportion intervals
  katz.csv    level,x,n,rx,rn,rr,lower,upper     risk ratio, Katz log CI
  fisher.csv  a,b,c,d,p                          two-sided Fisher exact
  holm.csv    k,p,adjusted                       Holm (';'-separated lists)
Values are written with repr(), i.e. exactly as Python's doubles.
"""
import csv
import math
import os
import sys

import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/stats"
os.makedirs(out, exist_ok=True)

LEVELS = [0.90, 0.95, 0.99]
# (x, n): edges (0, all, n = 1), the synthetic tiers' sizes, the brief's
# training set, and counts large enough to break naive implementations.
COUNTS = [(0, 1), (1, 1), (0, 2), (1, 2), (2, 3), (0, 10), (1, 10), (5, 10),
          (10, 10), (0, 50), (3, 50), (49, 50), (50, 50), (15, 85), (29, 214),
          (5, 53), (70, 645), (128, 1194), (815, 27369), (1125, 30727),
          (1, 30727), (30726, 30727), (0, 30727), (123456, 1000000),
          (5000000, 10000000), (7, 10000000), (9999999, 10000000)]
METHODS = {"wilson": "wilson", "exact": "beta", "jeffreys": "jeffreys",
           "agresti-coull": "agresti_coull"}


def wald(x, n, level):
    # The brief's step 8d formula, unclipped (statsmodels' "normal" clips).
    p = x / n
    z = stats.norm.isf((1 - level) / 2)
    d = z * math.sqrt(p * (1 - p) / n)
    return p - d, p + d


with open(os.path.join(out, "ci.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["method", "level", "x", "n", "lower", "upper"])
    for level in LEVELS:
        for x, n in COUNTS:
            for name, sm in METHODS.items():
                lo, hi = proportion_confint(x, n, alpha=1 - level, method=sm)
                w.writerow([name, level, x, n, repr(float(lo)), repr(float(hi))])
            lo, hi = wald(x, n, level)
            w.writerow(["wald", level, x, n, repr(float(lo)), repr(float(hi))])

# Tier (x of n) against the rest of its split (rx of rn). No zero cells:
# statsmodels then adds 0.5 to every cell, tiergate gives no interval.
KATZ = [(15, 85, 1119, 30158), (29, 214, 1105, 30029), (5, 53, 1129, 30190),
        (815, 27369, 319, 2874), (1, 10, 3, 40), (9, 10, 5, 50),
        (123456, 1000000, 500000, 9000000), (50, 100, 50, 100)]
with open(os.path.join(out, "katz.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["level", "x", "n", "rx", "rn", "rr", "lower", "upper"])
    for level in LEVELS:
        for x, n, rx, rn in KATZ:
            t = Table2x2(np.array([[x, n - x], [rx, rn - rx]], dtype=float))
            lo, hi = t.riskratio_confint(alpha=1 - level, method="normal")
            w.writerow([level, x, n, rx, rn, repr(float(t.riskratio)),
                        repr(float(lo)), repr(float(hi))])

FISHER = [(15, 70, 1119, 29039), (0, 10, 10, 0), (10, 0, 0, 10), (5, 5, 5, 5),
          (3, 1, 1, 3), (1, 9, 11, 3), (0, 5, 0, 5), (2, 7, 8, 2),
          (29, 185, 1105, 28924), (815, 26554, 319, 2555),
          (100, 900, 90, 910), (7, 3, 12, 25), (0, 1, 1, 0),
          (5000, 4995000, 4900, 4995100), (20, 30, 30, 20),
          (123456, 876544, 122000, 878000)]
with open(os.path.join(out, "fisher.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["a", "b", "c", "d", "p"])
    for a, b, c, d in FISHER:
        _, p = stats.fisher_exact([[a, b], [c, d]], alternative="two-sided")
        w.writerow([a, b, c, d, repr(float(p))])

HOLM = [[0.01, 0.04, 0.03, 0.005], [0.5, 0.2, 0.9], [1e-10, 0.02, 0.02, 0.5, 0.3],
        [0.04], [0.3, 0.3, 0.3], [0.001, 0.2, 0.0015, 0.9, 0.03, 0.04, 0.01]]
with open(os.path.join(out, "holm.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["k", "p", "adjusted"])
    for ps in HOLM:
        _, adj, _, _ = multipletests(ps, alpha=0.05, method="holm")
        w.writerow([len(ps), ";".join(repr(float(p)) for p in ps),
                    ";".join(repr(float(a)) for a in adj)])

with open(os.path.join(out, "VERSIONS"), "w") as f:
    f.write(f"scipy {scipy.__version__}\nstatsmodels {statsmodels.__version__}\n"
            f"numpy {np.__version__}\n")
