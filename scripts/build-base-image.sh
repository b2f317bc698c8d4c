#!/usr/bin/env bash
# Builds local stand-ins for the public base images the container suite uses, once per machine, for podman.
# No image registry is reachable from these machines, so they cannot be pulled. Each stand-in is what the
# official image is: a minimal Debian bookworm root filesystem (debootstrap minbase) plus
#   node    docker.io/library/node:24-bookworm-slim: Node 24 in /usr/local/bin, npm in
#           /usr/local/lib/node_modules/npm, a `node` user with uid/gid 1000. Node 24's binary comes from the
#           `node` npm package that `npm ci` installed; npm from the machine's own npm.
#   python  docker.io/library/python:3.11-slim-bookworm: Debian's python3 (3.11), no Node. It stands in for "an
#           image without Node" in the tests that add podvisor to one (the official image builds the same Python
#           version into /usr/local instead).
# The host's CA bundle goes in because package downloads pass through a proxy whose CA only it holds.
#
#   build-base-image.sh [node|python]...   (default: both)
#
# Idempotent: does nothing (in well under a second) for an image that exists. Set PODVISOR_REBUILD_BASE=1 to
# rebuild anyway. Two checkouts preparing at once take turns (a lock in the tool cache), so each image is built once.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${PODVISOR_CACHE:-$HOME/.cache/podvisor}"
fail() { echo "build-base-image: $*" >&2; exit 1; }

declare -A images=(
  [node]="docker.io/library/node:24-bookworm-slim"
  [python]="docker.io/library/python:3.11-slim-bookworm"
)
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(node python)
for kind in "${wanted[@]}"; do
  [ -n "${images[$kind]:-}" ] || fail "unknown base image '$kind': accepted are node and python"
done

missing() { [ "${PODVISOR_REBUILD_BASE:-0}" = "1" ] || ! podman image exists "$1"; }
todo=()
for kind in "${wanted[@]}"; do
  if missing "${images[$kind]}"; then todo+=("$kind"); else echo "base image: ${images[$kind]} present"; fi
done
[ ${#todo[@]} -gt 0 ] || exit 0

[ "$(id -u)" = 0 ] || fail "debootstrap and podman import need root"
mkdir -p "$cache"
exec 9>"$cache/base-image.lock"
flock 9

ca_bundle=/etc/ssl/certs/ca-certificates.crt
[ -f "$ca_bundle" ] || fail "$ca_bundle is missing (Debian's ca-certificates package provides it)"
# The Debian mirror apt already uses (deb822 or one-line format), else the default.
mirror="$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -m1 '/debian/\?$' || true)"
[ -n "$mirror" ] || mirror="$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -m1 '/debian/\?$' || true)"
[ -n "$mirror" ] || mirror="http://deb.debian.org/debian"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# debootstrap minbase bookworm into $work/$1, with the extra packages $2 (comma-separated, may be empty).
debian_root() {
  local rootfs="$work/$1"
  echo "base image: debootstrap bookworm${2:+ with $2} from $mirror (about a minute)"
  debootstrap --variant=minbase ${2:+--include="$2"} bookworm "$rootfs" "$mirror" >"$work/$1.log" 2>&1 ||
    { tail -30 "$work/$1.log" >&2; fail "debootstrap failed"; }
  mkdir -p "$rootfs/etc/ssl/certs"
  install -m 0644 "$ca_bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt"
}

# Slim, as the official images are: no apt lists, caches, docs or man pages.
slim() {
  local rootfs="$1"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/cache/debconf/*-old \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log \
    "$rootfs"/tmp/*
}

build_node() {
  local image="${images[node]}" rootfs="$work/node"
  podman image exists "$image" && [ "${PODVISOR_REBUILD_BASE:-0}" != "1" ] && { echo "base image: $image present"; return; }
  local node_binary="$root/node_modules/node/bin/node"
  [ -x "$node_binary" ] || fail "$node_binary is missing; run npm ci first (the node@24 package brings it)"
  local node_version
  node_version="$("$node_binary" --version)"
  case "$node_version" in v24.*) ;; *) fail "$node_binary is $node_version, not Node 24" ;; esac
  local npm_cli npm_package
  npm_cli="$(readlink -f "$(command -v npm)")" || fail "npm is not on PATH"
  npm_package="$(cd "$(dirname "$npm_cli")/.." && pwd)"
  [ -f "$npm_package/package.json" ] || fail "cannot find npm's package next to $npm_cli"

  debian_root node ""
  # What the official image adds on top of debian:bookworm-slim.
  install -m 0755 "$node_binary" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules"
  cp -a "$npm_package" "$rootfs/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  slim "$rootfs"
  tar --numeric-owner -C "$rootfs" -c . | podman import --quiet \
    --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV NODE_VERSION=${node_version#v}" \
    --change "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt" \
    --change 'CMD ["node"]' \
    - "$image" >/dev/null
  echo "base image: built $image (Node $node_version, npm $(node "$npm_cli" --version 2>/dev/null || echo '?'))"
}

build_python() {
  local image="${images[python]}" rootfs="$work/python"
  podman image exists "$image" && [ "${PODVISOR_REBUILD_BASE:-0}" != "1" ] && { echo "base image: $image present"; return; }
  debian_root python python3
  slim "$rootfs"
  tar --numeric-owner -C "$rootfs" -c . | podman import --quiet \
    --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change 'CMD ["python3"]' \
    - "$image" >/dev/null
  echo "base image: built $image ($(chroot "$rootfs" python3 --version))"
}

# Checked again under the lock: another checkout may have built it while this one waited.
for kind in "${todo[@]}"; do "build_$kind"; done
