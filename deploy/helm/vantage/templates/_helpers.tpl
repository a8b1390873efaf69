{{/* The release's name for every object, cut to Kubernetes' 63 characters. */}}
{{- define "vantage.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "vantage.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Labels a role's pods are selected by: include "vantage.selector" (list . "collector"). */}}
{{- define "vantage.selector" -}}
{{- $ := index . 0 -}}
app.kubernetes.io/name: {{ $.Chart.Name }}
app.kubernetes.io/instance: {{ $.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "vantage.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "vantage.secretName" -}}
{{- .Values.auth.existingSecret | default (printf "%s-auth" (include "vantage.fullname" .)) -}}
{{- end -}}

{{/* One worker per Kafka partition unless told otherwise. */}}
{{- define "vantage.workerReplicas" -}}
{{- if kindIs "invalid" .Values.worker.replicas -}}
{{- .Values.kafka.partitions -}}
{{- else -}}
{{- .Values.worker.replicas -}}
{{- end -}}
{{- end -}}

{{/* The environment every role shares: where Kafka and ClickHouse are, and the secrets. */}}
{{- define "vantage.env" -}}
- name: VANTAGE_HOST
  value: 0.0.0.0
- name: VANTAGE_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: VANTAGE_KAFKA_BROKERS
  value: {{ join "," .Values.kafka.brokers | quote }}
- name: VANTAGE_KAFKA_TOPIC
  value: {{ .Values.kafka.topic | quote }}
- name: VANTAGE_KAFKA_PARTITIONS
  value: {{ .Values.kafka.partitions | quote }}
- name: VANTAGE_KAFKA_GROUP
  value: {{ .Values.kafka.group | quote }}
- name: VANTAGE_CLICKHOUSE_URL
  value: {{ .Values.clickhouse.url | quote }}
- name: VANTAGE_CLICKHOUSE_USER
  value: {{ .Values.clickhouse.user | quote }}
- name: VANTAGE_CLICKHOUSE_DATABASE
  value: {{ .Values.clickhouse.database | quote }}
{{- with .Values.clickhouse.cluster }}
- name: VANTAGE_CLICKHOUSE_CLUSTER
  value: {{ . | quote }}
{{- end }}
{{- range $key := list "VANTAGE_API_KEYS" "VANTAGE_METRICS_TOKEN" "VANTAGE_CLICKHOUSE_PASSWORD" }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ include "vantage.secretName" $ }}
      key: {{ $key }}
      optional: true
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* What every pod of the chart shares: security, pull secrets, a writable /tmp. */}}
{{- define "vantage.podCommon" -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  - name: tmp
    emptyDir: {}
{{- end -}}

{{/* A role's /live and /ready probes on a named port. */}}
{{- define "vantage.probes" -}}
livenessProbe:
  httpGet: { path: /live, port: {{ . }} }
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet: { path: /ready, port: {{ . }} }
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 2
startupProbe:
  httpGet: { path: /live, port: {{ . }} }
  periodSeconds: 2
  failureThreshold: 60
{{- end -}}
