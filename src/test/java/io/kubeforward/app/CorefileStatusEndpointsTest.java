package io.kubeforward.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubeforward.KubeforwardApplication;
import io.kubeforward.testing.TestUpstream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** A Corefile's health, ready and prometheus directives, served by the running application as CoreDNS serves them. */
class CorefileStatusEndpointsTest {

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void healthReadyAndMetricsAnswerOnTheirAddresses(@TempDir Path dir) throws Exception {
        int health = freePort();
        int ready = freePort();
        int metrics = freePort();
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1")) {
            Path corefile = Files.writeString(dir.resolve("Corefile"), """
                    .:%d {
                        bind 127.0.0.1
                        forward . 127.0.0.1:%d
                        health 127.0.0.1:%d {
                            lameduck 1s
                        }
                        ready 127.0.0.1:%d
                        prometheus 127.0.0.1:%d
                    }
                    """.formatted(freePort(), upstream.port(), health, ready, metrics));
            try (ConfigurableApplicationContext app = new SpringApplicationBuilder(KubeforwardApplication.class)
                    .run("--server.port=0", "--kubeforward.corefile=" + corefile)) {
                HttpClient http = HttpClient.newHttpClient();
                HttpResponse<String> healthy = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + health + "/health"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(healthy.statusCode()).isEqualTo(200);
                assertThat(healthy.body()).isEqualTo("OK");
                HttpResponse<String> isReady = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ready + "/ready"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(isReady.statusCode()).isEqualTo(200);
                HttpResponse<String> scrape = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metrics + "/metrics"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(scrape.statusCode()).isEqualTo(200);
                assertThat(scrape.body()).contains("kubeforward_dns_requests_total");
                HttpResponse<String> wrongPath = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + health + "/metrics"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(wrongPath.statusCode()).isEqualTo(404);
            }
        }
    }
}
