{{/*
The pod of kubeforward, as the DaemonSet's template or as a static pod (static: true; templates/static-pod.yaml).
Called with (dict "root" $ "static" BOOL).
*/}}
{{- define "kubeforward.podSpec" -}}
{{- $root := .root }}
{{- $v := .root.Values }}
{{- $static := .static }}
{{- $mode := include "kubeforward.configMode" $root }}
{{- if $static }}
# A static pod may reference no API object (no ServiceAccount, ConfigMap or Secret): its API credential is a
# kubeconfig on the node (staticPod.kubeconfig) and its configuration an annotation of its own.
automountServiceAccountToken: false
{{- else }}
serviceAccountName: {{ include "kubeforward.serviceAccountName" $root }}
{{- end }}
priorityClassName: {{ $v.priorityClassName }}
# The node's network namespace: the link-local address and port 53 are the node's. dnsPolicy Default: the
# pod resolves with the node's resolv.conf, never through itself.
hostNetwork: true
dnsPolicy: Default
terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
{{- if not $static }}
{{- with $v.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
{{- with $v.podSecurityContext }}
securityContext:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if not $static }}
{{- with $v.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
containers:
  - name: kubeforward
    image: {{ include "kubeforward.image" $root }}
    imagePullPolicy: {{ $v.image.pullPolicy }}
    {{- with $v.extraArgs }}
    args:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    env:
      - name: POD_NAMESPACE
        valueFrom:
          fieldRef:
            fieldPath: metadata.namespace
      - name: NODE_NAME
        valueFrom:
          fieldRef:
            fieldPath: spec.nodeName
      - name: SPRING_PROFILES_ACTIVE
        value: {{ join "," $v.springProfiles | quote }}
      # Replaces the JVM options of the image's launcher (bin/kubeforward).
      - name: KUBEFORWARD_JVM_OPTS
        value: {{ $v.jvmOptions | quote }}
      - name: SERVER_PORT
        value: {{ $v.managementPort | quote }}
      # kubeforward.readiness.file, and what `kubeforward --ready` (the readiness probe) checks.
      - name: KUBEFORWARD_READINESS_FILE
        value: /tmp/kubeforward/ready
      - name: KUBEFORWARD_LISTENER_LAMEDUCK
        value: {{ $v.lameduck | quote }}
      {{- if ne $v.logFormat "text" }}
      # Structured logging (logFormat): one JSON object per line.
      - name: LOGGING_STRUCTURED_FORMAT_CONSOLE
        value: {{ $v.logFormat | quote }}
      {{- end }}
      # Node setup (kubeforward.node-setup.*): node-cache's flags.
      - name: KUBEFORWARD_NODESETUP_ENABLED
        value: {{ $v.nodeSetup.enabled | quote }}
      {{- if $v.nodeSetup.enabled }}
      - name: KUBEFORWARD_NODESETUP_INTERFACENAME
        value: {{ $v.nodeSetup.interfaceName | quote }}
      - name: KUBEFORWARD_NODESETUP_LOCALIPS
        value: {{ include "kubeforward.localIPs" $root | quote }}
      - name: KUBEFORWARD_NODESETUP_DNSPORT
        value: {{ $v.dns.port | quote }}
      - name: KUBEFORWARD_NODESETUP_HEALTHPORT
        value: {{ $v.managementPort | quote }}
      - name: KUBEFORWARD_NODESETUP_SETUPINTERFACE
        value: {{ $v.nodeSetup.setupInterface | quote }}
      - name: KUBEFORWARD_NODESETUP_SETUPIPTABLES
        value: {{ $v.nodeSetup.setupIptables | quote }}
      - name: KUBEFORWARD_NODESETUP_SYNCINTERVAL
        value: {{ $v.nodeSetup.syncInterval | quote }}
      - name: KUBEFORWARD_NODESETUP_SKIPTEARDOWN
        value: {{ $v.nodeSetup.skipTeardown | quote }}
      {{- end }}
      {{- if eq $mode "yaml" }}
      - name: SPRING_CONFIG_ADDITIONAL_LOCATION
        value: file:/etc/kubeforward/
      {{- else }}
      - name: KUBEFORWARD_COREFILE
        value: /etc/kubeforward/Corefile
      {{- end }}
      {{- if $static }}
      - name: KUBEFORWARD_KUBERNETES_KUBECONFIG
        value: /etc/kubeforward-api/kubeconfig
      {{- end }}
      {{- with $v.extraEnv }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
    # No `ports:` on purpose: with hostNetwork a container port is a host port, and the scheduler would
    # not place the surge pod next to the old one (kubernetes/kubernetes#106417).
    startupProbe:
      httpGet:
        path: /actuator/health/liveness
        port: {{ $v.managementPort }}
      {{- toYaml $v.probes.startup | nindent 6 }}
    livenessProbe:
      httpGet:
        path: /actuator/health/liveness
        port: {{ $v.managementPort }}
      {{- toYaml $v.probes.liveness | nindent 6 }}
    # Readiness is this pod's own: a file its process touches every second while ready, in the pod's /tmp. An
    # HTTP probe could be answered by the other pod during a surge (both hold the node's management port with
    # SO_REUSEPORT): docs/install.md, "Upgrades".
    readinessProbe:
      exec:
        command: ["/app/kubeforward", "--ready"]
      {{- toYaml $v.probes.readiness | nindent 6 }}
    {{- with $v.resources }}
    resources:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    securityContext:
      {{- toYaml $v.securityContext | nindent 6 }}
    volumeMounts:
      - name: config
        mountPath: /etc/kubeforward
        readOnly: true
      - name: tmp
        mountPath: /tmp
      {{- if $v.snapshot.enabled }}
      - name: snapshot
        mountPath: {{ $v.snapshot.mountPath }}
      {{- end }}
      {{- if $v.xtablesLock }}
      - name: xtables-lock
        mountPath: /run/xtables.lock
      {{- end }}
      {{- if $static }}
      - name: api-kubeconfig
        mountPath: /etc/kubeforward-api/kubeconfig
        readOnly: true
      {{- end }}
volumes:
  - name: config
    {{- if $static }}
    downwardAPI:
      items:
        - path: {{ include "kubeforward.configFileName" $root }}
          fieldRef:
            fieldPath: metadata.annotations['kubeforward.io/{{ include "kubeforward.configFileName" $root }}']
    {{- else }}
    configMap:
      name: {{ include "kubeforward.fullname" $root }}
    {{- end }}
  - name: tmp
    emptyDir:
      sizeLimit: {{ $v.tmpSizeLimit }}
  {{- if $v.snapshot.enabled }}
  - name: snapshot
    hostPath:
      path: {{ $v.snapshot.hostPath }}
      type: DirectoryOrCreate
  {{- end }}
  {{- if $v.xtablesLock }}
  - name: xtables-lock
    hostPath:
      path: /run/xtables.lock
      type: FileOrCreate
  {{- end }}
  {{- if $static }}
  - name: api-kubeconfig
    hostPath:
      path: {{ required "staticPod.kubeconfig is required: a kubeconfig file on the node" $v.staticPod.kubeconfig }}
      type: File
  {{- end }}
{{- end }}
