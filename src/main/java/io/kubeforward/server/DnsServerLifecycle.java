package io.kubeforward.server;

import io.kubeforward.forward.Forwarding;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * Opens the listeners ({@code DnsStartup} calls {@link #start()} as soon as the pools hold upstreams, else the
 * context's lifecycle does, in this phase). On shutdown, first of all components: readiness goes
 * DOWN, queries are still answered for the lameduck period, then the listeners close and the queries in
 * flight are drained, before the event loops, pools and node setup go away. With SO_REUSEPORT a new
 * instance can already listen on the same port, so an upgrade loses nothing.
 */
public final class DnsServerLifecycle implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(DnsServerLifecycle.class);
    private static final Duration DRAIN_POLL = Duration.ofMillis(20);

    private final DnsServer server;
    private final Forwarding forwarding;
    private final ApplicationEventPublisher events;
    private final Duration lameduck;
    private final Duration drainTimeout;
    private volatile boolean running;

    public DnsServerLifecycle(DnsServer server, Forwarding forwarding, ApplicationEventPublisher events, Duration lameduck,
            Duration drainTimeout) {
        this.server = server;
        this.forwarding = forwarding;
        this.events = events;
        this.lameduck = lameduck;
        this.drainTimeout = drainTimeout;
    }

    /** Below the default, so that node setup can start before and stop after; still above the web server. */
    public static final int PHASE = DEFAULT_PHASE - 100;

    @Override
    public void start() {
        if (running) {
            return;
        }
        server.start(forwarding.routers());
        running = true;
        SharedPortCheck.ofThisHost().sharedListeners(server.listeners()).forEach(log::warn);
    }

    /** A start that failed after the listeners opened: they close at once, without lameduck or drain. */
    public void closeNow() {
        server.close();
        running = false;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    @Override
    public void stop() {
        AvailabilityChangeEvent.publish(events, this, ReadinessState.REFUSING_TRAFFIC);
        if (!lameduck.isZero()) {
            log.info("Shutting down: readiness DOWN, still answering for the lameduck period of {}", lameduck);
            sleep(lameduck);
        }
        server.close();
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        int inFlight;
        while ((inFlight = forwarding.inFlight()) > 0 && System.nanoTime() < deadline) {
            sleep(DRAIN_POLL);
        }
        if (inFlight > 0) {
            log.warn("Shutting down with {} queries still in flight after {}", inFlight, drainTimeout);
        }
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
