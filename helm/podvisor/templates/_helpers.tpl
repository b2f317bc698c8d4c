{{/*
Expand the name of the chart.
*/}}
{{- define "podvisor.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
A default fully qualified app name, truncated at 63 characters (some Kubernetes name fields are limited to this).
If the release name contains the chart name it is used as the full name.
*/}}
{{- define "podvisor.fullname" -}}
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

{{/*
Chart name and version as used by the chart label.
*/}}
{{- define "podvisor.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "podvisor.labels" -}}
helm.sh/chart: {{ include "podvisor.chart" . }}
{{ include "podvisor.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels.
*/}}
{{- define "podvisor.selectorLabels" -}}
app.kubernetes.io/name: {{ include "podvisor.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The name of the service account to use.
*/}}
{{- define "podvisor.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "podvisor.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The image reference; the tag defaults to the chart's appVersion.
*/}}
{{- define "podvisor.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/*
A number as podvisor parses it: integers without an exponent (Helm reads YAML numbers as float64, and
printing 3600000 as a float gives 3.6e+06), fractions as they are.
*/}}
{{- define "podvisor.number" -}}
{{- if eq (float64 .) (floor .) }}{{ int64 . }}{{ else }}{{ . }}{{ end }}
{{- end }}

{{/*
Seconds the kubelet waits between SIGTERM and SIGKILL: the drain podvisor allows the server, its kill grace,
and a margin for podvisor's own exit (pending Kubernetes Events) — unless set explicitly.
*/}}
{{- define "podvisor.terminationGracePeriodSeconds" -}}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds }}
{{- $podvisorDeadline := addf (float64 .Values.podvisor.drainSeconds) (divf .Values.podvisor.killGraceMs 1000) }}
{{- int64 (addf (ceil $podvisorDeadline) .Values.terminationGraceMarginSeconds) }}
{{- else }}
{{- int64 .Values.terminationGracePeriodSeconds }}
{{- end }}
{{- end }}

{{/*
Where the prefs ConfigMap is mounted.
*/}}
{{- define "podvisor.prefsDirectory" -}}
/etc/podvisor
{{- end }}
