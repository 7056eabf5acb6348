#!/usr/bin/env bash
# Builds (or finds cached) the local control plane: one multi-call binary `k8s`
# (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl) and kwok.
# The cache lives outside the repository, keyed by the pins, so a rebuild happens
# only when k8sbin/go.mod, go.sum, main.go or the kwok version change.
# Prints the binary directory on its last line of stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kwok_version=v0.8.0
k8s_version=$(sed -n 's/^\tk8s\.io\/kubernetes \(v[^ ]*\)$/\1/p' "$here/k8sbin/go.mod")
key=$(cat "$here/k8sbin/go.mod" "$here/k8sbin/go.sum" "$here/k8sbin/main.go" "$0" | sha256sum | cut -c1-12)
cache_root=${ADMISSION_IPAM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/admission-ipam}
bin="$cache_root/k8s/$k8s_version-kwok$kwok_version-$key"

if [ -x "$bin/k8s" ] && [ -x "$bin/kwok" ] && [ -f "$bin/.complete" ]; then
  echo "$bin"
  exit 0
fi

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
mkdir -p "$bin.tmp"
log() { printf '[cluster/build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
start=$(date +%s)
log "building Kubernetes $k8s_version control plane into $bin (cold: tens of minutes on 2 cores)"
log "downloading modules"
(cd "$here/k8sbin" && go mod download)
minor=${k8s_version#v1.}; minor=${minor%%.*}
stamp=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  stamp+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
log "compiling k8s (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl)"
# -v lists each package as it is compiled: the progress a cold build prints.
(cd "$here/k8sbin" && go build -v -trimpath -ldflags "-s -w$stamp" -o "$bin.tmp/k8s" . 2>&1 \
  | awk '{ n++; if (n % 100 == 0) { printf "[cluster/build] %d packages compiled (last: %s)\n", n, $0 > "/dev/stderr"; fflush("/dev/stderr") } }')
[ -x "$bin.tmp/k8s" ] || { log "go build produced no binary"; exit 1; }
log "compiling kwok $kwok_version"
GOBIN="$bin.tmp" go install "sigs.k8s.io/kwok/cmd/kwok@$kwok_version"
for applet in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  ln -sf k8s "$bin.tmp/$applet"
done
rm -rf "$bin"
mv "$bin.tmp" "$bin"
echo "k8s $k8s_version kwok $kwok_version built in $(( $(date +%s) - start ))s" > "$bin/.complete"
log "done in $(( $(date +%s) - start ))s: $(du -sh "$bin" | cut -f1)"
echo "$bin"
