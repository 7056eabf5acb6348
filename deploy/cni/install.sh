#!/bin/sh
# Installs admission-ipam's CNI IPAM plugin on a node, run by the DaemonSet in installer.yaml:
#   install.sh install   copy the plugin into the CNI binary directory as `spiderpool` and `admission-ipam`, and
#                        write the kubeconfig the plugin reads (the init container)
#   install.sh refresh   keep the ServiceAccount token beside that kubeconfig fresh (the long-running container)
# The kubeconfig names its token by `tokenFile`, so a refresh replaces one small file and never rewrites the kubeconfig.
# Every file is written beside its target and renamed over it: a runtime calling the plugin at that moment sees the
# old file or the new one, never half of one (and copying onto a binary being executed would fail with ETXTBSY).
set -eu

CNI_BIN_DIR=${CNI_BIN_DIR:-/host/opt/cni/bin}
CNI_CONF_DIR=${CNI_CONF_DIR:-/host/etc/cni/net.d}
# The single executable by default (no Node on the host); /plugin/bundle/spiderpool needs `node` on the host.
PLUGIN_SOURCE=${PLUGIN_SOURCE:-/plugin/sea/spiderpool}
# The projected ServiceAccount token and the cluster CA (see the volume "cni-token" in installer.yaml).
SA_DIR=${SA_DIR:-/var/run/secrets/admission-ipam-cni}
REFRESH_SECONDS=${REFRESH_SECONDS:-60}
DEST="$CNI_CONF_DIR/admission-ipam.d"

log() { printf '%s admission-ipam-cni: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

api_server() {
  if [ -n "${KUBERNETES_API_SERVER:-}" ]; then
    printf '%s' "$KUBERNETES_API_SERVER"
    return
  fi
  host=${KUBERNETES_SERVICE_HOST:?neither KUBERNETES_API_SERVER nor KUBERNETES_SERVICE_HOST is set}
  case "$host" in *:*) host="[$host]" ;; esac
  printf 'https://%s:%s' "$host" "${KUBERNETES_SERVICE_PORT:-443}"
}

# replace SOURCE TARGET MODE
replace() {
  tmp="$(dirname "$2")/.$(basename "$2").tmp.$$"
  cp "$1" "$tmp"
  chmod "$3" "$tmp"
  mv -f "$tmp" "$2"
}

install_plugin() {
  [ -f "$PLUGIN_SOURCE" ] || { log "plugin $PLUGIN_SOURCE not found"; exit 1; }
  mkdir -p "$CNI_BIN_DIR"
  for name in spiderpool admission-ipam; do
    replace "$PLUGIN_SOURCE" "$CNI_BIN_DIR/$name" 755
  done
  log "installed $CNI_BIN_DIR/spiderpool and $CNI_BIN_DIR/admission-ipam"
}

refresh_token() {
  [ -s "$SA_DIR/token" ] || { log "no token in $SA_DIR/token"; return 1; }
  if ! cmp -s "$SA_DIR/token" "$DEST/token" 2>/dev/null; then
    replace "$SA_DIR/token" "$DEST/token" 600
    log "token refreshed"
  fi
}

write_kubeconfig() {
  mkdir -p "$DEST"
  chmod 700 "$DEST"
  ca=$(base64 < "$SA_DIR/ca.crt" | tr -d '\n')
  tmp="$DEST/.admission-ipam.kubeconfig.tmp.$$"
  cat > "$tmp" <<KUBECONFIG
# Written by admission-ipam's CNI installer: the node's credentials for the IPAM plugin (get Pods, get SpiderIPPools).
apiVersion: v1
kind: Config
clusters:
- name: cluster
  cluster:
    server: $(api_server)
    certificate-authority-data: $ca
users:
- name: admission-ipam-cni
  user:
    tokenFile: token
contexts:
- name: admission-ipam-cni
  context:
    cluster: cluster
    user: admission-ipam-cni
current-context: admission-ipam-cni
KUBECONFIG
  chmod 600 "$tmp"
  mv -f "$tmp" "$DEST/admission-ipam.kubeconfig"
  log "wrote $DEST/admission-ipam.kubeconfig"
}

case "${1:-}" in
  install)
    install_plugin
    write_kubeconfig
    refresh_token
    ;;
  refresh)
    # The kubelet renews a projected token once 80 % of its lifetime has passed; checking every minute copies the new
    # one long before the old one (1 h in installer.yaml) expires.
    trap 'exit 0' TERM INT
    write_kubeconfig
    while :; do
      refresh_token || log "token not refreshed; retrying in ${REFRESH_SECONDS}s"
      [ -n "${REFRESH_ONCE:-}" ] && exit 0
      sleep "$REFRESH_SECONDS" &
      wait $!
    done
    ;;
  *)
    echo "usage: $0 install|refresh" >&2
    exit 2
    ;;
esac
