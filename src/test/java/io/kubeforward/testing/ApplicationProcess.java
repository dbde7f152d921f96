package io.kubeforward.testing;

import io.kubeforward.KubeforwardApplication;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * kubeforward as its own process, started from the test class path with this JVM's {@code java}, its output in a log
 * file. {@link #close()} stops it as SIGTERM would and waits for it.
 */
public final class ApplicationProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private ApplicationProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts the application with {@code args} (Spring arguments, e.g. {@code --kubeforward.corefile=FILE}). */
    public static ApplicationProcess start(Path log, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), KubeforwardApplication.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new ApplicationProcess(process, log);
    }

    /** Everything the process wrote so far. */
    public String output() throws IOException {
        return Files.readString(log);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("kubeforward did not stop within 30 s of SIGTERM; killed");
        }
    }
}
