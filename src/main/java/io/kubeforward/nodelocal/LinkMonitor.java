package io.kubeforward.nodelocal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the kernel's link and address changes ({@code ip -o monitor link address}) and calls {@code onChange}
 * for each line that {@code relevant} accepts, so the local interface is repaired within milliseconds when
 * something else deletes it, not at the next sync: node-local-dns's teardown, for one, deletes an interface of
 * the same name while kubeforward serves on it (a migration), and sockets bound to an address that is gone
 * receive nothing until it is back. The monitor runs as a child process; when it ends it is started again
 * after a pause that doubles up to 30 s. Lines are bounded; {@code onChange} must be cheap or hand off.
 */
final class LinkMonitor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LinkMonitor.class);
    private static final List<String> COMMAND = List.of("ip", "-o", "monitor", "link", "address");
    private static final int MAX_LINE = 4096;
    private static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
    private static final Duration MAX_PAUSE = Duration.ofSeconds(30);

    private final List<String> command;
    private final Predicate<String> relevant;
    private final Runnable onChange;
    private final Thread thread;
    private volatile Process process;
    private volatile boolean closed;

    LinkMonitor(Predicate<String> relevant, Runnable onChange) {
        this(COMMAND, relevant, onChange);
    }

    LinkMonitor(List<String> command, Predicate<String> relevant, Runnable onChange) {
        this.command = List.copyOf(command);
        this.relevant = Objects.requireNonNull(relevant, "relevant");
        this.onChange = Objects.requireNonNull(onChange, "onChange");
        this.thread = new Thread(this::run, "node-setup-monitor");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void run() {
        Duration pause = FIRST_PAUSE;
        boolean reported = false;
        while (!closed) {
            try {
                Process started = new ProcessBuilder(command).redirectErrorStream(true).start();
                process = started;
                if (closed) {
                    started.destroy();
                    return;
                }
                if (readLines(started)) {
                    pause = FIRST_PAUSE;
                }
                started.waitFor();
            } catch (IOException e) {
                if (!reported) {
                    log.warn("Cannot watch interface changes ({}): {}; the interface is re-checked every sync interval only",
                            String.join(" ", command), e.getMessage());
                    reported = true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (closed) {
                return;
            }
            sleep(pause);
            pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
        }
    }

    /** Reads until the monitor ends; returns whether it printed anything (so it worked). */
    private boolean readLines(Process started) throws IOException {
        boolean any = false;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = reader.read()) >= 0) {
                if (c != '\n') {
                    if (line.length() < MAX_LINE) {
                        line.append((char) c);
                    }
                    continue;
                }
                any = true;
                if (relevant.test(line.toString())) {
                    try {
                        onChange.run();
                    } catch (RuntimeException e) {
                        log.error("Reacting to an interface change failed: {}", e.getMessage());
                    }
                }
                line.setLength(0);
            }
        }
        return any;
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        Process current = process;
        if (current != null) {
            current.destroy();
        }
        thread.interrupt();
    }
}
