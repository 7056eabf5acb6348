#!/usr/bin/env bash
# For machines with Docker (not run by this project's CI, whose machines have no container engine):
# creates a kind cluster, builds both images and loads them into it, installs the Helm chart, and runs the
# integration and e2e suites against that cluster through KUBECONFIG.
#   deploy/kind/run-e2e.sh            create (or reuse) cluster "admission-ipam", install, test
#   KEEP=1 deploy/kind/run-e2e.sh     leave the cluster running afterwards
# Needs: docker, kind, kubectl, node 20 and npm; helm is built from Go modules by deploy/helm/build-helm.sh if absent.
set -euo pipefail
cd "$(dirname "$0")/../.."
cluster=${KIND_CLUSTER:-admission-ipam}
tag=${TAG:-0.1.0-kind}
for tool in docker kind kubectl node npm; do
  command -v "$tool" >/dev/null || { echo "deploy/kind/run-e2e.sh: $tool is required" >&2; exit 1; }
done
helm=$(command -v helm || bash deploy/helm/build-helm.sh | tail -n1)
log() { printf '[kind %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if ! kind get clusters | grep -qx "$cluster"; then
  log "creating kind cluster $cluster (1 control plane, 2 workers: the webhook's two replicas need two nodes)"
  kind create cluster --name "$cluster" --config - <<'KIND'
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
  - role: control-plane
  - role: worker
  - role: worker
KIND
fi
export KUBECONFIG
KUBECONFIG=$(mktemp)
kind get kubeconfig --name "$cluster" > "$KUBECONFIG"
trap '[ "${KEEP:-}" = 1 ] || kind delete cluster --name "$cluster"; rm -f "$KUBECONFIG"' EXIT

log "building images admission-ipam:$tag and admission-ipam-cni:$tag"
docker build -f deploy/image/Containerfile --target server -t "admission-ipam:$tag" .
docker build -f deploy/image/Containerfile --target cni -t "admission-ipam-cni:$tag" .
kind load docker-image --name "$cluster" "admission-ipam:$tag" "admission-ipam-cni:$tag"

log "installing the chart"
"$helm" upgrade --install admission-ipam deploy/helm/admission-ipam -n admission-ipam-system --create-namespace --wait --timeout 5m \
  --set image.tag="$tag" --set image.pullPolicy=Never --set cni.image.tag="$tag"
# The tests apply Multus' NetworkAttachmentDefinition CRD themselves on the local cluster; here too.
kubectl apply --server-side -f tests/fixtures/crds/k8s.cni.cncf.io_network-attachment-definitions.yaml

log "running the tests against the kind cluster"
npm ci --no-audit --no-fund
ADMISSION_IPAM_TEST_KUBECONFIG="$KUBECONFIG" npx vitest run --project integration 2>&1 | tee kind-e2e.log
