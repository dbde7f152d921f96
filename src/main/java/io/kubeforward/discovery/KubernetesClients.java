package io.kubeforward.discovery;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Makes the {@link ApiClient} for watches, and knows the pod's own namespace. */
final class KubernetesClients {

    static final Path SERVICE_ACCOUNT_NAMESPACE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

    private KubernetesClients() {
    }

    /**
     * What makes a client from {@code kubeconfig} if given, else client-java's standard order ({@code KUBECONFIG},
     * {@code ~/.kube/config}, the in-cluster service account). The configuration is read now, so a file that cannot
     * be read stops the start with its name; the client itself is made by the supplier ({@link LazyApiClient}).
     */
    static Supplier<ApiClient> creator(String kubeconfig) {
        try {
            if (kubeconfig.isEmpty()) {
                ClientBuilder builder = ClientBuilder.standard();
                return builder::build;
            }
            try (Reader reader = Files.newBufferedReader(Path.of(kubeconfig))) {
                KubeConfig config = KubeConfig.loadKubeConfig(reader);
                config.setFile(Path.of(kubeconfig).toFile());
                ClientBuilder builder = ClientBuilder.kubeconfig(config);
                return builder::build;
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the Kubernetes client configuration"
                    + (kubeconfig.isEmpty() ? "" : " " + kubeconfig) + ": " + e.getMessage(), e);
        }
    }

    /** Watches stream for minutes: no read timeout (the server ends each watch itself). */
    static ApiClient forWatching(ApiClient client) {
        NullEndpointsTolerance.install();
        client.setHttpClient(client.getHttpClient().newBuilder().readTimeout(0, TimeUnit.SECONDS).build());
        return client;
    }

    /** {@code POD_NAMESPACE}, else the service account's namespace file, else {@code kube-system}. */
    static String podNamespace() {
        String env = System.getenv("POD_NAMESPACE");
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        try {
            return Optional.of(Files.readString(SERVICE_ACCOUNT_NAMESPACE).strip()).filter(s -> !s.isEmpty()).orElse("kube-system");
        } catch (IOException | SecurityException e) {
            return "kube-system";
        }
    }
}
