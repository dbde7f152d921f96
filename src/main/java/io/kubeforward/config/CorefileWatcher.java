package io.kubeforward.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code reload} directive: checks the Corefile's content (SHA-256) every interval plus jitter against the
 * content the running configuration was loaded from. A changed file is parsed and validated in full first, from
 * the very bytes that were compared. A broken one is reported once and the running configuration kept; a valid one
 * is handed to {@code apply}, once, after which this watcher stops (the new configuration brings its own).
 */
public final class CorefileWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CorefileWatcher.class);

    private final Path file;
    private final ReloadOptions options;
    private final String applied;
    private final Runnable apply;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "corefile-reload");
        thread.setDaemon(true);
        return thread;
    });
    private String reported;

    /**
     * @param appliedSha256 the digest of the content the running configuration was loaded from
     *                      ({@link KubeforwardConfig#corefileSha256()}), not of the file as it is now: a change
     *                      written between the load and {@link #start()} is a change
     */
    public CorefileWatcher(Path file, ReloadOptions options, String appliedSha256, Runnable apply) {
        this.file = Objects.requireNonNull(file, "file");
        this.options = Objects.requireNonNull(options, "options");
        this.applied = Objects.requireNonNull(appliedSha256, "appliedSha256");
        this.apply = Objects.requireNonNull(apply, "apply");
        this.reported = appliedSha256;
    }

    public void start() {
        schedule();
    }

    private void schedule() {
        long jitter = options.jitter().isZero() ? 0 : ThreadLocalRandom.current().nextLong(options.jitter().toMillis() + 1);
        timer.schedule(this::check, options.interval().toMillis() + jitter, TimeUnit.MILLISECONDS);
    }

    private void check() {
        Optional<byte[]> content = read();
        String now = content.map(ContentDigest::sha256).orElse(null);
        if (now == null || now.equals(applied) || now.equals(reported)) {
            schedule();
            return;
        }
        reported = now;
        try {
            KubeforwardConfig next = new CorefileSource(EnvSubstitution.fromSystem()).read(file.toString(), content.get()).config();
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

    private Optional<byte[]> read() {
        try {
            return Optional.of(Files.readAllBytes(file));
        } catch (IOException e) {
            log.warn("Cannot read Corefile {} to check it for changes: {}", file, e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
