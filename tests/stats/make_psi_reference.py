#!/usr/bin/python3
"""PSI reference values for tests/test_monitor.c.

Run with Debian's python3 and python3-numpy/python3-scipy:
    /usr/bin/python3 tests/stats/make_psi_reference.py > tests/fixtures/monitor/psi.csv

PSI of observed tier counts q against reference counts p over the same
tiers: sum (q_i - p_i) ln(q_i / p_i) over shares, each share floored at
1e-4 (so an empty tier does not make it infinite). Without flooring the
PSI is the symmetric Kullback-Leibler divergence, which scipy computes as
entropy(q, p) + entropy(p, q); the script checks the two agree where no
share is floored.
"""
import sys

import numpy as np
import scipy
from scipy.stats import entropy

CASES = [
    # reference (training) counts, observed (window) counts
    ([207, 335, 97, 638, 1459, 443, 283, 27265], [34, 38, 15, 113, 228, 81, 59, 4432]),
    ([207, 335, 97, 638, 1459, 443, 283, 27265], [207, 335, 97, 638, 1459, 443, 283, 27265]),
    ([207, 335, 97, 638, 1459, 443, 283, 27265], [1, 2, 3, 4, 5, 6, 7, 8]),
    ([207, 335, 97, 638, 1459, 443, 283, 27265], [0, 0, 0, 0, 0, 0, 0, 500]),
    ([50, 50], [90, 10]),
    ([1, 0, 0, 999], [0, 1, 1, 998]),
    ([1000000, 3, 7], [999990, 10, 0]),
    ([12, 30, 58], [58, 30, 12]),
    ([5, 5, 5, 5], [5, 5, 5, 6]),
    ([163, 1641, 27265], [400, 1800, 25000]),
]


def psi(p_counts, q_counts):
    p = np.asarray(p_counts, dtype=float)
    q = np.asarray(q_counts, dtype=float)
    p = np.maximum(p / p.sum(), 1e-4)
    q = np.maximum(q / q.sum(), 1e-4)
    return float(np.sum((q - p) * np.log(q / p)))


def main():
    out = sys.stdout
    out.write("# numpy %s, scipy %s\n" % (np.__version__, scipy.__version__))
    out.write("reference;observed;psi\n")
    for p, q in CASES:
        v = psi(p, q)
        ps, qs = np.asarray(p) / sum(p), np.asarray(q) / sum(q)
        if ps.min() >= 1e-4 and qs.min() >= 1e-4:
            kl = entropy(qs, ps) + entropy(ps, qs)
            assert abs(kl - v) <= 1e-12 * max(1.0, abs(v)), (p, q, kl, v)
        out.write("%s;%s;%.17g\n" % (",".join(map(str, p)), ",".join(map(str, q)), v))


if __name__ == "__main__":
    main()
