#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks talk to: podman and runc for the image,
# debootstrap for the base image stand-in, prometheus/promtool, nginx, etcd, the anchors, and the node of the
# cluster suite (scripts/cluster.sh): containerd (with ctr), the CNI plugins, iptables, conntrack, iproute2.
set -euo pipefail
packages=(podman runc debootstrap uidmap slirp4netns fuse-overlayfs prometheus nginx etcd-server
          tini dumb-init supervisor s6 runit hyperfine curl unzip util-linux procps openssl
          containerd containernetworking-plugins iptables conntrack iproute2)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "debian packages: all present"; exit 0; fi
echo "debian packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# The prometheus, etcd, nginx and supervisor packages start their services on install; the tests start their own
# on loopback. A policy-rc.d that refuses (exit 101, as container images ship) keeps invoke-rc.d and
# deb-systemd-invoke from starting them, so nothing has to be killed by name afterwards.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# Written by podvisor/scripts/install-debian-packages.sh for the install only.\nexit 101\n' > "$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "debian packages: done"
