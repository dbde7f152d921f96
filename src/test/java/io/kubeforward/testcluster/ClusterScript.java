package io.kubeforward.testcluster;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Runs {@code test-cluster/cluster}, the script that builds and drives the control plane. */
final class ClusterScript {

    static final String RELATIVE_PATH = "test-cluster/cluster";

    private final Path script;

    private ClusterScript(Path script) {
        this.script = script;
    }

    /** Finds the script in the working directory or one of its parents (Maven runs tests in the project dir). */
    static Optional<ClusterScript> locate() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(RELATIVE_PATH);
            if (Files.isRegularFile(candidate)) {
                return Optional.of(new ClusterScript(candidate));
            }
        }
        return Optional.empty();
    }

    Path projectDir() {
        return script.getParent().getParent();
    }

    /** The bin dir when the binaries are built; empty otherwise. Never builds. */
    Optional<Path> builtBinaries() {
        Result result = run(Duration.ofSeconds(30), "binaries");
        return result.exitCode() == 0 ? Optional.of(Path.of(result.stdout().strip())) : Optional.empty();
    }

    /** Runs a subcommand, failing with its output when it exits non-zero. */
    String runChecked(Duration timeout, String... args) {
        Result result = run(timeout, args);
        if (result.exitCode() != 0) {
            throw new ClusterCommandException("%s %s exited with %d:%n%s%s"
                    .formatted(script, String.join(" ", args), result.exitCode(), result.stdout(), result.stderr()));
        }
        return result.stdout();
    }

    Result run(Duration timeout, String... args) {
        List<String> command = new ArrayList<>();
        command.add("bash");
        command.add(script.toString());
        command.addAll(List.of(args));
        Path stdout = null;
        Path stderr = null;
        try {
            // Files rather than pipes: no reader threads, and nothing blocks on a full pipe.
            stdout = Files.createTempFile("kubeforward-cluster-", ".out");
            stderr = Files.createTempFile("kubeforward-cluster-", ".err");
            Process process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile())
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new ClusterCommandException("%s %s did not finish within %s:%n%s"
                        .formatted(script, String.join(" ", args), timeout, Files.readString(stderr)));
            }
            return new Result(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                    Files.readString(stderr, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("running " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterCommandException("interrupted while running " + command);
        } finally {
            deleteQuietly(stdout);
            deleteQuietly(stderr);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }

    record Result(int exitCode, String stdout, String stderr) {
        Result {
            requireNonNull(stdout, "stdout");
            requireNonNull(stderr, "stderr");
        }
    }

    /** A subcommand of the script failed; the message carries its output (the component log tail). */
    static final class ClusterCommandException extends RuntimeException {
        ClusterCommandException(String message) {
            super(message);
        }
    }
}
