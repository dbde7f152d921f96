package io.kubeforward.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeforward.config.CacheOptions;
import io.kubeforward.config.ConfigConfiguration;
import io.kubeforward.config.ForwardRule;
import io.kubeforward.config.KubeforwardConfig;
import io.kubeforward.config.KubernetesServiceUpstreams;
import io.kubeforward.config.Policy;
import io.kubeforward.config.ServerBlock;
import io.kubeforward.config.StaticUpstreams;
import io.kubeforward.nodelocal.NodeSetupProperties;
import io.kubeforward.server.ListenerProperties;
import io.kubeforward.testcluster.KubernetesCluster;
import io.kubeforward.testcluster.RealKubernetesCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.yaml.snakeyaml.Yaml;

/**
 * The Helm chart {@code charts/kubeforward} with the real helm and kubectl of the cluster tier: {@code helm lint},
 * {@code helm template} with the default values and each {@code ci/*-values.yaml}, and the rendered manifests
 * applied with a server-side dry run against the real kube-apiserver (admission, schema and RBAC validation, no
 * object kept). From the rendered YAML it checks what the chart promises: RBAC limited to reading EndpointSlices
 * in named namespaces, the container's capabilities, the DaemonSet's node-local settings; and, binding the
 * rendered environment and ConfigMap the way the pod's Spring Boot would (without starting anything), that
 * kubeforward accepts the configuration and that the node setup holds exactly the addresses it binds.
 */
@RealKubernetesCluster
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HelmChartTest {

    private static final Path CHART = Path.of("charts/kubeforward");
    private static final String RELEASE = "kf";
    private static final long HELM_TIMEOUT_SECONDS = 120;
    /** The snapshot directory the chart mounts from the node; replaced by a temporary one to load the config here. */
    private static final String NODE_SNAPSHOT_DIR = "/var/lib/kubeforward";
    /** Where the pod mounts the ConfigMap; replaced by a temporary directory to load the config here. */
    private static final String CONFIG_DIR = "/etc/kubeforward";
    /** prometheus-operator kinds: the test cluster has no CRDs for them, so they are rendered but never applied. */
    private static final String OPERATOR_API_GROUP = "monitoring.coreos.com/";
    private static final InetAddress LOCAL_IP = ip("169.254.20.10");
    private static final InetAddress KUBE_DNS_IP = ip("10.96.0.10");

    private final KubernetesCluster cluster;
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    /** Where the release goes (the DaemonSet, its ServiceAccount, ConfigMap, Service). */
    private final String releaseNamespace = "kf-chart-" + suffix;
    /** Where the DNS Service lives: the Role and RoleBinding go here. */
    private final String dnsNamespace = "kf-dns-" + suffix;

    @TempDir
    Path dir;

    HelmChartTest(KubernetesCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void createNamespaces() {
        cluster.kubectl("create", "namespace", releaseNamespace);
        cluster.kubectl("create", "namespace", dnsNamespace);
    }

    /** No values file (the defaults), and each values file HelmChartTest applies. */
    static Stream<String> valuesFiles() {
        return Stream.of("", "ci/corefile-values.yaml", "ci/yaml-values.yaml");
    }

    @Test
    void lintPassesWithTheDefaultsAndEveryCiValuesFile() throws IOException {
        helm("lint", "--strict", CHART.toString());
        try (Stream<Path> files = Files.list(CHART.resolve("ci"))) {
            List<Path> valuesFiles = files.filter(f -> f.toString().endsWith("-values.yaml")).sorted().toList();
            assertThat(valuesFiles).hasSizeGreaterThanOrEqualTo(3);
            for (Path values : valuesFiles) {
                helm("lint", "--strict", CHART.toString(), "--values", values.toString());
            }
        }
    }

    @ParameterizedTest(name = "values: [{0}]")
    @MethodSource("valuesFiles")
    void renderedManifestsPassAServerSideDryRunAgainstTheRealApiServer(String valuesFile) {
        String rendered = template(valuesFile);
        List<Map<String, Object>> manifests = parse(rendered);
        assertThat(kinds(manifests)).containsExactlyInAnyOrder(
                "ServiceAccount", "ConfigMap", "Role", "RoleBinding", "Service", "DaemonSet");

        String out = applyDryRun(manifests);

        assertThat(out).contains(
                "serviceaccount/kf-kubeforward created (server dry run)",
                "configmap/kf-kubeforward created (server dry run)",
                "role.rbac.authorization.k8s.io/kf-kubeforward-endpointslices created (server dry run)",
                "rolebinding.rbac.authorization.k8s.io/kf-kubeforward-endpointslices created (server dry run)",
                "service/kf-kubeforward-metrics created (server dry run)",
                "daemonset.apps/kf-kubeforward created (server dry run)");
    }

    @ParameterizedTest(name = "values: [{0}]")
    @MethodSource("valuesFiles")
    void theRoleGrantsExactlyGetListWatchOnEndpointSlicesAndThereIsNoClusterRole(String valuesFile) {
        List<Map<String, Object>> manifests = parse(template(valuesFile));

        assertThat(kinds(manifests)).doesNotContain("ClusterRole", "ClusterRoleBinding");
        List<Map<String, Object>> roles = ofKind(manifests, "Role");
        assertThat(roles).hasSize(1);
        Map<String, Object> role = roles.get(0);
        assertThat(at(role, "metadata", "namespace")).isEqualTo(dnsNamespace);
        List<Map<String, Object>> rules = list(role, "rules");
        assertThat(rules).hasSize(1);
        Map<String, Object> rule = rules.get(0);
        assertThat(rule.keySet()).containsExactlyInAnyOrder("apiGroups", "resources", "verbs");
        assertThat(list(rule, "apiGroups")).containsExactly("discovery.k8s.io");
        assertThat(list(rule, "resources")).containsExactly("endpointslices");
        assertThat(list(rule, "verbs")).containsExactlyInAnyOrder("get", "list", "watch");

        Map<String, Object> binding = single(manifests, "RoleBinding");
        assertThat(at(binding, "metadata", "namespace")).isEqualTo(dnsNamespace);
        assertThat(at(binding, "roleRef")).isEqualTo(Map.of(
                "apiGroup", "rbac.authorization.k8s.io", "kind", "Role", "name", at(role, "metadata", "name")));
        assertThat(list(binding, "subjects")).containsExactly(Map.of(
                "kind", "ServiceAccount", "name", "kf-kubeforward", "namespace", releaseNamespace));
    }

    @Test
    void readingNodesForZonePreferenceIsOptInAndGrantsOnlyGetOnNodes() {
        List<Map<String, Object>> manifests = parse(template("", "--set", "rbac.readNodes=true"));

        Map<String, Object> clusterRole = single(manifests, "ClusterRole");
        assertThat(list(clusterRole, "rules")).containsExactly(Map.of(
                "apiGroups", List.of(""), "resources", List.of("nodes"), "verbs", List.of("get")));
        assertThat(applyDryRun(manifests)).contains(
                "clusterrole.rbac.authorization.k8s.io/kf-kubeforward-read-nodes created (server dry run)",
                "clusterrolebinding.rbac.authorization.k8s.io/kf-kubeforward-read-nodes created (server dry run)");
    }

    @ParameterizedTest(name = "values: [{0}]")
    @MethodSource("valuesFiles")
    void theDaemonSetIsNodeLocalWithOnlyNetAdminAndNetBindService(String valuesFile) throws IOException {
        Map<String, Object> daemonSet = single(parse(template(valuesFile)), "DaemonSet");
        Map<String, Object> pod = map(daemonSet, "spec", "template", "spec");
        Map<String, Object> container = single(list(pod, "containers"));

        Map<String, Object> security = map(container, "securityContext");
        assertThat(list(security, "capabilities", "add")).containsExactlyInAnyOrder("NET_ADMIN", "NET_RAW", "NET_BIND_SERVICE");
        assertThat(list(security, "capabilities", "drop")).containsExactly("ALL");
        assertThat(security).containsEntry("readOnlyRootFilesystem", true).containsEntry("allowPrivilegeEscalation", false)
                .doesNotContainKey("privileged");
        assertThat(pod).doesNotContainKey("initContainers");

        assertThat(pod).containsEntry("hostNetwork", true).containsEntry("dnsPolicy", "Default")
                .containsEntry("priorityClassName", "system-node-critical");
        assertThat(list(pod, "tolerations")).containsExactly(Map.of("operator", "Exists"));
        assertThat(map(daemonSet, "spec", "updateStrategy", "rollingUpdate"))
                .isEqualTo(Map.of("maxSurge", 1, "maxUnavailable", 0));
        // A container port on a hostNetwork pod is a host port: the surge pod could not be scheduled.
        assertThat(container).doesNotContainKey("ports");
        // Readiness through the pod's own file: the management port is shared with a surge pod (SO_REUSEPORT).
        assertThat(at(container, "readinessProbe", "exec", "command")).isEqualTo(List.of("/app/kubeforward", "--ready"));
        assertThat(HelmChartTest.<Map<String, Object>>list(container, "env"))
                .contains(Map.of("name", "KUBEFORWARD_READINESS_FILE", "value", "/tmp/kubeforward/ready"));
        assertThat(at(container, "livenessProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
        assertThat(HelmChartTest.<Map<String, Object>>list(container, "volumeMounts")).extracting(m -> m.get("mountPath"))
                .contains("/tmp", "/etc/kubeforward", NODE_SNAPSHOT_DIR, "/run/xtables.lock");
        assertThat(HelmChartTest.<Map<String, Object>>list(container, "env")).extracting(e -> e.get("name"))
                .contains("POD_NAMESPACE", "NODE_NAME", "SPRING_PROFILES_ACTIVE", "KUBEFORWARD_JVM_OPTS", "SERVER_PORT",
                        "KUBEFORWARD_NODESETUP_ENABLED", "KUBEFORWARD_NODESETUP_LOCALIPS");
        // The chart's JVM options replace the launcher's: by default they are the same (the measured ones).
        Object jvmOptions = HelmChartTest.<Map<String, Object>>list(container, "env").stream()
                .filter(e -> "KUBEFORWARD_JVM_OPTS".equals(e.get("name"))).findFirst().orElseThrow().get("value");
        assertThat(normalized(jvmOptions.toString())).isEqualTo(normalized(launcherDefaultJvmOptions()));
    }

    @ParameterizedTest(name = "values: [{0}] -> {1}")
    @MethodSource("configurations")
    void asAStaticPodThePodIsTheDaemonSetsWithNoApiObjectAndItsConfigurationInItsOwnAnnotation(String valuesFile, String key) {
        // An install in static pod mode: the RBAC and the ServiceAccount the node's kubeconfig uses, no DaemonSet.
        assertThat(kinds(parse(template(valuesFile, "--set", "staticPod.enabled=true"))))
                .containsExactlyInAnyOrder("ServiceAccount", "Role", "RoleBinding", "Service");
        List<Map<String, Object>> asDaemonSet = parse(template(valuesFile));
        Map<String, Object> daemonSetPod = map(single(asDaemonSet, "DaemonSet"), "spec", "template", "spec");
        List<Map<String, Object>> rendered = parse(template(valuesFile, "--set", "staticPod.manifest=true",
                "--set", "staticPod.kubeconfig=/etc/kubeforward/kubeconfig", "--show-only", "templates/static-pod.yaml"));
        Map<String, Object> pod = single(rendered, "Pod");
        Map<String, Object> spec = map(pod, "spec");

        // The configuration file the DaemonSet's pod reads from its ConfigMap, here from its own annotation.
        String text = (String) map(configMap(asDaemonSet), "data").get(key);
        assertThat(map(pod, "metadata", "annotations")).containsEntry("kubeforward.io/" + key, text);
        Map<String, Object> config = single(HelmChartTest.<Map<String, Object>>list(spec, "volumes").stream()
                .filter(v -> "config".equals(v.get("name"))).toList());
        assertThat(at(config, "downwardAPI", "items")).isEqualTo(List.of(Map.of("path", key,
                "fieldRef", Map.of("fieldPath", "metadata.annotations['kubeforward.io/" + key + "']"))));
        // A static pod may reference no API object: no ServiceAccount token, ConfigMap, Secret or projected volume.
        assertThat(spec).doesNotContainKeys("serviceAccountName", "serviceAccount", "imagePullSecrets")
                .containsEntry("automountServiceAccountToken", false);
        assertThat(HelmChartTest.<Map<String, Object>>list(spec, "volumes"))
                .allSatisfy(v -> assertThat(v).doesNotContainKeys("configMap", "secret", "projected"));
        // The API credential: the node's kubeconfig file, named by kubeforward.kubernetes.kubeconfig.
        Map<String, Object> container = single(list(spec, "containers"));
        assertThat(HelmChartTest.<Map<String, Object>>list(container, "env"))
                .contains(Map.of("name", "KUBEFORWARD_KUBERNETES_KUBECONFIG", "value", "/etc/kubeforward-api/kubeconfig"));
        assertThat(HelmChartTest.<Map<String, Object>>list(spec, "volumes")).contains(Map.of("name", "api-kubeconfig",
                "hostPath", Map.of("path", "/etc/kubeforward/kubeconfig", "type", "File")));
        // Otherwise the DaemonSet's pod: the same container (image, probes, capabilities, the other variables).
        Map<String, Object> daemonSetContainer = single(list(daemonSetPod, "containers"));
        for (String field : List.of("image", "startupProbe", "livenessProbe", "readinessProbe", "securityContext", "resources")) {
            assertThat(container.get(field)).as(field).isEqualTo(daemonSetContainer.get(field));
        }
        assertThat(HelmChartTest.<Map<String, Object>>list(container, "env"))
                .containsAll(HelmChartTest.<Map<String, Object>>list(daemonSetContainer, "env"));
        for (String field : List.of("hostNetwork", "dnsPolicy", "priorityClassName", "securityContext", "terminationGracePeriodSeconds")) {
            assertThat(spec.get(field)).as(field).isEqualTo(daemonSetPod.get(field));
        }
        // system-node-critical is admitted in kube-system only, where a node's static pods go.
        map(pod, "metadata").put("namespace", "kube-system");
        assertThat(applyDryRun(rendered)).contains("pod/kf-kubeforward created (server dry run)");
    }

    private static String launcherDefaultJvmOptions() throws IOException {
        String launcher = java.nio.file.Files.readString(java.nio.file.Path.of("bin/kubeforward"));
        String start = "DEFAULT_JVM_OPTS=\"";
        int from = launcher.indexOf(start) + start.length();
        return launcher.substring(from, launcher.indexOf('"', from)).replace("\\\n", " ");
    }

    private static String normalized(String options) {
        return String.join(" ", options.trim().split("\\s+"));
    }

    static Stream<Arguments> configurations() {
        return Stream.of(
                Arguments.of("", "Corefile"),
                Arguments.of("ci/corefile-values.yaml", "Corefile"),
                Arguments.of("ci/yaml-values.yaml", "application.yaml"));
    }

    @ParameterizedTest(name = "values: [{0}] -> {1}")
    @MethodSource("configurations")
    void kubeforwardAcceptsTheRenderedConfigurationAsThePodReadsIt(String valuesFile, String key) throws IOException {
        List<Map<String, Object>> manifests = parse(template(valuesFile));
        assertThat(map(configMap(manifests), "data").keySet()).containsExactly(key);

        Pod pod = pod(manifests);

        KubeforwardConfig config = pod.config();
        // The node setup creates exactly the addresses the configuration binds: a missing one fails the bind.
        List<String> bound = config.servers().stream().flatMap(s -> s.bindAddresses().stream()).map(InetAddress::getHostAddress)
                .distinct().toList();
        assertThat(pod.nodeSetup().localIps()).as("nodeSetup.localIPs of %s", valuesFile).containsExactlyInAnyOrderElementsOf(bound);
        assertThat(config.origin()).startsWith(key.equals("Corefile") ? "Corefile " + pod.etc() : "Spring properties");
        assertThat(config.servers()).isNotEmpty();
        assertThat(config.servers()).allSatisfy(server -> assertThat(server.port()).isEqualTo(53));
        assertThat(config.servers()).allSatisfy(server -> assertThat(server.bindAddresses()).contains(LOCAL_IP));
        ServerBlock root = config.servers().stream().filter(s -> s.zones().contains(".")).findFirst().orElseThrow();
        assertThat(root.forward().orElseThrow().source()).isInstanceOf(StaticUpstreams.class);
        ServerBlock cluster = config.servers().stream().filter(s -> s.zones().contains("cluster.local.")).findFirst()
                .orElseThrow();
        ForwardRule rule = cluster.forward().orElseThrow();
        assertThat(rule.source()).isInstanceOfSatisfying(KubernetesServiceUpstreams.class, service -> {
            assertThat(service.namespace()).isEqualTo("kube-system");
            assertThat(service.serviceName()).isEqualTo("kube-dns");
            assertThat(service.portName()).isEqualTo("dns");
            assertThat(service.snapshot()).hasValueSatisfying(p -> assertThat(p.getParent()).isEqualTo(pod.snapshots()));
        });
        if (valuesFile.isEmpty()) {
            assertThat(cluster.zones()).containsExactly("cluster.local.", "in-addr.arpa.", "ip6.arpa.");
            assertThat(cluster.bindAddresses()).containsExactly(LOCAL_IP);
            assertThat(rule.options().forceTcp()).isTrue();
            assertThat(service(config).fallback()).isEmpty();
            // node-local-dns's cache settings: cluster zones `success 9984 30`, `denial 9984 5`; the rest `cache 30`.
            CacheOptions clusterCache = cluster.cache().orElseThrow();
            assertThat(clusterCache.success().capacity()).isEqualTo(9984);
            assertThat(clusterCache.success().maxTtl()).isEqualTo(Duration.ofSeconds(30));
            assertThat(clusterCache.denial().capacity()).isEqualTo(9984);
            assertThat(clusterCache.denial().maxTtl()).isEqualTo(Duration.ofSeconds(5));
            assertThat(root.cache().orElseThrow().success().maxTtl()).isEqualTo(Duration.ofSeconds(30));
            assertThat(root.cache().orElseThrow().denial().maxTtl()).isEqualTo(Duration.ofSeconds(30));
        } else {
            // Both files choose round_robin: proof that theirs, not the nodelocal profile's, is in effect.
            assertThat(rule.options().policy()).isEqualTo(Policy.ROUND_ROBIN);
        }
    }

    @Test
    void takeoverBindsTheKubeDnsIpAndAClusterIpWithoutTakeoverIsTheFallback() throws IOException {
        KubeforwardConfig takeover = pod(parse(template("",
                "--set", "dns.kubeDNS.clusterIP=10.96.0.10", "--set", "dns.kubeDNS.takeover=true"))).config();
        KubeforwardConfig fallback = pod(parse(template("", "--set", "dns.kubeDNS.clusterIP=10.96.0.10"))).config();

        assertThat(takeover.servers()).allSatisfy(server -> assertThat(server.bindAddresses()).containsExactly(
                LOCAL_IP, KUBE_DNS_IP));
        assertThat(service(takeover).fallback()).isEmpty();
        assertThat(fallback.servers()).allSatisfy(server -> assertThat(server.bindAddresses())
                .containsExactly(LOCAL_IP));
        assertThat(service(fallback).fallback()).extracting(u -> u.address().getAddress())
                .containsExactly(KUBE_DNS_IP);
    }

    @Test
    void theCacheCanBeLeftOut() throws IOException {
        assertThat(pod(parse(template("", "--set", "dns.cache=false"))).config().servers())
                .allSatisfy(server -> assertThat(server.cache()).isEmpty());
    }

    @ParameterizedTest(name = "--set {0}")
    @ValueSource(strings = {"dns.kubeDNS.takeover=false", "dns.kubeDNS.takeover=true"})
    void theNodeSetupHoldsExactlyTheAddressesTheCorefileBinds(String takeover) throws IOException {
        Pod pod = pod(parse(template("", "--set", "dns.kubeDNS.clusterIP=10.96.0.10", "--set", takeover)));

        List<String> bound = pod.config().servers().stream().flatMap(s -> s.bindAddresses().stream())
                .map(InetAddress::getHostAddress).distinct().toList();
        NodeSetupProperties nodeSetup = pod.nodeSetup();
        assertThat(nodeSetup.enabled()).isTrue();
        assertThat(nodeSetup.localIps()).containsExactlyElementsOf(bound);
        assertThat(nodeSetup.interfaceName()).isEqualTo("nodelocaldns");
        assertThat(nodeSetup.dnsPort()).isEqualTo(53);
        assertThat(nodeSetup.healthPort()).isEqualTo(Integer.parseInt(pod.env().get("SERVER_PORT")));
        assertThat(nodeSetup.skipTeardown()).isFalse();
        assertThat(pod.listener().lameduck()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void monitoringObjectsRenderAndUseOnlyDocumentedMetrics() throws IOException {
        List<Map<String, Object>> manifests = parse(template("ci/monitoring-values.yaml"));
        assertThat(kinds(manifests)).contains("ServiceMonitor", "PodMonitor", "PrometheusRule");

        Map<String, Object> rule = single(manifests, "PrometheusRule");
        List<Map<String, Object>> alerts = list(single(list(rule, "spec", "groups")), "rules");
        assertThat(alerts).extracting(a -> a.get("alert")).containsExactlyInAnyOrder(
                "KubeforwardAllUpstreamsDown", "KubeforwardNoUpstreams", "KubeforwardDiscoveryNotWatching",
                "KubeforwardHighServfailRatio", "KubeforwardUpstreamHealthChecksFailing",
                "KubeforwardMaxConcurrentRejects", "KubeforwardNodeSetupFailing");
        String dashboard = (String) map(ofKind(manifests, "ConfigMap").stream()
                .filter(c -> at(c, "metadata", "name").equals("kf-kubeforward-dashboard")).findFirst().orElseThrow(), "data")
                .get("kubeforward.json");
        assertThat(new Yaml().<Map<String, Object>>load(dashboard)).containsKeys("title", "panels", "templating");

        String documented = Files.readString(Path.of("docs/metrics.md"));
        Set<String> used = metricNames(alerts.toString() + dashboard);
        assertThat(used).contains("kubeforward_dns_responses_total", "kubeforward_discovery_watch_state");
        assertThat(used).allSatisfy(name -> assertThat(documented).as("docs/metrics.md").contains("`" + name + "`"));

        // Everything but the operator's kinds (including the dashboard ConfigMap and the takeover DaemonSet) applies.
        List<Map<String, Object>> plain = manifests.stream()
                .filter(m -> !String.valueOf(m.get("apiVersion")).startsWith(OPERATOR_API_GROUP)).toList();
        assertThat(applyDryRun(plain)).contains("configmap/kf-kubeforward-dashboard created (server dry run)");
    }

    /** What helm shows of the packaged chart is enough to operate it: NOTES point only at the chart's own README. */
    @Test
    void theNotesPointAtTheChartsOwnReadme() throws IOException {
        String notes = Files.readString(CHART.resolve("templates/NOTES.txt"));
        assertThat(notes).doesNotContain("docs/").contains("helm show readme");
        assertThat(helm("show", "readme", CHART.toString()))
                .contains("helm rollback", "helm upgrade", "nodeName", "pod-security.kubernetes.io/enforce=privileged");
    }

    /** {@code logFormat}: Spring Boot's structured console logging, through the property it reads; text by default. */
    @ParameterizedTest(name = "logFormat={0}")
    @ValueSource(strings = {"ecs", "logstash"})
    void logFormatTurnsOnStructuredConsoleLogging(String format) throws IOException {
        Map<String, String> env = pod(parse(template("", "--set", "logFormat=" + format))).env();
        StandardEnvironment spring = new StandardEnvironment();
        spring.getPropertySources().addFirst(new SystemEnvironmentPropertySource("pod", Map.copyOf(env)));
        assertThat(Binder.get(spring)
                .bind("logging.structured.format.console", String.class).orElse("")).isEqualTo(format);
        assertThat(pod(parse(template(""))).env()).doesNotContainKey("LOGGING_STRUCTURED_FORMAT_CONSOLE");
    }

    @ParameterizedTest(name = "--set {0}")
    @CsvSource(delimiter = '|', textBlock = """
            dns.localIP=eth0                  | at '/dns/localIP': 'anyOf' failed
            dns.kubeDNS.clusterIP=kube-dns    | at '/dns/kubeDNS/clusterIP': 'anyOf' failed
            dns.port=0                        | at '/dns/port'
            unknownKey=1                      | additional properties 'unknownKey' not allowed
            dns.kubeDNS.takeover=true         | dns.kubeDNS.takeover needs dns.kubeDNS.clusterIP
            config.corefile=x,config.yaml.a=b | set at most one of config.corefile and config.yaml
            logFormat=json                    | at '/logFormat'
            """)
    void invalidValuesAreRejectedWhenRendering(String set, String message) {
        assertThatThrownBy(() -> template("", "--set", set)).hasMessageContainingAll("helm exited with 1", message);
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    /** An IP literal: no name lookup happens. */
    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    /**
     * What the pod would start with, short of running it: the DaemonSet's environment as the process environment,
     * the ConfigMap's files in a directory standing for {@code /etc/kubeforward}, a temporary directory for the
     * node's snapshot directory, and Spring's own config data processing (profiles from the classpath,
     * {@code SPRING_CONFIG_ADDITIONAL_LOCATION}). Only properties are bound: nothing touches the network.
     */
    private Pod pod(List<Map<String, Object>> manifests) throws IOException {
        Path etc = Files.createTempDirectory(dir, "etc-kubeforward-");
        Path snapshots = Files.createTempDirectory(dir, "snapshots-");
        for (Map.Entry<String, Object> file : map(configMap(manifests), "data").entrySet()) {
            Files.writeString(etc.resolve(file.getKey()), ((String) file.getValue()).replace(NODE_SNAPSHOT_DIR,
                    snapshots.toString()));
        }
        Map<String, Object> container = single(list(single(manifests, "DaemonSet"), "spec", "template", "spec", "containers"));
        Map<String, String> env = new HashMap<>();
        for (Map<String, Object> variable : HelmChartTest.<Map<String, Object>>list(container, "env")) {
            if (variable.get("value") instanceof String value) {
                env.put((String) variable.get("name"), value.replace(CONFIG_DIR, etc.toString()));
            }
        }
        ApplicationContextRunner runner = new ApplicationContextRunner()
                .withUserConfiguration(ConfigConfiguration.class, PodProperties.class)
                .withInitializer(context -> context.getEnvironment().getPropertySources().replace(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                                Map.copyOf(env))))
                .withInitializer(new ConfigDataApplicationContextInitializer());
        List<Pod> started = new ArrayList<>();
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            started.add(new Pod(etc, snapshots, Map.copyOf(env), context.getBean(KubeforwardConfig.class),
                    context.getBean(NodeSetupProperties.class), context.getBean(ListenerProperties.class)));
        });
        return started.get(0);
    }

    private record Pod(Path etc, Path snapshots, Map<String, String> env, KubeforwardConfig config,
            NodeSetupProperties nodeSetup, ListenerProperties listener) {
    }

    /** The properties of the node setup and the listeners, bound without starting either. */
    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({NodeSetupProperties.class, ListenerProperties.class})
    static class PodProperties {
    }

    private static Map<String, Object> configMap(List<Map<String, Object>> manifests) {
        return single(ofKind(manifests, "ConfigMap").stream()
                .filter(c -> "kf-kubeforward".equals(at(c, "metadata", "name"))).toList());
    }

    private static KubernetesServiceUpstreams service(KubeforwardConfig config) {
        return config.servers().stream().map(s -> s.forward().orElseThrow().source())
                .filter(KubernetesServiceUpstreams.class::isInstance).map(KubernetesServiceUpstreams.class::cast)
                .findFirst().orElseThrow();
    }

    private static Set<String> metricNames(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("kubeforward_[a-z_]+").matcher(text);
        while (m.find()) {
            names.add(m.group().replaceAll("_(bucket|count|sum|max)$", ""));
        }
        return names;
    }

    /** {@code helm template} into the test's namespaces, with the target namespace of RBAC set to {@link #dnsNamespace}. */
    private String template(String valuesFile, String... extra) {
        List<String> args = new ArrayList<>(List.of("template", RELEASE, CHART.toString(), "--namespace", releaseNamespace));
        if (!valuesFile.isEmpty()) {
            args.addAll(List.of("--values", CHART.resolve(valuesFile).toString()));
        }
        // Every configuration here reads kube-system's kube-dns; the Role goes to a namespace of this test.
        args.addAll(List.of("--set", "rbac.namespaces={" + dnsNamespace + "}"));
        args.addAll(List.of(extra));
        return helm(args.toArray(String[]::new));
    }

    private String applyDryRun(List<Map<String, Object>> manifests) {
        try {
            Path file = Files.createTempFile(dir, "manifests-", ".yaml");
            Files.writeString(file, new Yaml().dumpAll(manifests.iterator()));
            return cluster.kubectl("apply", "--dry-run=server", "-f", file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String helm(String... args) {
        List<String> command = new ArrayList<>(List.of(cluster.helmBinary().toString()));
        command.addAll(List.of(args));
        try {
            Path output = Files.createTempFile(dir, "helm-", ".out");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
            // helm keeps caches and settings under these; none of the user's are read or written.
            Path home = Files.createDirectories(dir.resolve("helm-home"));
            builder.environment().put("HELM_CACHE_HOME", home.resolve("cache").toString());
            builder.environment().put("HELM_CONFIG_HOME", home.resolve("config").toString());
            builder.environment().put("HELM_DATA_HOME", home.resolve("data").toString());
            builder.environment().remove("KUBECONFIG");
            Process process = builder.start();
            if (!process.waitFor(HELM_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("helm did not finish within " + HELM_TIMEOUT_SECONDS + " s: " + command);
            }
            String text = Files.readString(output);
            if (process.exitValue() != 0) {
                throw new IllegalStateException("helm exited with " + process.exitValue() + ": " + command + "\n" + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException("running " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    // --- reading the rendered YAML ------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> parse(String yaml) {
        List<Map<String, Object>> documents = new ArrayList<>();
        for (Object document : new Yaml().loadAll(yaml)) {
            if (document != null) {
                documents.add((Map<String, Object>) document);
            }
        }
        return documents;
    }

    private static List<String> kinds(List<Map<String, Object>> manifests) {
        return manifests.stream().map(m -> (String) m.get("kind")).toList();
    }

    private static List<Map<String, Object>> ofKind(List<Map<String, Object>> manifests, String kind) {
        return manifests.stream().filter(m -> kind.equals(m.get("kind"))).toList();
    }

    private static Map<String, Object> single(List<Map<String, Object>> manifests, String kind) {
        return single(ofKind(manifests, kind));
    }

    private static <T> T single(List<T> items) {
        assertThat(items).hasSize(1);
        return items.get(0);
    }

    private static Object at(Object node, String... path) {
        Object current = node;
        for (String key : path) {
            assertThat(current).as("parent of %s", key).isInstanceOf(Map.class);
            current = ((Map<?, ?>) current).get(key);
        }
        return current;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object node, String... path) {
        Object value = at(node, path);
        assertThat(value).as(String.join(".", path)).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static <T> List<T> list(Object node, String... path) {
        Object value = at(node, path);
        assertThat(value).as(String.join(".", path)).isInstanceOf(List.class);
        return (List<T>) value;
    }
}
