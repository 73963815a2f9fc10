#!/usr/bin/env bash
# Install the Debian packages tiergate needs to build and test, when any
# is missing. Needs root (apt-get) only when something must be installed.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libgsl-dev        # statistics: normal and beta distributions, root finding
  libcjson-dev      # JSON: rule sets, policies, registry, results
  libgit2-dev       # git facts for the execution log
  libcmocka-dev     # unit tests
  zlib1g-dev        # gzip-compressed exports (fallback inflater), writing gzip
  libisal-dev       # ISA-L igzip: the fast inflater for gzip exports
  libssl-dev        # SHA-256 fingerprints (libcrypto)
  help2man          # man pages generated from each command's --help
  zsh               # tests: the zsh completion script parses
  clang             # tests: the build with clang and no C library extensions
  libclang-rt-14-dev # fuzzing: libFuzzer and clang's sanitizer runtimes (scripts/fuzz.sh)
  python3-yaml      # tests: reads the CI workflows that `tiergate init` writes
  libsqlite3-dev    # tests: the SQLite cross-check of tier assignment
  libxml2-utils     # tests: xmllint checks the JUnit output and the report
  chromium          # tests: the HTML report opened in headless Chromium
  fonts-dejavu-core # tests: fonts for that rendering
  postgresql        # tests: the generated PostgreSQL SQL on a real server
  pmccabe           # scripts/complexity.sh: function sizes and cyclomatic complexity
  python3-scipy     # regenerating the PSI reference (tests/stats/make_psi_reference.py; brings numpy)
  time              # bench/bench_speed.sh: peak memory of every run (/usr/bin/time)
  isal              # bench/bench_speed.sh: igzip -dc, the decompression floor gzip is measured against
)
# Not installed here (neither the build nor the tests need them):
# python3-statsmodels and python3-scipy regenerate the committed statistics
# reference values (/usr/bin/python3 tests/stats/make_reference.py).
names=()
for p in "${packages[@]}"; do names+=("${p%% *}"); done

# The DuckDB and BigQuery-grammar checks run on Node.js (npm packages).
command -v node >/dev/null 2>&1 || names+=(nodejs)
command -v npm >/dev/null 2>&1 || names+=(npm)

missing=()
for p in "${names[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "tiergate: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "tiergate: run as root to install: ${missing[*]}" >&2; exit 2; fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
