#!/usr/bin/env bash
# The kube-apiserver the Kubernetes and chart tests run (test/helpers/kube-apiserver.ts), at the path
# test/helpers/tools.ts expects ($PODVISOR_CACHE/kube-apiserver-<version>): a link to the one that
# scripts/build-kubernetes.sh builds with the other Kubernetes binaries, so that the machine compiles
# Kubernetes once (it waits for a build already under way instead of starting a second one).
# Prints the binary's path on stdout.
set -euo pipefail
version="${KUBE_VERSION:-v1.34.4}"
cache="${PODVISOR_CACHE:-$HOME/.cache/podvisor}"
binary="$cache/kube-apiserver-$version"
if [ -x "$binary" ]; then echo "$binary"; exit 0; fi
dir="$(bash "$(dirname "$0")/build-kubernetes.sh" apiserver)"
ln -sfn "$dir/kube-apiserver" "$binary"
echo "$binary"
