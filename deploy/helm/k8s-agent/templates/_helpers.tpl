{{- define "k8s-agent.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "k8s-agent.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "k8s-agent.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "k8s-agent.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* The name of one service's objects (Deployment, ServiceAccount, Role): <fullname>-<service>. */}}
{{- define "k8s-agent.component" -}}
{{- printf "%s-%s" (include "k8s-agent.fullname" .context) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "k8s-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "k8s-agent.name" .context }}
app.kubernetes.io/instance: {{ .context.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Common labels without the component, which RBAC files spell literally so they stay readable YAML. */}}
{{- define "k8s-agent.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "k8s-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: k8s-agent
{{- end }}

{{- define "k8s-agent.image" -}}
{{- $image := .context.Values.image -}}
{{- $tag := default .context.Chart.AppVersion $image.tag -}}
{{- if $image.registry -}}
{{- printf "%s/%s/%s:%s" $image.registry $image.repository .component $tag -}}
{{- else -}}
{{- printf "%s/%s:%s" $image.repository .component $tag -}}
{{- end -}}
{{- end }}
