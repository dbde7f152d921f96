package io.kubeforward.actuate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Readiness as a file of this process's own ({@code kubeforward.readiness.file}): touched every second while the
 * instance is ready (the readiness group: accepting traffic, listeners bound, an upstream for every zone), deleted
 * as soon as it is not, and first of all on shutdown. The chart's readiness probe is {@code bin/kubeforward
 * --ready}, which checks that the file is there and fresh.
 *
 * <p>Why not the HTTP probe: with hostNetwork the management port is the node's, and during a surge upgrade both
 * pods hold it (SO_REUSEPORT), so the kubelet's probe of the new pod reaches either process. The old one would
 * report the new one ready before it serves (and the old one is then stopped), or not ready during its own
 * lameduck. A file in the pod's own {@code /tmp} can only be this process's; its age also catches a process that
 * hangs without exiting.
 */
public final class ReadinessFile implements SmartLifecycle {

    /** How often the file is touched; the probe accepts {@link #MAX_AGE}. */
    static final Duration PERIOD = Duration.ofSeconds(1);
    /** Matches {@code bin/kubeforward --ready}. */
    static final Duration MAX_AGE = Duration.ofSeconds(3);
    private static final Logger log = LoggerFactory.getLogger(ReadinessFile.class);

    private final Path file;
    private final BooleanSupplier ready;
    private final Clock clock;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "readiness-file");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean running;
    private boolean reported;

    ReadinessFile(Path file, BooleanSupplier ready, Clock clock) {
        this.file = file;
        this.ready = ready;
        this.clock = clock;
    }

    @Override
    public void start() {
        delete();
        timer.scheduleWithFixedDelay(this::update, 0, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        running = true;
    }

    private void update() {
        try {
            if (!ready.getAsBoolean()) {
                delete();
                return;
            }
            FileTime now = FileTime.from(clock.instant());
            if (Files.exists(file)) {
                Files.setLastModifiedTime(file, now);
            } else {
                Files.createDirectories(file.toAbsolutePath().getParent());
                Files.writeString(file, "ready\n");
            }
            reported = false;
        } catch (IOException | RuntimeException e) {
            if (!reported) {
                log.error("Cannot write the readiness file {}: {}; the readiness probe will fail", file, e.toString());
                reported = true;
            }
        }
    }

    private void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("Cannot delete the readiness file {}: {}", file, e.toString());
        }
    }

    /** First of all on shutdown: the kubelet sees the pod not ready before the lameduck period begins. */
    @Override
    public void stop() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        delete();
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Starts after everything (the listeners, node setup), stops before everything. */
    @Override
    public int getPhase() {
        return DEFAULT_PHASE;
    }
}
