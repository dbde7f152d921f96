package io.kubeforward.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds the real programs some tests use as peers (unbound, dig). Without them those tests are skipped with
 * a message that says how to install them, unless {@code KUBEFORWARD_REQUIRE_PEERS=true} (set by .ci/run),
 * where a missing peer fails the test.
 */
public final class Peers {

    private Peers() {
    }

    public static Path require(String program, String debianPackage) {
        return require(program, debianPackage, "KUBEFORWARD_REQUIRE_PEERS");
    }

    /**
     * Like {@link #require(String, String)} for a tier of its own: missing, the test is skipped, or fails when the
     * environment variable {@code gate} is {@code true} (e.g. {@code KUBEFORWARD_REQUIRE_PROMETHEUS}, set by .ci/run).
     */
    public static Path require(String program, String debianPackage, String gate) {
        Optional<Path> found = find(program);
        if (found.isEmpty()) {
            String message = program + " not found: install it with 'apt-get install " + debianPackage + "' to run this test";
            if ("true".equals(System.getenv(gate))) {
                throw new AssertionError(message + " (" + gate + "=true)");
            }
            assumeTrue(false, message);
        }
        return found.get();
    }

    static Optional<Path> find(String program) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/bin:/sbin";
        return Stream.of(path.split(":")).filter(d -> !d.isEmpty()).map(d -> Path.of(d, program))
                .filter(Files::isExecutable).findFirst();
    }
}
