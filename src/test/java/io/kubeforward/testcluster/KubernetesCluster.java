package io.kubeforward.testcluster;

import static java.util.Objects.requireNonNull;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A running etcd + kube-apiserver on 127.0.0.1, started by {@code test-cluster/cluster}. No controller-manager,
 * scheduler or kubelet runs: what a test needs to exist (EndpointSlices included), it creates itself.
 * A namespace deleted here stays {@code Terminating} forever (no namespace controller), so tests use fresh
 * namespace names instead of cleaning up.
 */
public final class KubernetesCluster implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration KUBECTL_TIMEOUT = Duration.ofSeconds(60);

    private final ClusterScript script;
    private final Path dir;
    private final Map<String, String> env;
    private final ApiClient adminClient;
    private final List<ApiClient> clients = new CopyOnWriteArrayList<>();
    private final Thread shutdownHook;
    private volatile boolean closed;

    private KubernetesCluster(ClusterScript script, Path dir, Map<String, String> env) {
        this.script = script;
        this.dir = dir;
        this.env = env;
        this.shutdownHook = new Thread(this::stopQuietly, "kubernetes-cluster-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        this.adminClient = newApiClient(kubeconfig());
    }

    /**
     * Starts a cluster in {@code dir}. The script's watchdog stops it when this JVM is gone, even if it is killed
     * before the shutdown hook could run.
     */
    static KubernetesCluster start(ClusterScript script, Path dir) {
        script.runChecked(START_TIMEOUT, "start", dir.toString(),
                "--owner-pid", Long.toString(ProcessHandle.current().pid()));
        return new KubernetesCluster(script, dir, readEnv(dir.resolve("env"), "KUBECONFIG", "APISERVER_URL", "KUBECTL", "HELM"));
    }

    /** The cluster directory: certificates, etcd data and the component logs ({@code etcd.log}, {@code apiserver.log}). */
    public Path dir() {
        return dir;
    }

    /** A kubeconfig for the admin user ({@code system:masters}), with the certificates embedded. */
    public Path kubeconfig() {
        return Path.of(env.get("KUBECONFIG"));
    }

    public URI apiServerUrl() {
        return URI.create(env.get("APISERVER_URL"));
    }

    public Path kubectlBinary() {
        return Path.of(env.get("KUBECTL"));
    }

    public Path helmBinary() {
        return Path.of(env.get("HELM"));
    }

    /** The admin client. Its read timeout is 0, as watches and informers need. Closed with the cluster. */
    public ApiClient apiClient() {
        return adminClient;
    }

    /** A new client for the given kubeconfig (read timeout 0); closed with the cluster. */
    public ApiClient newApiClient(Path kubeconfig) {
        try (Reader reader = Files.newBufferedReader(kubeconfig)) {
            KubeConfig config = KubeConfig.loadKubeConfig(reader);
            config.setFile(kubeconfig.toFile());
            ApiClient client = ClientBuilder.kubeconfig(config).setReadTimeout(Duration.ZERO).build();
            clients.add(client);
            return client;
        } catch (IOException e) {
            throw new UncheckedIOException("loading " + kubeconfig, e);
        }
    }

    /** Kills the API server with SIGKILL and waits until it is gone. etcd keeps running. */
    public void stopApiServer() {
        script.runChecked(STOP_TIMEOUT, "stop-apiserver", dir.toString());
    }

    /** Starts the API server again on the same port with the same certificates and etcd data; waits for /readyz. */
    public void startApiServer() {
        script.runChecked(START_TIMEOUT, "start-apiserver", dir.toString());
    }

    /** Stops etcd (SIGTERM, as a restart does) and waits until it is gone. The API server keeps running without it. */
    public void stopEtcd() {
        script.runChecked(STOP_TIMEOUT, "stop-etcd", dir.toString());
    }

    /** Starts etcd again on the same port with the same data; waits until it is healthy. */
    public void startEtcd() {
        script.runChecked(START_TIMEOUT, "start-etcd", dir.toString());
    }

    /**
     * Creates (or updates) ServiceAccount {@code serviceAccount} in {@code namespace}, bound to a Role with exactly
     * {@code rules}, and returns a kubeconfig that authenticates as it with a token.
     *
     * @param rules each {@code VERBS:RESOURCES}, e.g. {@code "get,list,watch:endpointslices.discovery.k8s.io"}
     */
    public Path kubeconfigFor(String serviceAccount, String namespace, String... rules) {
        requireNonNull(serviceAccount, "serviceAccount");
        requireNonNull(namespace, "namespace");
        if (rules.length == 0) {
            throw new IllegalArgumentException("rules: none (expected: at least one VERBS:RESOURCES)");
        }
        List<String> args = new ArrayList<>(List.of("kubeconfig-for", "--name", serviceAccount, dir.toString(), namespace));
        args.addAll(List.of(rules));
        String out = script.runChecked(KUBECTL_TIMEOUT, args.toArray(String[]::new)).strip();
        return Path.of(out.substring(out.lastIndexOf("KUBECONFIG=") + "KUBECONFIG=".length()));
    }

    /** Runs kubectl as admin and returns its standard output; fails with its output on a non-zero exit. */
    public String kubectl(String... args) {
        List<String> command = new ArrayList<>(List.of(kubectlBinary().toString(), "--kubeconfig", kubeconfig().toString()));
        command.addAll(List.of(args));
        try {
            Path output = Files.createTempFile("kubectl-", ".out");
            try {
                Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
                if (!process.waitFor(KUBECTL_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IllegalStateException("kubectl did not finish within " + KUBECTL_TIMEOUT + ": " + command);
                }
                String text = Files.readString(output);
                if (process.exitValue() != 0) {
                    throw new IllegalStateException("kubectl exited with " + process.exitValue() + ": " + command + "\n" + text);
                }
                return text;
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("running " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    /** Stops etcd and the API server; the directory stays for post-mortems. */
    @Override
    public void close() {
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or has run
        }
    }

    private synchronized void stopQuietly() {
        if (closed) {
            return;
        }
        closed = true;
        clients.forEach(KubernetesCluster::shutDown);
        script.runChecked(STOP_TIMEOUT, "stop", dir.toString());
    }

    private static void shutDown(ApiClient client) {
        client.getHttpClient().dispatcher().executorService().shutdown();
        client.getHttpClient().connectionPool().evictAll();
    }

    /**
     * The {@code env} file {@code cluster start} writes ({@code KEY=value} lines, {@code export} optional), failing when
     * one of {@code required} is missing. Also read by the scale harness (src/scale/java).
     */
    public static Map<String, String> readEnv(Path file, String... required) {
        try {
            Map<String, String> env = new HashMap<>();
            for (String entry : Files.readAllLines(file)) {
                String line = entry.startsWith("export ") ? entry.substring("export ".length()) : entry;
                int eq = line.indexOf('=');
                if (eq > 0) {
                    env.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            for (String key : required) {
                if (!env.containsKey(key)) {
                    throw new IllegalStateException(file + ": no " + key);
                }
            }
            return Map.copyOf(env);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
    }

    @Override
    public String toString() {
        return "KubernetesCluster[" + apiServerUrl() + ", dir=" + dir + "]";
    }
}
