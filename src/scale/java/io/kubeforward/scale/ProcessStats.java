package io.kubeforward.scale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** CPU time and resident memory of a process, from {@code /proc} (Linux; clock ticks of 10 ms). */
final class ProcessStats {

    private static final double TICKS_PER_SECOND = 100.0;

    private ProcessStats() {
    }

    /** User + system CPU seconds the process has used so far. */
    static double cpuSeconds(long pid) {
        String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
        // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long utime = Long.parseLong(fields[11]);
        long stime = Long.parseLong(fields[12]);
        return (utime + stime) / TICKS_PER_SECOND;
    }

    /** Resident set size in MiB. */
    static double rssMiB(long pid) {
        for (String line : read(Path.of("/proc", Long.toString(pid), "status")).split("\n")) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        throw new IllegalStateException("no VmRSS for pid " + pid);
    }

    static double cpuSeconds(OptionalLong pid) {
        return cpuSeconds(pid.orElseThrow(() -> new IllegalStateException("process not running")));
    }

    static double rssMiB(OptionalLong pid) {
        return rssMiB(pid.orElseThrow(() -> new IllegalStateException("process not running")));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + " (process gone?)", e);
        }
    }
}
