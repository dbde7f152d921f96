package io.kubeforward.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kubernetes.client.openapi.ApiClient;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The API client is made when a watcher first needs it, once; a failure to make it reaches the watcher's status. */
class LazyApiClientTest {

    @Test
    void makesTheClientOnFirstUseOnlyAndPreparesItForWatching() {
        AtomicInteger made = new AtomicInteger();
        ApiClient client = new ApiClient();
        LazyApiClient lazy = new LazyApiClient(() -> {
            made.incrementAndGet();
            return client;
        });
        assertThat(made).as("nothing made before a watcher asks").hasValue(0);
        assertThat(lazy.get()).isSameAs(client);
        assertThat(lazy.get()).isSameAs(client);
        assertThat(made).hasValue(1);
        assertThat(client.getHttpClient().readTimeoutMillis()).as("prepared for watching: no read timeout").isZero();
    }

    @Test
    void aFailedAttemptIsThrownAndTheNextCallTriesAgain() {
        AtomicInteger attempts = new AtomicInteger();
        ApiClient client = new ApiClient();
        LazyApiClient lazy = new LazyApiClient(() -> {
            if (attempts.incrementAndGet() == 1) {
                throw new IllegalStateException("exec credential plugin failed");
            }
            return client;
        });
        assertThatThrownBy(lazy::get).hasMessage("exec credential plugin failed");
        assertThat(lazy.get()).isSameAs(client);
    }

    @Test
    void aWatcherWhoseClientCannotBeMadeReportsItAndKeepsTrying() {
        AtomicInteger attempts = new AtomicInteger();
        LazyApiClient lazy = new LazyApiClient(() -> {
            attempts.incrementAndGet();
            throw new IllegalStateException("bad certificate-authority-data");
        });
        WatchStatus status = new WatchStatus("kube-system/kube-dns", Clock.systemUTC());
        try (EndpointSliceListerWatcher watcher = new EndpointSliceListerWatcher(lazy, "kube-system", "kube-dns", status, () -> { },
                new Backoff(Duration.ofMillis(10), Duration.ofMillis(20)), Duration.ofMillis(10), Duration.ofSeconds(60))) {
            watcher.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> status.errors() >= 3);
            assertThat(status.lastError()).isEqualTo("IllegalStateException: bad certificate-authority-data");
            assertThat(attempts.get()).isGreaterThanOrEqualTo(3);
            assertThat(watcher.hasSynced()).isFalse();
        }
    }
}
