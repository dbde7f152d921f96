package io.kubeforward.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kubeforward.forward.Forwarding;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.actuate.info.InfoEndpoint;
import org.springframework.boot.availability.ApplicationAvailabilityBean;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;

/** Only the actuator's endpoints are lazy, and they are created after the application is ready. */
class ActuatorWebStackTest {

    @Test
    void theActuatorIsLazyAndEverythingElseEager() {
        assertThat(ActuatorWebStack.isWebStack(HealthEndpoint.class)).isTrue();
        assertThat(ActuatorWebStack.isWebStack(InfoEndpoint.class)).isTrue();
        assertThat(ActuatorWebStack.isWebStack(Forwarding.class)).as("kubeforward's own beans").isFalse();
        assertThat(ActuatorWebStack.isWebStack(PrometheusMeterRegistry.class)).as("metrics").isFalse();
        assertThat(ActuatorWebStack.isWebStack(ApplicationAvailabilityBean.class)).as("availability").isFalse();
        assertThat(ActuatorWebStack.isWebStack(null)).as("a type that cannot be resolved").isFalse();
        assertThat(ActuatorWebStack.FILTER.isExcluded("x", null, Forwarding.class)).as("kept eager").isTrue();
        assertThat(ActuatorWebStack.FILTER.isExcluded("x", null, HealthEndpoint.class)).as("made lazy").isFalse();
    }

    @Test
    void endpointsThatCannotBeCreatedLeaveItNotReady() {
        ActuatorWebStack stack = new ActuatorWebStack(new StaticListableBeanFactory());
        stack.create();
        assertThat(stack.isReady()).isFalse();
        assertThatThrownBy(stack::endpoints).as("asked for by a request: the failure is the request's").isNotNull();
    }

    @Test
    void readyOnlyOnceTheEndpointsWereCreatedAfterTheApplicationWasReady() {
        StaticListableBeanFactory beans = ActuatorRoutesTest.endpointBeans();
        ActuatorWebStack stack = new ActuatorWebStack(beans);
        assertThat(stack.isReady()).isFalse();
        stack.onApplicationEvent(null);
        await().atMost(Duration.ofSeconds(5)).until(stack::isReady);
        assertThat(stack.endpoints()).isSameAs(stack.endpoints());
    }
}
