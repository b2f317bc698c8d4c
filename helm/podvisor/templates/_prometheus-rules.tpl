{{/*
The alerting rules, as the `groups:` of a Prometheus rule file: the PrometheusRule's spec, and (rendered with
metrics.prometheusRule.scope "all" by scripts/render-prometheus-rules.ts) monitoring/podvisor.rules.yaml for a
Prometheus without the Operator. test/chart/prometheus-rules.test.ts keeps the two equal and runs promtool's unit
tests for every scrape setup docs/monitoring.md offers.

Every scrape setup gives `job` and `instance`; the Operator's monitors and the usual kubernetes_sd relabelling
also give `namespace` and `pod`, a static config does not. So every alert groups by all four: a label a setup
lacks is simply empty, never a reason for the alert to stay silent. With scope "release" the selectors keep to
this release's pods where the series say which pod they are from (`namespace=~"NS|"` also matches a series
without a namespace label), so two releases do not raise each other's alerts twice.
*/}}
{{- define "podvisor.prometheusRuleMatchers" -}}
{{- if eq .Values.metrics.prometheusRule.scope "release" -}}
namespace=~"{{ .Release.Namespace }}|",pod=~"{{ include "podvisor.fullname" . }}-[a-z0-9]+-[a-z0-9]+|",
{{- end -}}
{{- end }}

{{/* Where an alert is: namespace/pod when the series have them, else instance and job (a static config). */}}
{{- define "podvisor.alertWhere" -}}
{{ `{{ with $labels.pod }}pod {{ with $labels.namespace }}{{ . }}/{{ end }}{{ . }}{{ else }}{{ $labels.instance }} (job {{ $labels.job }}){{ end }}` }}
{{- end }}

{{- define "podvisor.prometheusRuleGroups" -}}
{{- $rule := .Values.metrics.prometheusRule -}}
{{- $m := include "podvisor.prometheusRuleMatchers" . -}}
{{- $only := trimSuffix "," $m -}}
{{- $by := "job, instance, namespace, pod" -}}
{{- $where := include "podvisor.alertWhere" . -}}
- name: podvisor
  rules:
    - alert: PodvisorServerRestartingOften
      expr: sum by ({{ $by }}) (increase(podvisor_server_restarts_total{ {{- $m }}reason!="sigint"}[15m])) > {{ $rule.restartsPer15m }}
      labels:
        severity: warning
      annotations:
        summary: {{ printf "The server at %s restarted {{ $value | humanize }} times in 15 minutes." $where | quote }}
        description: {{ `It exited, was killed, logged a confirmed fatal error or never got ready (podvisor_server_restarts_total by reason says which); an operator's restart (SIGINT, podvisor ctl restart) does not count.` | quote }}
    - alert: PodvisorServerCrashLooping
      expr: max by ({{ $by }}) (max_over_time(podvisor_restart_backoff_seconds{{ with $only }}{ {{- . -}} }{{ end }}[10m])) >= {{ $rule.crashLoopBackoffSeconds }}
      for: 1m
      labels:
        severity: critical
      annotations:
        summary: {{ printf "The server at %s is crash looping (restart back-off reached {{ $value | humanize }} s)." $where | quote }}
        description: {{ `It keeps dying soon after each start; past the start limit podvisor gives up and exits 1, and Kubernetes restarts the container.` | quote }}
    - alert: PodvisorServerFatalErrors
      expr: sum by ({{ $by }}) (increase(podvisor_server_restarts_total{ {{- $m }}reason=~"fatal_log|fatal_error"}[15m])) > 0
      labels:
        severity: warning
      annotations:
        summary: {{ printf "The server at %s hit a confirmed fatal error and was restarted." $where | quote }}
        description: {{ `A fatal log line followed by the server's exit or failed health check (or a fatal error reported by the server kit) ended it; the pod's Kubernetes Events carry the offending line.` | quote }}
    - alert: PodvisorServerKilled
      expr: sum by ({{ $by }}) (increase(podvisor_server_exits_total{ {{- $m }}signal="SIGKILL",stopped_by!="podvisor"}[15m]) or increase(podvisor_server_exits_total{ {{- $m }}code="137",stopped_by!="podvisor"}[15m])) > 0
      labels:
        severity: warning
      annotations:
        summary: {{ printf "The server at %s was killed by SIGKILL that podvisor did not send: most likely the kernel's OOM killer." $where | quote }}
        description: {{ `The container's memory limit was reached and the kernel killed the largest process, the server (podvisor restarted it). Raise resources.limits.memory or find the leak; podvisor_server_exits_total{signal="SIGKILL"} counts them.` | quote }}
    - alert: PodvisorGaveUp
      expr: max by ({{ $by }}) (changes(podvisor_process_start_time_seconds{{ with $only }}{ {{- . -}} }{{ end }}[15m])) > 0
      labels:
        severity: critical
      annotations:
        summary: {{ printf "podvisor at %s itself restarted: it gave up after the start limit, or was killed." $where | quote }}
        description: {{ `The container restarted in place. Check the previous container's logs (kubectl logs --previous) for "giving up", and its termination message (kubectl describe pod).` | quote }}
    - alert: PodvisorServerNotReady
      expr: max by ({{ $by }}) (podvisor_server_state{ {{- $m }}state="running"}) == 0
      for: {{ $rule.notReadyFor }}
      labels:
        severity: warning
      annotations:
        summary: {{ printf "The server at %s has not been running (ready) for %s." $where $rule.notReadyFor | quote }}
        description: {{ `podvisor_server_state shows which state it is stuck in (starting, refusing_connections, idle, backoff...).` | quote }}
    - alert: PodvisorFatalLinesNotConfirmed
      expr: sum by ({{ $by }}) (increase(podvisor_fatal_lines_total{ {{- $m }}outcome="not_confirmed"}[1h])) > 0
      labels:
        severity: info
      annotations:
        summary: {{ printf "The server at %s logged fatal lines and kept serving ({{ $value | humanize }} in the last hour)." $where | quote }}
        description: {{ `podvisor did not restart it: the server neither exited nor failed its health check within the confirmation time. If such lines are harmless, narrow PODVISOR_RESTART_ON_LOG.` | quote }}
    - alert: PodvisorDrainKilled
      expr: sum by ({{ $by }}) (increase(podvisor_shutdown_drain_seconds_count{ {{- $m }}outcome="killed"}[1h])) > 0
      labels:
        severity: info
      annotations:
        summary: {{ printf "The server at %s did not drain within drainSeconds and was killed." $where | quote }}
        description: {{ `Sessions were cut. Raise podvisor.drainSeconds (terminationGracePeriodSeconds follows) or make the server end sessions faster.` | quote }}
    - alert: PodvisorKubernetesEventsFailing
      expr: sum by ({{ $by }}) (increase(podvisor_kubernetes_events_total{ {{- $m }}result=~"failed|dropped"}[15m])) > 0
      labels:
        severity: info
      annotations:
        summary: {{ printf "podvisor at %s could not record {{ $value | humanize }} Kubernetes Events in 15 minutes." $where | quote }}
        description: {{ `The API server was unreachable, refused the request (RBAC, admission policy) or the queue was full; supervision is unaffected. podvisor's log names the cause.` | quote }}
{{- end }}
