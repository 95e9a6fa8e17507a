# bash completion for resnet-mnist: commands, options and their arguments (files for --weights,
# --init, --resume, --errors, --show and predict's pictures; folders for --data, --out, --dir).
# The commands and options are read from the program's own --help texts, so that they are never
# out of date; each text is read once per shell.

# _resnet_mnist_help PROGRAM [COMMAND]: the help text (cached in _resnet_mnist_cache_*).
_resnet_mnist_help()
{
    local key=_resnet_mnist_cache_${2:-main}
    key=${key//-/_}
    if [[ -z ${!key+set} ]]; then
        local text
        text=$("$1" ${2:+"$2"} --help 2>/dev/null)
        printf -v "$key" '%s' "$text"
    fi
    printf '%s\n' "${!key}"
}

# The option part of each line of a help text that lists options: lines indented by at most six
# spaces (deeper ones continue a description) that start with '-', up to the description (two
# spaces): "-h, --help", "--data DIR", "--mean X, --std Y".
_resnet_mnist_heads()
{
    grep -E '^ {1,6}-' | sed -E 's/^ +//; s/  .*//'
}

# The options a help text lists, one a line.
_resnet_mnist_options()
{
    _resnet_mnist_heads | grep -oE -- '--?[A-Za-z0-9][A-Za-z0-9-]*'
}

# The name of the value an option takes in a help text ("DIR", "FILE.png"), or nothing.
_resnet_mnist_arg_of()
{
    _resnet_mnist_heads | sed -n -E "s/^(.*[ ,])?$1 \[?([A-Z][A-Za-z0-9.]*).*/\2/p" | head -n 1
}

_resnet_mnist()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    local prog=${COMP_WORDS[0]}
    COMPREPLY=()

    # the command: the first word after the program that is not an option (or --isa's value)
    local i cmd= word
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        if [[ $word == --isa ]]; then
            ((i++))
            continue
        fi
        if [[ $word != -* ]]; then
            cmd=$word
            break
        fi
    done

    local help
    if [[ -z $cmd ]]; then
        help=$(_resnet_mnist_help "$prog")
        if [[ $prev == --isa ]]; then
            COMPREPLY=($(compgen -W "avx512 avx2 baseline" -- "$cur"))
        elif [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$(_resnet_mnist_options <<<"$help")" -- "$cur"))
        else
            local commands
            commands=$(sed -n '/^Commands:/,/^$/p' <<<"$help" | sed -n -E 's/^  ([a-z][a-z-]*) .*/\1/p')
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return 0
    fi

    help=$(_resnet_mnist_help "$prog" "$cmd")
    # the value of an option: by the name its help gives the value
    if [[ $prev == --* ]]; then
        local arg
        arg=$(_resnet_mnist_arg_of "$prev" <<<"$help")
        if [[ -n $arg ]]; then
            case $prev:$arg in
            --conv:*) COMPREPLY=($(compgen -W "direct fast" -- "$cur")) ;;
            *:DIR)
                compopt -o filenames 2>/dev/null
                COMPREPLY=($(compgen -d -- "$cur"))
                ;;
            *:FILE* | *:PATH)
                compopt -o filenames 2>/dev/null
                COMPREPLY=($(compgen -f -- "$cur"))
                ;;
            esac
            return 0
        fi
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_resnet_mnist_options <<<"$help")" -- "$cur"))
        return 0
    fi
    case $cmd in
    predict)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
        ;;
    fetch)
        COMPREPLY=($(compgen -W "mnist fashion-mnist" -- "$cur"))
        ;;
    esac
    return 0
}
complete -F _resnet_mnist resnet-mnist
