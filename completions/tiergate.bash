# bash completion for tiergate. Commands and options are read from the
# binary's own --help texts, so completion never disagrees with them.
_tiergate()
{
    local cur prev words cword
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi
    local bin=${words[0]}
    if [ "$cword" -eq 1 ]; then
        local cmds
        cmds=$("$bin" --help 2>/dev/null |
            awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on=0}')
        COMPREPLY=($(compgen -W "$cmds help --help --version" -- "$cur"))
        return
    fi
    local cmd=${words[1]}
    if [ "$cmd" = help ]; then
        COMPREPLY=($(compgen -W "$("$bin" --help 2>/dev/null |
            awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1}')" -- "$cur"))
        return
    fi
    # Subcommands (registry, log): listed under "subcommands:" in the
    # command's help, or named by its "tiergate CMD SUB" synopsis lines.
    local cmd_help subs help_of=("$cmd")
    cmd_help=$("$bin" "$cmd" --help 2>/dev/null)
    subs=$({
        printf '%s\n' "$cmd_help" |
            awk '/^subcommands:/ {on=1; next} on && /^  [a-z]/ {print $1; next} {on=0}'
        printf '%s\n' "$cmd_help" |
            sed -nE "s/^(usage:)? *tiergate $cmd ([a-z]+).*/\2/p"
    } | sort -u)
    if [ "$cword" -gt 2 ] && [ -n "$subs" ] &&
        printf '%s\n' $subs | grep -qxF -- "${words[2]}"; then
        help_of=("$cmd" "${words[2]}")
    fi
    case $cur in
    -*)
        # The options of the subcommand when one is given.
        local opts
        opts=$("$bin" "${help_of[@]}" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        ;;
    *)
        if [ "$cword" -eq 2 ] && [ -n "$subs" ]; then
            COMPREPLY=($(compgen -W "$subs" -- "$cur"))
            return
        fi
        COMPREPLY=($(compgen -f -- "$cur"))
        ;;
    esac
}
complete -o filenames -F _tiergate tiergate
