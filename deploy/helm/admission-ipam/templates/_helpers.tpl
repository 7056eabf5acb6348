{{- define "admission-ipam.labels" -}}
app.kubernetes.io/name: admission-ipam
app.kubernetes.io/component: webhook
{{- end }}

{{- define "admission-ipam.cniLabels" -}}
app.kubernetes.io/name: admission-ipam
app.kubernetes.io/component: cni
{{- end }}

{{- define "admission-ipam.excludedNamespaces" -}}
{{- toYaml (uniq (append .Values.excludedNamespaces .Release.Namespace)) }}
{{- end }}

{{- define "admission-ipam.tlsSecret" -}}
{{- if eq .Values.certificate.mode "provided" -}}
{{- required "certificate.secretName is required with certificate.mode=provided" .Values.certificate.secretName }}
{{- else -}}
{{- default "admission-ipam-webhook-cert" .Values.certificate.secretName }}
{{- end }}
{{- end }}

{{- define "admission-ipam.webhookAnnotations" -}}
{{- if eq .Values.certificate.mode "cert-manager" -}}
cert-manager.io/inject-ca-from: {{ .Release.Namespace }}/admission-ipam-webhook
{{- end }}
{{- end }}

{{- define "admission-ipam.checkValues" -}}
{{- if not (has .Values.certificate.mode (list "builtin" "provided" "cert-manager")) }}
{{- fail (printf "certificate.mode=%s: expected builtin, provided or cert-manager" .Values.certificate.mode) }}
{{- end }}
{{- if not (has .Values.primaryNetwork (list "ours" "annotated" "other")) }}
{{- fail (printf "primaryNetwork=%s: expected ours, annotated or other" .Values.primaryNetwork) }}
{{- end }}
{{- end }}
