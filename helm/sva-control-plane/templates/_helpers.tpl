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
{{- if and (eq .Values.security.mode "jwt") (or .Values.security.signingKey.jwk .Values.security.signingKey.existingSecret) }}
{{- fail "security.signingKey is for security.mode local; in jwt mode the issuer signs the tokens" }}
{{- end }}
{{- $replicas := int .Values.replicaCount }}
{{- if gt $replicas 1 }}
{{- if not (include "sva.sharedDatabase" .) }}
{{- fail (printf "replicaCount %d needs sva.profile postgres: profile %q keeps an H2 database inside the pod, and H2 serves one process (several replicas share one journal on PostgreSQL only). Set replicaCount to 1, or use PostgreSQL." $replicas (toString .Values.sva.profile)) }}
{{- end }}
{{- if and (eq .Values.security.mode "local") (not (include "sva.signingKeySecretName" .)) }}
{{- fail (printf "replicaCount %d in security.mode local needs one signing key for every pod: set security.signingKey.existingSecret (a Secret holding a private RSA JWK) or security.signingKey.jwk; otherwise each pod makes its own key and refuses the tokens the others minted" $replicas) }}
{{- end }}
{{- if and (eq .Values.security.mode "local") (not (include "sva.adminTokenSecretName" .)) }}
{{- fail (printf "replicaCount %d in security.mode local needs one admin token for every pod: set security.adminToken.existingSecret or security.adminToken.value; otherwise each pod makes its own" $replicas) }}
{{- end }}
{{- end }}
{{- if include "sva.sharedDatabase" . }}
{{- $lease := include "sva.millis" .Values.sva.replicas.lease | int64 }}
{{- $heartbeat := include "sva.millis" .Values.sva.replicas.heartbeat | int64 }}
{{- if ge $heartbeat $lease }}
{{- fail (printf "sva.replicas.heartbeat (%s) must be shorter than sva.replicas.lease (%s): a replica renews its lease before it lapses" .Values.sva.replicas.heartbeat .Values.sva.replicas.lease) }}
{{- end }}
{{- if le (mul (int64 .Values.terminationGracePeriodSeconds) 1000) (add (mul (int64 .Values.preStopSleepSeconds) 1000) $lease) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed preStopSleepSeconds (%d) + sva.replicas.lease (%s): a stopping pod finishes its writes, which may wait a lease for a silent replica" (int .Values.terminationGracePeriodSeconds) (int .Values.preStopSleepSeconds) .Values.sva.replicas.lease) }}
{{- end }}
{{- if and (eq (toString .Values.rollingUpdate.maxUnavailable) "0") (eq (toString .Values.rollingUpdate.maxSurge) "0") }}
{{- fail "rollingUpdate.maxUnavailable and rollingUpdate.maxSurge cannot both be 0" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
"true" when the profile uses PostgreSQL, shared by every replica (profile postgres); empty for H2.
*/}}
{{- define "sva.sharedDatabase" -}}
{{- range (splitList "," (toString .Values.sva.profile)) }}
{{- if eq (trim .) "postgres" }}true{{ end }}
{{- end }}
{{- end }}

{{/*
A duration of values.schema.json (digits and ms, s or m) in milliseconds.
*/}}
{{- define "sva.millis" -}}
{{- $v := toString . }}
{{- if hasSuffix "ms" $v }}{{ trimSuffix "ms" $v | int64 }}
{{- else if hasSuffix "s" $v }}{{ mul (trimSuffix "s" $v | int64) 1000 }}
{{- else if hasSuffix "m" $v }}{{ mul (trimSuffix "m" $v | int64) 60000 }}
{{- else }}{{ fail (printf "%q is not a duration in ms, s or m" $v) }}
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

{{/*
Name of the Secret holding the signing key (a private JWK) of local mode: the existing one, or the one
this chart creates from security.signingKey.jwk; empty when there is none (each pod then makes its own).
*/}}
{{- define "sva.signingKeySecretName" -}}
{{- if ne .Values.security.mode "local" }}
{{- else if .Values.security.signingKey.existingSecret }}
{{- .Values.security.signingKey.existingSecret }}
{{- else if .Values.security.signingKey.jwk }}
{{- printf "%s-signing-key" (include "sva.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
