#!/bin/bash
# test_completion.sh PROGRAM COMPLETION_FILE: sources the bash completion and asks it for
# completions as bash would (COMP_WORDS, COMP_CWORD, then the function; COMPREPLY is the answer):
# commands, options, option values, files and folders; and checks that every option each
# command's --help lists is offered, so that a new option cannot be missed.
set -u
prog=$1 completion=$2
source "$completion" || { echo "cannot source $completion"; exit 1; }
failures=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/runs" "$tmp/data"
touch "$tmp/best.bin" "$tmp/digit.png"

# complete WORD...: the completions of the last word (may be empty), sorted, one line
complete_words()
{
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMPREPLY=()
    _resnet_mnist
    printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

expect()
{
    local want=$1
    shift
    local got
    got=$(complete_words "$@")
    if [[ $got != "$want" ]]; then
        echo "FAIL: [$*] completed to [$got], expected [$want]"
        failures=$((failures + 1))
    else
        echo "ok: [$*] -> [$got]"
    fi
}

# the options a help text lists: lines indented by at most six spaces that start with '-', the
# part before the description (two spaces), every -x and --name in it
help_options()
{
    grep -E '^ {1,6}-' | sed -E 's/^ +//; s/  .*//' | grep -oE -- '--?[A-Za-z0-9][A-Za-z0-9-]*' | sort -u
}

commands=$("$prog" --help | sed -n '/^Commands:/,/^$/p' | sed -n -E 's/^  ([a-z][a-z-]*) .*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//')
[[ $commands == *train* && $commands == *fetch* ]] || { echo "FAIL: no commands in --help: $commands"; failures=$((failures + 1)); }
expect "$commands" "$prog" ""
expect "train" "$prog" "tr"
expect "--epochs" "$prog" train --ep
expect "direct fast" "$prog" train --conv ""
expect "avx2 avx512 baseline" "$prog" --isa ""
expect "--epochs" "$prog" --isa avx2 train --ep
expect "$tmp/data $tmp/runs" "$prog" train --data "$tmp/"
expect "$tmp/runs" "$prog" train --out "$tmp/r"
expect "$tmp/best.bin" "$prog" test --weights "$tmp/b"
expect "$tmp/data $tmp/digit.png" "$prog" predict --weights "$tmp/best.bin" "$tmp/d"
expect "fashion-mnist mnist" "$prog" fetch ""
expect "$tmp/data" "$prog" fetch mnist --dir "$tmp/d"
expect "" "$prog" train --epochs ""
expect "" "$prog" train --std ""
expect "$tmp/best.bin" "$prog" train --init "$tmp/be"

# every option of every command's --help, and of the program's
for cmd in "" $commands; do
    want=$("$prog" $cmd --help | help_options)
    [[ -n $want ]] || { echo "FAIL: no options found in '$cmd --help'"; failures=$((failures + 1)); }
    got=$(complete_words "$prog" $cmd - | tr ' ' '\n')
    missing=$(comm -23 <(printf '%s\n' "$want") <(printf '%s\n' "$got" | sort -u))
    if [[ -n $missing ]]; then
        echo "FAIL: '$prog $cmd -<TAB>' does not offer: $(echo $missing)"
        failures=$((failures + 1))
    else
        echo "ok: '${cmd:-(no command)} -<TAB>' offers all $(echo "$want" | wc -l) options of its --help"
    fi
done

# zsh: the file parses, and its option specs cover every option of every command's --help,
# folders for DIR values and files for FILE values (when zsh is installed)
zsh_completion=$(dirname "$completion")/_resnet-mnist
if command -v zsh >/dev/null; then
    if ! zsh -n "$zsh_completion"; then
        echo "FAIL: zsh -n $zsh_completion"
        failures=$((failures + 1))
    fi
    for cmd in $commands; do
        # the file without its last line (the call that runs only inside completion)
        specs=$(zsh -fc 'source <(sed "\$d" "$1"); _resnet_mnist_specs "$("$2" "$3" --help)"' \
            zsh "$zsh_completion" "$prog" "$cmd")
        want=$("$prog" $cmd --help | help_options)
        got=$(printf '%s\n' "$specs" | sed -E 's/\[.*//' | sort -u)
        missing=$(comm -23 <(printf '%s\n' "$want") <(printf '%s\n' "$got"))
        if [[ -n $missing ]]; then
            echo "FAIL: zsh specs of $cmd lack: $(echo $missing)"
            failures=$((failures + 1))
        else
            echo "ok: zsh specs of $cmd cover its $(echo "$want" | wc -l) options"
        fi
    done
    for check in "train:--data:_files -/" "train:--out:_files -/" "test:--weights:_files" "fetch:--dir:_files -/"; do
        IFS=: read -r cmd opt action <<<"$check"
        spec=$(zsh -fc 'source <(sed "\$d" "$1"); _resnet_mnist_specs "$("$2" "$3" --help)"' \
            zsh "$zsh_completion" "$prog" "$cmd" | grep -E -- "^$opt\[")
        if [[ $spec != *":$action" ]]; then
            echo "FAIL: zsh spec of $cmd $opt: [$spec], expected it to end in :$action"
            failures=$((failures + 1))
        fi
    done
else
    echo "zsh not installed: the zsh completion is not checked"
fi

if ((failures)); then
    echo "$failures check(s) failed"
    exit 1
fi
