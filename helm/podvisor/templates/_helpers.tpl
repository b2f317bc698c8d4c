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
A decimal number of seconds from a value that the schema lets be a number or a decimal string (helm --set).
*/}}
{{- define "podvisor.seconds" -}}
{{- float64 . }}
{{- end }}

{{/*
Seconds the kubelet waits between the start of the pod's termination and SIGKILL. The kubelet runs the preStop
hook first (when lifecycle.preStopSleepSeconds is set), then sends SIGTERM; podvisor then keeps the server serving
for shutdownDelaySeconds, sends the stop signal, lets the server drain for drainSeconds and kills its group after
killGraceMs. The margin covers podvisor's own exit (pending Kubernetes Events, the termination message).
Set terminationGracePeriodSeconds to override.
*/}}
{{- define "podvisor.terminationGracePeriodSeconds" -}}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds }}
{{- $podvisor := .Values.podvisor }}
{{- $afterSigterm := addf (include "podvisor.seconds" $podvisor.shutdownDelaySeconds) (include "podvisor.seconds" $podvisor.drainSeconds) (divf $podvisor.killGraceMs 1000) }}
{{- $total := addf (include "podvisor.seconds" .Values.lifecycle.preStopSleepSeconds) $afterSigterm }}
{{- int64 (addf (ceil $total) .Values.terminationGraceMarginSeconds) }}
{{- else }}
{{- int64 .Values.terminationGracePeriodSeconds }}
{{- end }}
{{- end }}

{{/*
The seconds podvisor has from SIGTERM to the kubelet's SIGKILL (PODVISOR_TERMINATION_GRACE_SECONDS): the grace
period less what a preStop sleep uses of it first. podvisor warns at start when its delay, drain and kill grace do
not fit.
*/}}
{{- define "podvisor.graceAfterSigterm" -}}
{{- $grace := include "podvisor.terminationGracePeriodSeconds" . | int64 }}
{{- max 0 (sub $grace (.Values.lifecycle.preStopSleepSeconds | int64)) }}
{{- end }}

{{/*
Whether podvisor talks to the Kubernetes API ("true" or empty): podvisor.kubernetes auto (in a pod: on) or on.
With it off the pod gets no service-account token, and no Role, RoleBinding or admission policy is rendered.
*/}}
{{- define "podvisor.kubernetesEnabled" -}}
{{- if ne .Values.podvisor.kubernetes "off" }}true{{ end }}
{{- end }}

{{/*
The Role and RoleBinding are rendered ("true" or empty).
*/}}
{{- define "podvisor.rbacEnabled" -}}
{{- if and .Values.rbac.create (include "podvisor.kubernetesEnabled" .) }}true{{ end }}
{{- end }}

{{/*
The admission policy that narrows the Role to the pod's own podvisor.io/* annotations is rendered ("true" or empty).
*/}}
{{- define "podvisor.admissionPolicyEnabled" -}}
{{- if and (include "podvisor.rbacEnabled" .) .Values.rbac.admissionPolicy }}true{{ end }}
{{- end }}

{{/*
The admission policy and its binding are cluster-scoped: named per release and namespace so that releases of the
same name in two namespaces do not claim one object.
*/}}
{{- define "podvisor.admissionPolicyName" -}}
{{- printf "%s-own-pod.%s" (include "podvisor.fullname" .) .Release.Namespace }}
{{- end }}

{{/*
Where the prefs ConfigMap is mounted.
*/}}
{{- define "podvisor.prefsDirectory" -}}
/etc/podvisor
{{- end }}

{{/*
automountServiceAccountToken of the pod and the ServiceAccount: the token only when podvisor uses the API.
*/}}
{{- define "podvisor.automountToken" -}}
{{- and .Values.serviceAccount.automount (include "podvisor.kubernetesEnabled" . | eq "true") }}
{{- end }}

{{/*
"true" when server.env sets the variable named .name: the chart then leaves its own value of it out rather than
render the name twice (podvisor.extraEnv holds only PODVISOR_* names). Called with (dict "name" NAME "context" $).
*/}}
{{- define "podvisor.userSetsEnv" -}}
{{- $name := .name }}
{{- $set := false }}
{{- range .context.Values.server.env }}
{{- if eq .name $name }}{{ $set = true }}{{ end }}
{{- end }}
{{- if $set }}true{{ end }}
{{- end }}

{{/*
Checks across values that the schema cannot express with a clear message; fails the render with one that names
the values.
*/}}
{{- define "podvisor.validateValues" -}}
{{- $delay := include "podvisor.seconds" .Values.podvisor.shutdownDelaySeconds | float64 }}
{{- $preStop := .Values.lifecycle.preStopSleepSeconds | int64 }}
{{- if and (gt $delay 0.0) (gt $preStop 0) }}
{{- fail (printf "lifecycle.preStopSleepSeconds (%d) and podvisor.shutdownDelaySeconds (%v) are both set: the kubelet runs the preStop sleep before SIGTERM and podvisor's delay starts after it, so they would add up. Keep podvisor.shutdownDelaySeconds (it fails readiness at once and needs nothing in the image) and set lifecycle.preStopSleepSeconds to 0, or set podvisor.shutdownDelaySeconds to 0." $preStop .Values.podvisor.shutdownDelaySeconds) }}
{{- end }}
{{- end }}
