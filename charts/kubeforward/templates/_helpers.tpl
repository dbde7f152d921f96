{{/* Names and labels. */}}
{{- define "kubeforward.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kubeforward.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "kubeforward.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kubeforward.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "kubeforward.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "kubeforward.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "kubeforward.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kubeforward.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "kubeforward.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* Where the configuration comes from: corefile (config.corefile), yaml (config.yaml) or preset (built from dns). */}}
{{- define "kubeforward.configMode" -}}
{{- if and .Values.config.corefile .Values.config.yaml }}
{{- fail "set at most one of config.corefile and config.yaml" }}
{{- else if .Values.config.corefile }}corefile
{{- else if .Values.config.yaml }}yaml
{{- else }}preset
{{- end }}
{{- end }}

{{/* The configuration file: its name in /etc/kubeforward, and its text. */}}
{{- define "kubeforward.configFileName" -}}
{{- if eq (include "kubeforward.configMode" .) "yaml" }}application.yaml{{ else }}Corefile{{ end }}
{{- end }}

{{- define "kubeforward.configText" -}}
{{- $mode := include "kubeforward.configMode" . }}
{{- if eq $mode "yaml" }}
{{- toYaml .Values.config.yaml }}
{{- else if eq $mode "corefile" }}
{{- .Values.config.corefile | trimSuffix "\n" }}
{{- else }}
{{- include "kubeforward.presetCorefile" . | trim }}
{{- end }}
{{- end }}

{{/* Namespaces that get a Role to read EndpointSlices. */}}
{{- define "kubeforward.rbacNamespaces" -}}
{{- $namespaces := .Values.rbac.namespaces | default (list .Values.dns.kubeDNS.namespace) }}
{{- toJson (uniq $namespaces) }}
{{- end }}

{{/* Addresses the preset listens on. */}}
{{- define "kubeforward.bind" -}}
{{- $dns := .Values.dns }}
{{- if $dns.kubeDNS.takeover }}
{{- $_ := required "dns.kubeDNS.takeover needs dns.kubeDNS.clusterIP" $dns.kubeDNS.clusterIP }}
{{- printf "%s %s" $dns.localIP $dns.kubeDNS.clusterIP }}
{{- else }}
{{- $dns.localIP }}
{{- end }}
{{- end }}

{{/* The node setup's local IPs, comma-separated: nodeSetup.localIPs, else the preset's bind addresses. */}}
{{- define "kubeforward.localIPs" -}}
{{- if .Values.nodeSetup.localIPs }}
{{- join "," .Values.nodeSetup.localIPs }}
{{- else }}
{{- include "kubeforward.bind" . | splitList " " | join "," }}
{{- end }}
{{- end }}

{{/*
The preset: node-local-dns's Corefile (docs/migrating.md) with kubeforward in place of `forward . CLUSTER_DNS_IP`.
The cluster domain and both reverse zones share one block, so one watch of the kube-dns EndpointSlices serves
all three (node-local-dns has three blocks only for their cache settings).
*/}}
{{- define "kubeforward.presetCorefile" -}}
{{- $dns := .Values.dns }}
{{- $bind := include "kubeforward.bind" . }}
{{- $port := int $dns.port }}
{{ $dns.clusterDomain }}:{{ $port }} in-addr.arpa:{{ $port }} ip6.arpa:{{ $port }} {
    errors
    {{- if $dns.cache }}
    cache {
        success 9984 30
        denial 9984 5
    }
    {{- end }}
    bind {{ $bind }}
    kubeforward {
        namespace {{ $dns.kubeDNS.namespace }}
        service_name {{ $dns.kubeDNS.service }}
        port_name {{ $dns.kubeDNS.portName }}
        {{- if $dns.kubeDNS.forceTCP }}
        force_tcp
        {{- end }}
        {{- if and $dns.kubeDNS.clusterIP (not $dns.kubeDNS.takeover) }}
        fallback {{ $dns.kubeDNS.clusterIP }}
        {{- end }}
        {{- if .Values.snapshot.enabled }}
        snapshot {{ .Values.snapshot.mountPath }}/{{ $dns.kubeDNS.namespace }}-{{ $dns.kubeDNS.service }}.json
        {{- end }}
        {{- range $dns.kubeDNS.options }}
        {{ . }}
        {{- end }}
    }
}
.:{{ $port }} {
    errors
    {{- if $dns.cache }}
    cache 30
    {{- end }}
    bind {{ $bind }}
    forward . {{ join " " $dns.upstreams }}
    {{- with $dns.upstreamOptions }} {
        {{- range . }}
        {{ . }}
        {{- end }}
    }
    {{- end }}
}
{{- end }}
