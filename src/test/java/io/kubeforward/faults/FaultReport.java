package io.kubeforward.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Scenario durations (short in the normal build, long with {@code -Dkubeforward.faults.long=true}) and the one-line
 * summary each scenario prints, also appended to {@code target/faults/summary.txt} for the docs to quote:
 * {@code FAULT blackhole-1-of-3: queries=5012 (1002 qps), failed=0, p50=0.4 ms, p99=101.3 ms, max=106.0 ms; ...}.
 */
final class FaultReport {

    static final boolean LONG = Boolean.getBoolean("kubeforward.faults.long");
    static final Path SUMMARY = Path.of("target", "faults", "summary.txt");

    private FaultReport() {
    }

    /** {@code shortRun} in the normal build, {@code longRun} with {@code -Dkubeforward.faults.long=true}. */
    static Duration duration(Duration shortRun, Duration longRun) {
        return LONG ? longRun : shortRun;
    }

    static String line(QueryLoad.Result result, String details) {
        String line = String.format(Locale.ROOT, "FAULT %s: queries=%d (%.0f qps), failed=%d%s, p50=%s ms, p99=%s ms, max=%s ms%s",
                result.name(), result.queries(), result.qps(), result.failed(),
                result.failures().isEmpty() ? "" : " " + result.failures(), millis(result.p50Millis()), millis(result.p99Millis()),
                millis(result.maxMillis()), details.isEmpty() ? "" : "; " + details);
        System.out.println(line);
        try {
            Files.createDirectories(SUMMARY.getParent());
            Files.writeString(SUMMARY, Instant.now() + (LONG ? " long " : " short ") + line + System.lineSeparator(),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return line;
    }

    private static String millis(double value) {
        return Double.isInfinite(value) ? "inf" : String.format(Locale.ROOT, "%.1f", value);
    }
}
