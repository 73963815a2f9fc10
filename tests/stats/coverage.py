#!/usr/bin/python3
"""Exact coverage of the rate intervals at the synthetic export's tier sizes.

    /usr/bin/python3 tests/stats/coverage.py

Coverage at (n, p) is the sum of binomial probabilities of the counts
whose interval holds p (scipy, statsmodels); the table in
docs/statistics.md comes from this script. Jeffreys takes tiergate's
boundary modification (0 at x = 0, 1 at x = n).
"""
import math

from scipy import stats
from statsmodels.stats.proportion import proportion_confint

METHODS = [("wilson", "wilson"), ("exact", "beta"), ("jeffreys", "jeffreys"),
           ("agresti-coull", "agresti_coull"), ("wald", "normal")]


def interval(method, x, n, level):
    if method == "wald":  # unclipped, as tiergate computes it
        p = x / n
        z = stats.norm.isf((1 - level) / 2)
        d = z * math.sqrt(p * (1 - p) / n)
        return p - d, p + d
    lo, hi = proportion_confint(x, n, alpha=1 - level,
                                method=dict(METHODS)[method])
    if method == "jeffreys":
        lo = 0.0 if x == 0 else lo
        hi = 1.0 if x == n else hi
    return lo, hi


def coverage(method, n, p, level=0.95):
    return sum(stats.binom.pmf(x, n, p) for x in range(n + 1)
               if interval(method, x, n, level)[0] <= p <= interval(method, x, n, level)[1])


print("| method | " + " | ".join(f"n={n}, p={p:.1%}" for n, p in
                                  [(93, .13), (204, .15), (627, .10), (30000, .036)]) + " |")
print("|---|" + "---:|" * 4)
for name, _ in METHODS:
    cells = [coverage(name, n, p) for n, p in [(93, .13), (204, .15), (627, .10), (30000, .036)]]
    print(f"| {name} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
