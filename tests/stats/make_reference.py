#!/usr/bin/python3
"""Reference values for tiergate's statistics, from statsmodels and scipy.

Run with Debian's python3-statsmodels and python3-scipy:

    /usr/bin/python3 tests/stats/make_reference.py tests/fixtures/stats

It writes CSV files the unit tests read (they need no Python):
  ci.csv       method,level,x,n,lower,upper       proportion intervals
  katz.csv     level,x,n,rx,rn,rr,lower,upper     risk ratio, Katz log CI
  lift.csv     level,x,n,rx,rn,lift,lower,upper   lift against the whole
               split: the Katz interval mapped through L = RR/(w RR + 1 - w)
  ratio.csv    level,x1,n1,rx1,rn1,x2,n2,rx2,rn2,ratio,lower,upper
               TEST lift / TRAIN lift with its log-scale interval
  newcombe.csv level,x1,n1,x2,n2,diff,lower,upper difference of two rates
  power.csv    method,level,n,p,min,max,pass      P(a rate gate passes):
               the binomial sum over the counts whose interval lies inside
  fisher.csv   a,b,c,d,p                          two-sided Fisher exact
  holm.csv     k,p,adjusted                       Holm (';'-separated lists)
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
from statsmodels.stats.proportion import (confint_proportions_2indep,
                                          proportion_confint)

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

def katz(x, n, rx, rn, level):
    """statsmodels' risk ratio and Katz interval (0.5 added to every cell
    when one is empty, its default)."""
    t = Table2x2(np.array([[x, n - x], [rx, rn - rx]], dtype=float))
    lo, hi = t.riskratio_confint(alpha=1 - level, method="normal")
    return float(t.riskratio), float(lo), float(hi)


def lift_interval(x, n, rx, rn, level):
    """Lift against the whole split with the mapped Katz interval and the
    edge cases tiergate defines (documented in lib/include/tg_stats.h)."""
    if x + rx == 0:
        return math.nan, math.nan, math.nan
    if rn == 0:
        return 1.0, 1.0, 1.0
    w = n / (n + rn)
    lift = (x / n) / ((x + rx) / (n + rn))
    _, lo, hi = katz(x, n, rx, rn, level)
    f = lambda rr: rr / (w * rr + 1 - w)
    lo, hi = f(lo), f(hi)
    if x == 0:
        lo = 0.0
    if rx == 0:
        hi = 1 / w
    return lift, min(lo, lift), max(hi, lift)


def lift_log_se(x, n, rx, rn, level):
    """se(log L) by the delta method from the Katz se of log RR."""
    if rn == 0:
        return 0.0
    rr, lo, hi = katz(x, n, rx, rn, level)
    z = stats.norm.isf((1 - level) / 2)
    se = math.log(hi / lo) / (2 * z)
    w = n / (n + rn)
    return se * (1 - w) / (w * rr + 1 - w)


LIFT = KATZ + [(0, 40, 300, 10000), (12, 40, 0, 10000), (40, 40, 300, 1000),
               (7, 70, 0, 0), (0, 50, 0, 500), (3, 3000, 2, 5)]
with open(os.path.join(out, "lift.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["level", "x", "n", "rx", "rn", "lift", "lower", "upper"])
    for level in LEVELS:
        for x, n, rx, rn in LIFT:
            w.writerow([level, x, n, rx, rn] +
                       [repr(float(v)) for v in lift_interval(x, n, rx, rn, level)])

# (TEST tier, rest of TEST, TRAIN tier, rest of TRAIN): the synthetic
# export's tiers, a drop, and a TEST tier with no conversion.
RATIO = [(16, 122, 664, 17364, 25, 204, 1060, 30062),
         (8, 68, 672, 17418, 12, 93, 1073, 30173),
         (11, 162, 669, 17324, 33, 277, 1052, 29989),
         (40, 1000, 700, 20000, 440, 2000, 1620, 44000),
         (0, 100, 700, 20000, 440, 2000, 1620, 44000)]
with open(os.path.join(out, "ratio.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["level", "x1", "n1", "rx1", "rn1", "x2", "n2", "rx2", "rn2",
                "ratio", "lower", "upper"])
    for level in LEVELS:
        z = stats.norm.isf((1 - level) / 2)
        for x1, n1, rx1, rn1, x2, n2, rx2, rn2 in RATIO:
            l1 = lift_interval(x1, n1, rx1, rn1, level)[0]
            l2 = lift_interval(x2, n2, rx2, rn2, level)[0]
            se = math.hypot(lift_log_se(x1, n1, rx1, rn1, level),
                            lift_log_se(x2, n2, rx2, rn2, level))
            c1 = l1
            if x1 == 0:  # log 0: centre on the table with 0.5 added
                rr, _, _ = katz(x1, n1, rx1, rn1, level)
                wt = n1 / (n1 + rn1)
                c1 = rr / (wt * rr + 1 - wt)
            r = l1 / l2
            lo = 0.0 if l1 == 0 else math.exp(math.log(c1 / l2) - z * se)
            hi = math.exp(math.log(c1 / l2) + z * se)
            w.writerow([level, x1, n1, rx1, rn1, x2, n2, rx2, rn2, repr(r),
                        repr(min(lo, r)), repr(max(hi, r))])

NEWCOMBE = [(25, 204, 54, 327), (54, 327, 12, 93), (65, 627, 127, 1443),
            (127, 1443, 40, 438), (0, 50, 5, 60), (30, 30, 10, 40),
            (440, 2000, 880, 4000), (1, 10, 9, 10)]
with open(os.path.join(out, "newcombe.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["level", "x1", "n1", "x2", "n2", "diff", "lower", "upper"])
    for level in LEVELS:
        for x1, n1, x2, n2 in NEWCOMBE:
            lo, hi = confint_proportions_2indep(x1, n1, x2, n2,
                                                method="newcomb",
                                                compare="diff",
                                                alpha=1 - level)
            w.writerow([level, x1, n1, x2, n2, repr(x1 / n1 - x2 / n2),
                        repr(float(lo)), repr(float(hi))])


def pass_probability(method, level, n, p, lo_t, hi_t):
    """P(the interval of X ~ Bin(n, p) lies within [lo_t, hi_t])."""
    xs = np.arange(n + 1)
    total = 0.0
    for x in xs:
        lo, hi = proportion_confint(int(x), n, alpha=1 - level, method=method)
        if (math.isnan(lo_t) or lo >= lo_t) and (math.isnan(hi_t) or hi <= hi_t):
            total += stats.binom.pmf(int(x), n, p)
    return total


# The brief's gates at the synthetic export's tier sizes: Tier 1 >= 10%,
# and the calibration band of 10% +- 20% and 15% +- 20%.
POWER = [("wilson", 0.95, 204, 0.15, 0.10, math.nan),
         ("wilson", 0.95, 93, 0.13, 0.10, math.nan),
         ("wilson", 0.95, 204, 0.10, 0.10, math.nan),
         ("exact", 0.95, 327, 0.14, 0.10, math.nan),
         ("wilson", 0.90, 627, 0.10, 0.08, math.nan),
         ("wilson", 0.95, 1443, 0.11, 0.088, 0.132),
         ("wilson", 0.95, 2400, 0.10, 0.08, 0.12),
         ("jeffreys", 0.99, 3000, 0.15, 0.12, 0.18)]
with open(os.path.join(out, "power.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["method", "level", "n", "p", "min", "max", "pass"])
    for method, level, n, p, lo_t, hi_t in POWER:
        sm = METHODS[method]
        w.writerow([method, level, n, p, repr(lo_t), repr(hi_t),
                    repr(float(pass_probability(sm, level, n, p, lo_t, hi_t)))])


FISHER = [(15, 70, 1119, 29039), (0, 10, 10, 0), (10, 0, 0, 10), (5, 5, 5, 5),
          (3, 1, 1, 3), (1, 9, 11, 3), (0, 5, 0, 5), (2, 7, 8, 2),
          (29, 185, 1105, 28924), (815, 26554, 319, 2555),
          (100, 900, 90, 910), (7, 3, 12, 25), (0, 1, 1, 0),
          (5000, 4995000, 4900, 4995100), (20, 30, 30, 20),
          (123456, 876544, 122000, 878000),
          # tables of exports with millions of leads: p under the
          # smallest double (0), and near it
          (5000, 45000, 200000, 5800000), (60000, 540000, 150000, 5800000),
          (1900, 18100, 230000, 6000000), (1965, 18035, 230000, 6000000)]
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
