package io.kubeforward.server;

import io.kubeforward.forward.Forwarding;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the listeners once the context is ready and stops them first on shutdown, before the event
 * loops and pools they use go away.
 */
public final class DnsServerLifecycle implements SmartLifecycle {

    private final DnsServer server;
    private final Forwarding forwarding;
    private volatile boolean running;

    public DnsServerLifecycle(DnsServer server, Forwarding forwarding) {
        this.server = server;
        this.forwarding = forwarding;
    }

    @Override
    public void start() {
        server.start(forwarding.routers());
        running = true;
    }

    @Override
    public void stop() {
        server.close();
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
