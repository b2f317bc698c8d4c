#!/usr/bin/env bash
# Builds the Kubernetes binaries the tests run, from the Go module proxy, once per machine:
#   kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl (one `go build`, shared compile)
#   coredns (its own module)
#   prometheus with Kubernetes service discovery (Debian's prometheus package is built without it: its
#   kubernetes_sd_configs is "field not found"), the other discovery mechanisms left out by Prometheus' own build
#   tags (remove_all_sd, enable_kubernetes_sd)
# k8s.io/kubernetes cannot be `go install`ed (its go.mod replaces its staging modules with local paths), so a
# throwaway module requires it and replaces every staging module with its published v0.Y.Z twin (see
# kubernetes/kubernetes#79384). 1.34 is the newest minor whose kubelet still runs on cgroup v1 (failCgroupV1: false).
#
# Usage: build-kubernetes.sh [apiserver|kube|all]   (default all): kube-apiserver alone, the six Kubernetes binaries,
# or those and CoreDNS and Prometheus. Prints the binaries' directory on stdout.
# Cache: $PODVISOR_CACHE (default ~/.cache/podvisor)/kubernetes-<version>/, shared by every checkout on the
# machine on purpose (the binaries are ~700 MB and take ~15 minutes); keyed on the versions, written atomically.
set -euo pipefail
what="${1:-all}"
version="${KUBE_VERSION:-v1.34.4}"
coredns_version="${COREDNS_VERSION:-v1.14.7}"
prometheus_version="${PROMETHEUS_VERSION:-v3.16.0}"
# Prometheus 3.x is published to Go as v0.3MM.P (3.16.0 → v0.316.0): its module path has no /v3.
prometheus_module_version="$(echo "${prometheus_version#v}" | awk -F. '{ printf "v0.%d%02d.%d", $1, $2, $3 }')"
staging_version="v0.${version#v1.}"
cache="${PODVISOR_CACHE:-$HOME/.cache/podvisor}"
dir="$cache/kubernetes-$version"
kube_binaries=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)

have_all() {
  local b
  for b in "${kube_binaries[@]}"; do [ -x "$dir/$b" ] || return 1; done
  [ -x "$dir/coredns-$coredns_version" ] && [ -x "$dir/prometheus-$prometheus_version" ]
}
case "$what" in
  apiserver | kube | all) ;;
  *) echo "build-kubernetes.sh: unknown target \"$what\"; accepted: apiserver, kube, all" >&2; exit 2 ;;
esac
have_kube() {
  local b
  for b in "${kube_binaries[@]}"; do [ -x "$dir/$b" ] || return 1; done
}
have_wanted() {
  case "$what" in
    apiserver) [ -x "$dir/kube-apiserver" ] ;;
    kube) have_kube ;;
    all) have_all ;;
  esac
}
if have_wanted; then echo "$dir"; exit 0; fi

mkdir -p "$dir"
# One build at a time per machine: a second caller waits for the first instead of compiling twice. One lock per
# part, so that a caller who needs only the Kubernetes binaries (test:chart, test:kubernetes) goes on as soon as
# they are there, while CoreDNS and Prometheus are still being built.
exec 9>"$dir/.lock"
flock 9
if have_wanted; then echo "$dir"; exit 0; fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
proxy="$(go env GOPROXY | cut -d, -f1)"
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$version -X k8s.io/client-go/pkg/version.gitVersion=$version"

missing=()
for b in "${kube_binaries[@]}"; do [ -x "$dir/$b" ] || missing+=("$b"); done
if [ "$what" = apiserver ]; then missing=(kube-apiserver); fi
if [ ${#missing[@]} -gt 0 ]; then
  mkdir -p "$work/kube"
  curl -fsSL "$proxy/k8s.io/kubernetes/@v/$version.mod" -o "$work/kube/kubernetes.mod"
  {
    echo "module podvisor.test/kubernetes-build"
    echo
    echo "go 1.24"
    echo
    echo "require k8s.io/kubernetes $version"
    echo
    grep -E '^\s+k8s\.io/[a-z0-9-]+ => \./staging/' "$work/kube/kubernetes.mod" |
      awk -v v="$staging_version" '{ print "replace " $1 " => " $1 " " v }'
  } > "$work/kube/go.mod"
  {
    echo "//go:build tools"
    echo
    echo "package tools"
    echo
    echo "import ("
    echo '  _ "k8s.io/kubernetes/cmd/kube-apiserver"'
    echo '  _ "k8s.io/kubernetes/cmd/kube-controller-manager"'
    echo '  _ "k8s.io/kubernetes/cmd/kube-scheduler"'
    echo '  _ "k8s.io/kubernetes/cmd/kubelet"'
    echo '  _ "k8s.io/kubernetes/cmd/kube-proxy"'
    echo '  _ "k8s.io/kubernetes/cmd/kubectl"'
    echo ")"
  } > "$work/kube/tools.go"
  packages=()
  for b in "${missing[@]}"; do packages+=("k8s.io/kubernetes/cmd/$b"); done
  echo "building ${missing[*]} $version (first time on this machine; ~15 minutes on 2 cores)" >&2
  (
    cd "$work/kube"
    GOFLAGS=-mod=mod go mod tidy >&2
    mkdir -p "$work/out"
    CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$work/out/" "${packages[@]}" >&2
  )
  for b in "${missing[@]}"; do mv "$work/out/$b" "$dir/$b"; done
fi

[ "$what" = all ] || { echo "$dir"; exit 0; }
# The Kubernetes binaries are in place: callers waiting for them alone go on while the rest builds.
exec 9>&-
exec 8>"$dir/.lock-coredns"
flock 8
if [ ! -x "$dir/coredns-$coredns_version" ]; then
  echo "building coredns $coredns_version (~5 minutes)" >&2
  GOBIN="$work/gobin" CGO_ENABLED=0 GOFLAGS=-trimpath go install -ldflags "-s -w" "github.com/coredns/coredns@$coredns_version" >&2
  mv "$work/gobin/coredns" "$dir/coredns-$coredns_version"
fi

exec 8>&-
exec 7>"$dir/.lock-prometheus"
flock 7
if [ ! -x "$dir/prometheus-$prometheus_version" ]; then
  echo "building prometheus $prometheus_version with Kubernetes discovery only (~5 minutes)" >&2
  GOBIN="$work/gobin" CGO_ENABLED=0 GOFLAGS=-trimpath go install -tags remove_all_sd,enable_kubernetes_sd \
    -ldflags "-s -w -X github.com/prometheus/common/version.Version=${prometheus_version#v}" \
    "github.com/prometheus/prometheus/cmd/prometheus@$prometheus_module_version" >&2
  mv "$work/gobin/prometheus" "$dir/prometheus-$prometheus_version"
fi
echo "$dir"
