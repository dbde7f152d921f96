package io.kubeforward.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubeforward.forward.Forwarding;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.availability.ApplicationAvailabilityBean;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.web.reactive.DispatcherHandler;

/** Only the actuator's web stack is lazy, and it is built after the application is ready. */
class ActuatorWebStackTest {

    @Test
    void theWebStackIsLazyAndEverythingElseEager() {
        assertThat(ActuatorWebStack.isWebStack(DispatcherHandler.class)).isTrue();
        assertThat(ActuatorWebStack.isWebStack(HttpHandler.class)).isTrue();
        assertThat(ActuatorWebStack.isWebStack(Forwarding.class)).as("kubeforward's own beans").isFalse();
        assertThat(ActuatorWebStack.isWebStack(PrometheusMeterRegistry.class)).as("metrics").isFalse();
        assertThat(ActuatorWebStack.isWebStack(ApplicationAvailabilityBean.class)).as("availability").isFalse();
        assertThat(ActuatorWebStack.isWebStack(null)).as("a type that cannot be resolved").isFalse();
        assertThat(ActuatorWebStack.FILTER.isExcluded("x", null, Forwarding.class)).as("kept eager").isTrue();
        assertThat(ActuatorWebStack.FILTER.isExcluded("x", null, DispatcherHandler.class)).as("made lazy").isFalse();
    }

    @Test
    void readyOnlyOnceTheHttpHandlerWasCreatedAfterTheApplicationWasReady() {
        StaticListableBeanFactory beans = new StaticListableBeanFactory();
        beans.addBean("httpHandler", (HttpHandler) (request, response) -> response.setComplete());
        ActuatorWebStack stack = new ActuatorWebStack(beans);
        assertThat(stack.isReady()).isFalse();
        stack.onApplicationEvent(null);
        await().atMost(Duration.ofSeconds(5)).until(stack::isReady);
    }

    @Test
    void aHandlerThatCannotBeCreatedLeavesItNotReady() {
        ActuatorWebStack stack = new ActuatorWebStack(new StaticListableBeanFactory() {
            @Override
            public <T> org.springframework.beans.factory.ObjectProvider<T> getBeanProvider(Class<T> type) {
                throw new IllegalStateException("context closed");
            }
        });
        stack.create();
        assertThat(stack.isReady()).isFalse();
    }
}
