#!/usr/bin/env bash
# `cmake --install` puts tiergate where a Unix tool goes: the binary, one
# man page per command that lists every option its --help lists, and bash
# and zsh completion that offer the commands and options.
#   tests/install/install_check.sh BUILD_DIR
set -euo pipefail
build=$1
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
fail=0 pass=0
check() { if eval "$2"; then pass=$((pass+1)); else echo "FAIL $1"; fail=$((fail+1)); fi; }

cmake --install "$build" --prefix "$prefix" >/dev/null
bin=$prefix/bin/tiergate
check "binary installed" '[ -x "$bin" ]'
check "--version names the libraries" '"$bin" --version | grep -q "^GSL " && "$bin" --version | grep -q "^libgit2 "'

commands=$("$bin" --help | awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on=0}')
check "command list read" '[ -n "$commands" ]'
man=$prefix/share/man/man1
check "tiergate.1" '[ -s "$man/tiergate.1" ]'
for c in $commands; do
  page=$man/tiergate-$c.1
  check "man page for $c" '[ -s "$page" ]'
  [ -s "$page" ] || continue
  check "tiergate.1 refers to tiergate-$c" 'grep -q "tiergate\\\\-$c" "$man/tiergate.1"'
  # Every option of --help is in the page (roff writes - as \-).
  for o in $("$bin" "$c" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
    roff=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
    check "$c page lists $o" 'grep -q -- "$roff" "$page"'
  done
done

bashc=$prefix/share/bash-completion/completions/tiergate
check "bash completion installed" '[ -s "$bashc" ]'
check "zsh completion installed" '[ -s "$prefix/share/zsh/site-functions/_tiergate" ]'
complete_words() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($#-1)); _tiergate; echo "${COMPREPLY[*]}"' \
    _ "$bashc" "$@"
}
export PATH=$prefix/bin:$PATH
check "bash completes a command" '[ "$(complete_words tiergate gat)" = gate ]'
check "bash completes an option" '[ "$(complete_words tiergate gate --juni)" = --junit ]'
check "bash completes subcommands" 'complete_words tiergate registry "" | grep -qw verify'
check "bash completes a subcommand's options" '[ "$(complete_words tiergate registry update --dry)" = --dry-run ]'
check "registry page holds its subcommands' options" 'grep -qF -- "\\-\\-dry\\-run" "$man/tiergate-registry.1"'
check "zsh completion parses" 'zsh -n "$prefix/share/zsh/site-functions/_tiergate"'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
