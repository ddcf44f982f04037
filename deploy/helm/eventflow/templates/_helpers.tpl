{{- define "eventflow.name" -}}eventflow-controller{{- end -}}

{{- define "eventflow.labels" -}}
app.kubernetes.io/name: eventflow-controller
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: eventflow
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{- define "eventflow.selector" -}}
app.kubernetes.io/name: eventflow-controller
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "eventflow.secretName" -}}
{{- default "eventflow-secrets" .Values.auth.existingSecret -}}
{{- end -}}

{{- define "eventflow.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}
{{- end -}}
