#!/usr/bin/env bash
# Builds (or finds cached) the helm CLI from the Go module proxy, like cluster/build.sh builds the
# control plane: no release tarball, no package manager. The cache lives outside the repository,
# keyed by the version. Prints the binary's path on its last line of stdout.
# --check: only print the path of a built binary, or exit 1 without building.
set -euo pipefail
helm_version=v3.22.0
cache_root=${ADMISSION_IPAM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/admission-ipam}
dir="$cache_root/helm-$helm_version"

if [ -x "$dir/helm" ] && [ -f "$dir/.complete" ]; then
  echo "$dir/helm"
  exit 0
fi
if [ "${1:-}" = "--check" ]; then
  echo "helm $helm_version is not built: run bash deploy/helm/build-helm.sh (or npm run deploy:helm)" >&2
  exit 1
fi

log() { printf '[deploy/helm/build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
command -v go >/dev/null || { log "Go is required to build helm $helm_version"; exit 1; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
start=$(date +%s)
log "building helm $helm_version into $dir (cold: a few minutes on 2 cores)"
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp"
GOBIN="$dir.tmp" go install -trimpath -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$helm_version" \
  "helm.sh/helm/v3/cmd/helm@$helm_version"
[ -x "$dir.tmp/helm" ] || { log "go install produced no binary"; exit 1; }
rm -rf "$dir"
mv "$dir.tmp" "$dir"
echo "helm $helm_version built in $(( $(date +%s) - start ))s" > "$dir/.complete"
log "done in $(( $(date +%s) - start ))s"
echo "$dir/helm"
