#!/usr/bin/env bash
# Generate the man pages from the binary's own --help texts (help2man), so
# a page and its command's --help can never disagree:
#   scripts/gen-man.sh BUILD/tiergate OUTDIR
# tiergate.1 for the command list, tiergate-COMMAND.1 for each command.
set -euo pipefail
bin=$1 out=$2
command -v help2man >/dev/null || { echo "gen-man: help2man is not installed" >&2; exit 1; }
mkdir -p "$out"
version=$("$bin" --version | head -n 1 | awk '{print $2}')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# help2man runs "PROGRAM --help" and "PROGRAM --version": one small
# wrapper per command gives each page its own name (tiergate-gate(1)).
commands=$("$bin" --help | awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on=0}')
for c in $commands; do
  summary=$("$bin" --help | awk -v c="$c" '$1 == c {$1=""; sub(/^ +/, ""); print}')
  w="$work/tiergate-$c"
  printf '#!/bin/sh\ncase "$1" in --version) echo "tiergate-%s %s";; *) exec "%s" %s "$@";; esac\n' \
    "$c" "$version" "$bin" "$c" > "$w"
  chmod +x "$w"
  # A command with subcommands (registry, log) lists them in its help;
  # each subcommand's own help (synopsis, options) goes into the page too.
  include=()
  subs=$("$bin" "$c" --help | awk '/^subcommands:/ {on=1; next} on && /^  [a-z]/ {print $1; next} {on=0}')
  if [ -n "$subs" ]; then
    inc="$work/$c.h2m"
    echo "[SUBCOMMANDS]" > "$inc"
    for s in $subs; do
      printf '.SS "%s %s"\n.nf\n' "$c" "$s"
      "$bin" "$c" "$s" --help | sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^[.']/\\\\\&&/"
      printf '.fi\n'
    done >> "$inc"
    include=(--include="$inc")
  fi
  help2man --no-info --section=1 --source="tiergate $version" \
    --name="$summary" "${include[@]}" --output="$out/tiergate-$c.1" "$w"
done
help2man --no-info --section=1 --source="tiergate $version" \
  --name="govern releases of a rules-based lead-scoring model" \
  --output="$out/tiergate.1" "$bin"
# SEE ALSO: every command's page.
{
  echo ".SH \"SEE ALSO\""
  first=1
  for c in $commands; do
    [ $first -eq 1 ] || echo ","
    printf '.BR tiergate\\-%s (1)' "$c"
    first=0
  done
  echo
} >> "$out/tiergate.1"
