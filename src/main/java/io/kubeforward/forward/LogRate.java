package io.kubeforward.forward;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * At most {@code lines} log lines per {@code window}, so that a burst of failures or slow answers cannot flood the
 * log; what it holds back is counted, and the next line that may be written says how many were held back.
 * Only the paths that log (failures, slow answers) ask it, so its lock is never on the answer path of a healthy query.
 */
final class LogRate {

    private final int lines;
    private final long windowNanos;
    private final LongSupplier nanoTime;
    private long windowStart;
    private int written;
    private long held;

    /** @param nanoTime the clock, {@code System::nanoTime} outside tests */
    LogRate(int lines, Duration window, LongSupplier nanoTime) {
        if (lines < 1) {
            throw new IllegalArgumentException("lines: " + lines + " (expected: >= 1)");
        }
        this.lines = lines;
        this.windowNanos = window.toNanos();
        this.nanoTime = nanoTime;
        this.windowStart = nanoTime.getAsLong() - windowNanos;
    }

    /**
     * Asks to write one line.
     *
     * @return -1 when the line must not be written (it is counted as held back); otherwise how many lines were held
     *         back since the last one written
     */
    synchronized long acquire() {
        long now = nanoTime.getAsLong();
        if (now - windowStart >= windowNanos) {
            windowStart = now;
            written = 0;
        }
        if (written >= lines) {
            held++;
            return -1;
        }
        written++;
        long before = held;
        held = 0;
        return before;
    }
}
