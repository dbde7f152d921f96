package io.kubeforward.scale;

import io.kubeforward.testcluster.KubernetesCluster;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * The harness's own etcd + kube-apiserver on 127.0.0.1, driven through {@code test-cluster/cluster} (loopback mode, no
 * node). Started with this JVM as its owner, so the script's watchdog stops it if the JVM dies.
 */
final class LoopbackCluster implements AutoCloseable {

    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(3);

    private final Path script;
    private final Path dir;
    private final Map<String, String> env;
    private boolean stopped;

    private LoopbackCluster(Path script, Path dir, Map<String, String> env) {
        this.script = script;
        this.dir = dir;
        this.env = env;
    }

    static LoopbackCluster start(Path project, Path dir) {
        Path script = project.resolve("test-cluster/cluster");
        if (!Files.isExecutable(script)) {
            throw new IllegalStateException(script + " not found or not executable (run bench/scale from the project)");
        }
        run(script, "binaries"); // fails with the script's own hint when the binaries are not built
        run(script, "start", dir.toString(), "--owner-pid", Long.toString(ProcessHandle.current().pid()));
        return new LoopbackCluster(script, dir, KubernetesCluster.readEnv(dir.resolve("env"), "KUBECONFIG", "APISERVER_PORT"));
    }

    Path dir() {
        return dir;
    }

    Path adminKubeconfig() {
        return Path.of(env.get("KUBECONFIG"));
    }

    int apiServerPort() {
        return Integer.parseInt(env.get("APISERVER_PORT"));
    }

    /** A ServiceAccount bound to a Role with exactly {@code rules} in {@code namespace}; its token kubeconfig. */
    Path kubeconfigFor(String serviceAccount, String namespace, String... rules) {
        List<String> args = new ArrayList<>(List.of("kubeconfig-for", "--name", serviceAccount, dir.toString(), namespace));
        args.addAll(List.of(rules));
        String out = run(script, args.toArray(String[]::new)).strip();
        return Path.of(out.substring(out.lastIndexOf("KUBECONFIG=") + "KUBECONFIG=".length()));
    }

    /** SIGKILL, as a crash or an OOM kill does; etcd stays. */
    void killApiServer() {
        run(script, "stop-apiserver", dir.toString());
    }

    /** SIGTERM and wait for the API server to exit by itself (it drains, then closes what is still open). */
    void terminateApiServer() {
        run(script, "stop-apiserver", "--graceful", dir.toString());
    }

    /** Starts the API server again (same port, certificates and etcd data) and waits for {@code /readyz}. */
    void startApiServer() {
        run(script, "start-apiserver", dir.toString());
    }

    OptionalLong apiServerPid() {
        return pid("apiserver");
    }

    OptionalLong etcdPid() {
        return pid("etcd");
    }

    private OptionalLong pid(String component) {
        try {
            Path file = dir.resolve(component + ".pid");
            // "PID START" (test-cluster/cluster: the start time tells a reused pid apart)
            return Files.exists(file) ? OptionalLong.of(Long.parseLong(Files.readString(file).strip().split("\\s+")[0]))
                    : OptionalLong.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    ApiClient adminClient() {
        try (Reader reader = Files.newBufferedReader(adminKubeconfig())) {
            KubeConfig config = KubeConfig.loadKubeConfig(reader);
            config.setFile(adminKubeconfig().toFile());
            return ClientBuilder.kubeconfig(config).setReadTimeout(Duration.ofSeconds(30)).build();
        } catch (IOException e) {
            throw new UncheckedIOException("loading " + adminKubeconfig(), e);
        }
    }

    /** Stops etcd and the API server; the directory (logs, data) stays. Safe to call twice. */
    @Override
    public synchronized void close() {
        if (!stopped) {
            stopped = true;
            run(script, "stop", dir.toString());
        }
    }

    private static String run(Path script, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", script.toString()));
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("kubeforward-scale-", ".out");
            Path err = Files.createTempFile("kubeforward-scale-", ".err");
            try {
                Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!process.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", command) + " did not finish within " + COMMAND_TIMEOUT);
                }
                if (process.exitValue() != 0) {
                    throw new IllegalStateException(String.join(" ", command) + " exited with " + process.exitValue() + ":\n"
                            + Files.readString(out) + Files.readString(err));
                }
                return Files.readString(out);
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("running " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }
}
