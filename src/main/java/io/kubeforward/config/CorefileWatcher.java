package io.kubeforward.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code reload} directive: checks the Corefile's content (SHA-256) every interval plus jitter; a changed
 * file is parsed and validated in full first. A broken one is reported once and the running configuration
 * kept; a valid one is handed to {@code apply}, once, after which this watcher stops (the new configuration
 * brings its own).
 */
public final class CorefileWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CorefileWatcher.class);

    private final Path file;
    private final ReloadOptions options;
    private final Runnable apply;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "corefile-reload");
        thread.setDaemon(true);
        return thread;
    });
    private byte[] applied;
    private byte[] reported;

    public CorefileWatcher(Path file, ReloadOptions options, Runnable apply) {
        this.file = file;
        this.options = options;
        this.apply = apply;
    }

    public void start() {
        applied = digest();
        reported = applied;
        schedule();
    }

    private void schedule() {
        long jitter = options.jitter().isZero() ? 0 : ThreadLocalRandom.current().nextLong(options.jitter().toMillis() + 1);
        timer.schedule(this::check, options.interval().toMillis() + jitter, TimeUnit.MILLISECONDS);
    }

    private void check() {
        byte[] now = digest();
        if (now == null || Arrays.equals(now, applied) || Arrays.equals(now, reported)) {
            schedule();
            return;
        }
        reported = now;
        try {
            KubeforwardConfig next = new CorefileSource(EnvSubstitution.fromSystem()).load(file.toString()).config();
            log.info("Corefile {} changed ({} server blocks); reloading", file, next.servers().size());
            apply.run();
        } catch (ConfigException e) {
            log.error("Corefile {} changed but is not valid, keeping the running configuration: {}", file, e.getMessage());
            schedule();
        } catch (RuntimeException e) {
            log.error("Reloading Corefile {} failed, keeping the running configuration: {}", file, e.toString());
            schedule();
        }
    }

    private byte[] digest() {
        try {
            return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
        } catch (IOException e) {
            log.warn("Cannot read Corefile {} to check it for changes: {}", file, e.getMessage());
            return null;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
