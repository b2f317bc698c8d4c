#!/usr/bin/env bash
# Builds a local stand-in for docker.io/library/node:24-bookworm-slim, once per machine, for podman.
# No image registry is reachable from these machines, so the Dockerfile's base cannot be pulled. The stand-in
# is what the official image is: a minimal Debian bookworm root filesystem (debootstrap minbase) with Node 24 in
# /usr/local/bin, npm in /usr/local/lib/node_modules/npm, and a `node` user with uid/gid 1000. Node 24's
# binary comes from the `node` npm package that `npm ci` installed; npm from the machine's own npm.
# The host's CA bundle goes in because package downloads pass through a proxy whose CA only it holds.
# Idempotent: does nothing (in well under a second) when the image exists. Set PODVISOR_REBUILD_BASE=1 to
# rebuild it anyway.
set -euo pipefail
image="docker.io/library/node:24-bookworm-slim"
root="$(cd "$(dirname "$0")/.." && pwd)"

if [ "${PODVISOR_REBUILD_BASE:-0}" != "1" ] && podman image exists "$image"; then
  echo "base image: $image present"
  exit 0
fi

fail() { echo "build-base-image: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "debootstrap and podman import need root"
node_binary="$root/node_modules/node/bin/node"
[ -x "$node_binary" ] || fail "$node_binary is missing; run npm ci first (the node@24 package brings it)"
node_version="$("$node_binary" --version)"
case "$node_version" in v24.*) ;; *) fail "$node_binary is $node_version, not Node 24" ;; esac
npm_cli="$(readlink -f "$(command -v npm)")" || fail "npm is not on PATH"
npm_package="$(cd "$(dirname "$npm_cli")/.." && pwd)"
[ -f "$npm_package/package.json" ] || fail "cannot find npm's package next to $npm_cli"
ca_bundle=/etc/ssl/certs/ca-certificates.crt
[ -f "$ca_bundle" ] || fail "$ca_bundle is missing (Debian's ca-certificates package provides it)"

# The Debian mirror apt already uses (deb822 or one-line format), else the default.
mirror="$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -m1 '/debian/\?$' || true)"
[ -n "$mirror" ] || mirror="$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -m1 '/debian/\?$' || true)"
[ -n "$mirror" ] || mirror="http://deb.debian.org/debian"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
echo "base image: debootstrap bookworm from $mirror (about a minute)"
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -30 "$work/debootstrap.log" >&2; fail "debootstrap failed"; }

# What the official image adds on top of debian:bookworm-slim.
install -m 0755 "$node_binary" "$rootfs/usr/local/bin/node"
mkdir -p "$rootfs/usr/local/lib/node_modules"
cp -a "$npm_package" "$rootfs/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
mkdir -p "$rootfs/etc/ssl/certs"
install -m 0644 "$ca_bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt"
chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
# Slim: no apt lists, caches, docs or man pages.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/cache/debconf/*-old \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log \
  "$rootfs"/tmp/*

tar --numeric-owner -C "$rootfs" -c . | podman import --quiet \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV NODE_VERSION=${node_version#v}" \
  --change "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt" \
  --change 'CMD ["node"]' \
  - "$image" >/dev/null
echo "base image: built $image (Node $node_version, npm $(node "$npm_cli" --version 2>/dev/null || echo '?'))"
