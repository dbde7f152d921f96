package io.kubeforward.actuate;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.http.server.reactive.HttpHandler;

/**
 * The actuator's web stack (WebFlux, its handler mappings, the endpoints, their JSON) is created after the DNS
 * listeners serve, not before: {@code spring.main.lazy-initialization} makes those beans lazy ({@link #FILTER} keeps
 * every other bean eager), the HTTP server binds with a handler that is looked up on its first request, and once
 * the application is ready this builds it on a thread of its own. Readiness ({@link ReadinessFile}) waits for it:
 * the instance is ready only when both DNS and the actuator are. Creating that stack took ~0.3 s of a 1.2 s start
 * (docs/performance.md, "Startup").
 */
public final class ActuatorWebStack implements ApplicationListener<ApplicationReadyEvent> {

    private static final Logger log = LoggerFactory.getLogger(ActuatorWebStack.class);
    private static final List<String> PACKAGES = List.of("org.springframework.web.", "org.springframework.http.",
            "org.springframework.boot.web.", "org.springframework.boot.webflux.", "org.springframework.boot.reactor.netty.",
            "org.springframework.boot.actuate.", "org.springframework.boot.health.", "org.springframework.boot.jackson.",
            "tools.jackson.");

    /** Lazy: the beans of the web stack's packages; eager: everything else (kubeforward's own beans, metrics, availability). */
    static final LazyInitializationExcludeFilter FILTER = (name, definition, type) -> !isWebStack(type);

    private final BeanFactory beans;
    private volatile boolean ready;

    ActuatorWebStack(BeanFactory beans) {
        this.beans = beans;
    }

    static boolean isWebStack(Class<?> type) {
        return type != null && PACKAGES.stream().anyMatch(type.getName()::startsWith);
    }

    @Override
    public void onApplicationEvent(ApplicationReadyEvent event) {
        Thread thread = new Thread(this::create, "actuator-init");
        thread.setDaemon(true);
        thread.start();
    }

    void create() {
        try {
            beans.getBeanProvider(HttpHandler.class).getIfUnique();
            ready = true;
        } catch (RuntimeException e) {
            // Shut down while it was being created (the context is closing), or a broken actuator configuration.
            log.error("The actuator's HTTP handler could not be created: {}; readiness stays down", e.toString());
        }
    }

    /** True once the actuator's HTTP handler exists. */
    public boolean isReady() {
        return ready;
    }
}
