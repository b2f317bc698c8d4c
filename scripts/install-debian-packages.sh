#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks talk to: podman and runc for the image,
# debootstrap for the base image stand-in, prometheus/promtool, nginx, etcd, and the anchors.
set -euo pipefail
packages=(podman runc debootstrap uidmap slirp4netns fuse-overlayfs prometheus nginx etcd-server
          tini dumb-init supervisor s6 runit hyperfine curl unzip util-linux procps openssl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "debian packages: all present"; exit 0; fi
echo "debian packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian prometheus and etcd packages start services; tests start their own on loopback.
for s in prometheus etcd nginx supervisor; do
  (systemctl stop "$s" || service "$s" stop || true) >/dev/null 2>&1
done
pkill -x prometheus || true; pkill -x etcd || true; pkill -x nginx || true; pkill -f supervisord || true
echo "debian packages: done"
