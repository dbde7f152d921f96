package io.kubeforward.actuate;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.actuate.info.InfoEndpoint;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.context.ApplicationListener;

/**
 * The actuator's endpoints (health with its contributors and groups, info) are created after the DNS listeners serve,
 * not before: {@code spring.main.lazy-initialization} makes those beans lazy ({@link #FILTER} keeps every other bean
 * eager), the management port binds with routes that ask for them on their first request, and once the application
 * is ready this creates them on a thread of its own. Readiness ({@link ReadinessFile}) waits for them: the instance is
 * ready only when both DNS and the actuator are.
 */
public final class ActuatorWebStack implements ApplicationListener<ApplicationReadyEvent> {

    private static final Logger log = LoggerFactory.getLogger(ActuatorWebStack.class);
    private static final List<String> PACKAGES = List.of("org.springframework.boot.actuate.", "org.springframework.boot.health.");

    /** Lazy: the beans of the actuator's packages; eager: everything else (kubeforward's own beans, metrics, availability). */
    static final LazyInitializationExcludeFilter FILTER = (name, definition, type) -> !isWebStack(type);

    private final BeanFactory beans;
    private volatile ActuatorEndpoints endpoints;

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
            endpoints();
        } catch (RuntimeException e) {
            // Shut down while it was being created (the context is closing), or a broken actuator configuration.
            log.error("The actuator's endpoints could not be created: {}; readiness stays down", e.toString());
        }
    }

    /** The endpoints, created now if they do not exist yet. */
    ActuatorEndpoints endpoints() {
        ActuatorEndpoints created = endpoints;
        if (created != null) {
            return created;
        }
        synchronized (this) {
            if (endpoints == null) {
                endpoints = new ActuatorEndpoints(beans.getBean(HealthEndpoint.class), beans.getBean(HealthEndpointGroups.class),
                        beans.getBean(InfoEndpoint.class), Optional.ofNullable(beans.getBeanProvider(PrometheusMeterRegistry.class).getIfAvailable()),
                        beans.getBean(UpstreamsEndpoint.class));
            }
            return endpoints;
        }
    }

    /** True once the actuator's endpoints exist. */
    public boolean isReady() {
        return endpoints != null;
    }
}
