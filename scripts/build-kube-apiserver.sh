#!/usr/bin/env bash
# Builds a real kube-apiserver from the Go module proxy, once per machine, for the Kubernetes tests.
# k8s.io/kubernetes cannot be `go install`ed (its go.mod replaces its staging modules with local
# paths), so a throwaway module requires it and replaces every staging module with its published
# v0.Y.Z twin (see kubernetes/kubernetes#79384). Prints the binary's path on stdout.
set -euo pipefail
version="${KUBE_VERSION:-v1.34.4}"
staging_version="v0.${version#v1.}"
cache="${PODVISOR_CACHE:-$HOME/.cache/podvisor}"
binary="$cache/kube-apiserver-$version"
if [ -x "$binary" ]; then echo "$binary"; exit 0; fi
mkdir -p "$cache"
# Two checkouts preparing at once: the second waits for the first's build, then finds the binary.
exec 9>"$cache/.kube-apiserver-$version.lock"
flock 9
if [ -x "$binary" ]; then echo "$binary"; exit 0; fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
proxy="$(go env GOPROXY | cut -d, -f1)"
curl -fsSL "$proxy/k8s.io/kubernetes/@v/$version.mod" -o "$work/kubernetes.mod"
{
  echo "module podvisor.test/kube-apiserver-build"
  echo
  echo "go 1.24"
  echo
  echo "require k8s.io/kubernetes $version"
  echo
  grep -E '^\s+k8s\.io/[a-z0-9-]+ => \./staging/' "$work/kubernetes.mod" |
    awk -v v="$staging_version" '{ print "replace " $1 " => " $1 " " v }'
} > "$work/go.mod"
cat > "$work/tools.go" <<'GO'
//go:build tools

package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
GO
cd "$work"
echo "building kube-apiserver $version (first time on this machine; several minutes)" >&2
GOFLAGS=-mod=mod go mod tidy >&2
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$version -X k8s.io/client-go/pkg/version.gitVersion=$version" -o "$binary.partial" k8s.io/kubernetes/cmd/kube-apiserver >&2
mv "$binary.partial" "$binary"
echo "$binary"
