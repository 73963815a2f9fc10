#!/usr/bin/env bash
# The size limits the code keeps, measured rather than promised:
#   - no lib/ source file over 700 lines (a module holds one concern);
#   - no function in lib/ or tools/ over 120 lines (pmccabe's count of a
#     function's lines, from its signature to its closing brace);
#   - no dependency cycle between lib/ modules (module A's .c calling a
#     function defined in B's .c while B, directly or through others,
#     calls A's): each module can be read and tested on top of the ones
#     it uses.
# Prints every violation and the largest files and functions; exit 1 when
# a limit is broken. pmccabe (Debian package pmccabe) does the function
# counts; its cyclomatic complexity is printed for information.
set -euo pipefail
cd "$(dirname "$0")/.."
max_file=${TG_MAX_FILE_LINES:-700}
max_func=${TG_MAX_FUNC_LINES:-120}
command -v pmccabe >/dev/null || {
    echo "complexity.sh: pmccabe is not installed (apt-get install pmccabe)" >&2
    exit 3
}
bad=0

echo "lib/ files over $max_file lines:"
while read -r n f; do
    [ "$f" = total ] && continue
    if [ "$n" -gt "$max_file" ]; then
        printf '  %5d %s\n' "$n" "$f"
        bad=1
    fi
done < <(wc -l lib/*.c | sort -n)

echo "functions over $max_func lines (lines, cyclomatic complexity, where):"
# pmccabe columns: modified CC, traditional CC, statements, first line,
# lines, file(line): name.
over=$(pmccabe lib/*.c tools/*.c 2>/dev/null |
    awk -v m="$max_func" -F'\t' '$5 > m { printf "  %5d %4d  %s\n", $5, $2, $6 }' |
    sort -rn)
if [ -n "$over" ]; then
    echo "$over"
    bad=1
fi

echo "dependency cycles between lib/ modules (A calls B's functions and B calls A's):"
cycles=$(python3 - <<'EOF'
import glob, os, re, sys
defs = {}
src = {}
for c in glob.glob("lib/*.c"):
    m = os.path.basename(c)[:-2]
    t = open(c).read()
    t = re.sub(r'/\*.*?\*/', '', t, flags=re.S)
    t = re.sub(r'"(\\.|[^"\\])*"', '""', t)
    src[m] = t
    for f in re.findall(r'^(?!static)[a-z][\w \*]*?\b(tg_\w+)\s*\([^;{]*?\)\s*\{', t, re.M | re.S):
        defs[f] = m
graph = {m: set() for m in src}
for m, t in src.items():
    for f in set(re.findall(r'\b(tg_\w+)\s*\(', t)):
        d = defs.get(f)
        if d and d != m:
            graph[m].add(d)
index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(10000)
def visit(v):
    index[v] = low[v] = counter[0]; counter[0] += 1
    stack.append(v); on.add(v)
    for w in graph[v]:
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            found.append(sorted(comp))
for v in sorted(graph):
    if v not in index:
        visit(v)
for comp in found:
    pairs = [(a, b) for a in comp for b in comp if b in graph[a]]
    print("  " + " <-> ".join(comp) + ": " + ", ".join("%s calls %s" % p for p in pairs))
EOF
)
if [ -n "$cycles" ]; then
    echo "$cycles"
    bad=1
fi

echo "largest lib/ files:"
wc -l lib/*.c | sort -rn | sed -n '2,6p' | sed 's/^/  /'
echo "most complex functions (traditional cyclomatic complexity):"
# (awk reads to the end: a reader that stops early would break the pipe)
pmccabe lib/*.c tools/*.c 2>/dev/null | sort -t$'\t' -k2 -rn |
    awk -F'\t' 'NR <= 5 { printf "  %4d  %5d lines  %s\n", $2, $5, $6 }'
if [ "$bad" -ne 0 ]; then
    echo "complexity.sh: limits broken (files <= $max_file lines, functions <= $max_func lines, no dependency cycle)" >&2
    exit 1
fi
echo "complexity.sh: every limit holds"
