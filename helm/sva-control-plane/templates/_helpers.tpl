{{/*
Chart name, truncated to the 63 characters Kubernetes allows in names.
*/}}
{{- define "sva.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: release-chart unless the release name already contains the chart name.
*/}}
{{- define "sva.fullname" -}}
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
Chart label value: name-version.
*/}}
{{- define "sva.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "sva.labels" -}}
helm.sh/chart: {{ include "sva.chart" . }}
{{ include "sva.selectorLabels" . }}
app.kubernetes.io/version: {{ (default .Chart.AppVersion .Values.image.tag) | toString | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: sva
{{- end }}

{{/*
Selector labels (stable across upgrades: never add version-like values here).
*/}}
{{- define "sva.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sva.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Container image reference.
*/}}
{{- define "sva.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag | toString) }}
{{- end }}

{{/*
Name of the Secret holding the database credentials: the existing one, or the one this chart creates.
*/}}
{{- define "sva.databaseSecretName" -}}
{{- if .Values.database.existingSecret }}
{{- .Values.database.existingSecret }}
{{- else }}
{{- printf "%s-db" (include "sva.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
Checks that fail the render early with a readable message.
*/}}
{{- define "sva.validate" -}}
{{- if not (has .Values.sva.isolation (list "STRICT" "GROUP_AWARE")) }}
{{- fail (printf "sva.isolation must be STRICT or GROUP_AWARE, not %q" (toString .Values.sva.isolation)) }}
{{- end }}
{{- if and (eq .Values.security.mode "jwt") (not .Values.security.issuer) (not .Values.security.jwkSetUri) }}
{{- fail "security.mode jwt needs security.issuer or security.jwkSetUri" }}
{{- end }}
{{- if and (eq .Values.security.mode "jwt") (or .Values.security.adminToken.value .Values.security.adminToken.existingSecret) }}
{{- fail "security.adminToken is for security.mode local; in jwt mode the issuer's tokens name the admin" }}
{{- end }}
{{- range .Values.security.subjects }}
{{- if and (eq .role "sva:agent") (not .node) }}
{{- fail (printf "security.subjects: %s has role sva:agent and needs a node" .subject) }}
{{- end }}
{{- if and (eq .role "sva:tenant") (not .tenant) }}
{{- fail (printf "security.subjects: %s has role sva:tenant and needs a tenant" .subject) }}
{{- end }}
{{- end }}
{{- if and .Values.database.existingSecret (or (not .Values.database.secretKeys.username) (not .Values.database.secretKeys.password)) }}
{{- fail "database.secretKeys.username and database.secretKeys.password must name keys of database.existingSecret" }}
{{- end }}
{{- end }}

{{/*
Name of the ServiceAccount the pod runs as: the one this chart creates, or an existing one.
*/}}
{{- define "sva.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "sva.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The label that lets a pod through the NetworkPolicy to the API (the helm test pod carries it).
*/}}
{{- define "sva.clientLabel" -}}
{{ include "sva.fullname" . }}-client: "true"
{{- end }}

{{/*
Name of the Secret holding the admin token of local mode: the existing one, or the one this chart
creates from security.adminToken.value; empty when there is none (the service then makes its own).
*/}}
{{- define "sva.adminTokenSecretName" -}}
{{- if ne .Values.security.mode "local" }}
{{- else if .Values.security.adminToken.existingSecret }}
{{- .Values.security.adminToken.existingSecret }}
{{- else if .Values.security.adminToken.value }}
{{- printf "%s-admin-token" (include "sva.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
