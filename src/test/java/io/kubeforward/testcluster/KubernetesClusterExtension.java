package io.kubeforward.testcluster;

import io.kubeforward.testcluster.RealKubernetesCluster.Scope;
import io.kubernetes.client.openapi.ApiClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ExtensionContext.Store;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Starts the cluster for {@link RealKubernetesCluster} classes and injects {@link KubernetesCluster} and
 * {@link ApiClient} parameters. Without built binaries the classes are disabled, which test reports count as
 * skipped, with the reason and how to enable them; an execution condition rather than an assumption, because a
 * PER_CLASS test instance is constructed (with its parameters) before any callback could abort. Clusters live in JUnit stores and are closed (stopped) with them: the shared one
 * when the run ends, a per-class one after its class. A JVM that dies first is covered by the cluster's
 * shutdown hook, and a JVM killed outright by the script's watchdog.
 */
public final class KubernetesClusterExtension implements ExecutionCondition, BeforeAllCallback, ParameterResolver {

    /** When {@code true}, missing binaries fail the tier instead of skipping it (CI sets it). */
    public static final String REQUIRE_ENV = "KUBEFORWARD_REQUIRE_CLUSTER";

    private static final Namespace NAMESPACE = Namespace.create(KubernetesClusterExtension.class);
    private static final String CLUSTER = "cluster";

    /** Skips the class (or fails it, when required) unless the script is there and its binaries are built. */
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Availability availability = availability(context);
        if (availability.script().isPresent()) {
            return ConditionEvaluationResult.enabled("test-cluster binaries are built");
        }
        if (Boolean.parseBoolean(System.getenv(REQUIRE_ENV))) {
            throw new ExtensionConfigurationException(
                    "Kubernetes cluster tier required (" + REQUIRE_ENV + "=true), but " + availability.problem());
        }
        return ConditionEvaluationResult.disabled("Kubernetes cluster tier skipped: " + availability.problem()
                + ". Set " + REQUIRE_ENV + "=true to make this a failure.");
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        cluster(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == KubernetesCluster.class || type == ApiClient.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        KubernetesCluster cluster = cluster(context);
        return parameter.getParameter().getType() == ApiClient.class ? cluster.apiClient() : cluster;
    }

    /**
     * The class's cluster, started on first use: in beforeAll, or earlier when a PER_CLASS test instance is
     * constructed with a cluster parameter.
     */
    private static KubernetesCluster cluster(ExtensionContext context) {
        ClusterScript script = availability(context).script()
                .orElseThrow(() -> new ExtensionConfigurationException(availability(context).problem()));
        Class<?> testClass = context.getRequiredTestClass();
        Scope scope = AnnotationSupport.findAnnotation(testClass, RealKubernetesCluster.class)
                .map(RealKubernetesCluster::scope)
                .orElse(Scope.SHARED);
        Store store = scope == Scope.SHARED
                ? context.getRoot().getStore(NAMESPACE)
                : classContext(context, testClass).getStore(NAMESPACE);
        String name = scope == Scope.SHARED ? "shared" : testClass.getSimpleName();
        return store.computeIfAbsent(CLUSTER, key -> KubernetesCluster.start(script, newClusterDir(script, name)),
                KubernetesCluster.class);
    }

    private static ExtensionContext classContext(ExtensionContext context, Class<?> testClass) {
        ExtensionContext current = context;
        while (!current.getElement().equals(Optional.of(testClass)) && current.getParent().isPresent()) {
            current = current.getParent().get();
        }
        return current;
    }

    private static Availability availability(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .computeIfAbsent(Availability.class, key -> Availability.check(), Availability.class);
    }

    private static Path newClusterDir(ClusterScript script, String name) {
        try {
            Path parent = script.projectDir().resolve("target/test-cluster");
            if (parent.toString().chars().anyMatch(Character::isWhitespace)) {
                parent = Path.of(System.getProperty("java.io.tmpdir"), "kubeforward-test-cluster");
            }
            Files.createDirectories(parent);
            return Files.createTempDirectory(parent, name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("creating a cluster directory", e);
        }
    }

    /** The script when the tier can run, or the problem that stops it. */
    private record Availability(Optional<ClusterScript> script, String problem) {

        static Availability check() {
            Optional<ClusterScript> script = ClusterScript.locate();
            if (script.isEmpty()) {
                return unavailable(ClusterScript.RELATIVE_PATH + " not found in " + Path.of("").toAbsolutePath()
                        + " or above: run the tests from the kubeforward checkout");
            }
            if (script.get().builtBinaries().isEmpty()) {
                return unavailable("the test-cluster binaries (etcd, kube-apiserver, kubectl, helm) are not built. "
                        + "Enable this tier with `test-cluster/cluster build` (needs Go >= 1.26, openssl, curl and the "
                        + "Go module proxy; the first build takes about 15 minutes, later ones reuse the cache), "
                        + "then run the tests again");
            }
            return new Availability(script, "");
        }

        private static Availability unavailable(String problem) {
            return new Availability(Optional.empty(), problem);
        }
    }
}
