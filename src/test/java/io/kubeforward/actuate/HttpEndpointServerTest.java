package io.kubeforward.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP server of the management port and the status endpoints, over a real socket on loopback. */
class HttpEndpointServerTest {

    private final HttpEventLoop loop = new HttpEventLoop("test-http");
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicReference<HttpRequestLine> seen = new AtomicReference<>();
    private HttpEndpointServer server;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
        loop.close();
    }

    private URI start(HttpRoutes routes) {
        server = HttpEndpointServer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), loop, routes);
        return URI.create("http://127.0.0.1:" + server.localAddress().getPort());
    }

    @Test
    void answersWithTheRoutesReplyAndKeepsTheConnection() throws Exception {
        URI base = start(request -> {
            seen.set(request);
            return request.path().equals("/x") ? HttpReply.json(200, "{\"a\":1}") : HttpReply.notFound();
        });
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(base.resolve("/x?names=a,b&names=c")).header("Accept", "text/plain").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("{\"a\":1}");
            assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        }
        assertThat(seen.get().parameters().get("names")).isEqualTo(List.of("a,b", "c"));
        assertThat(seen.get().accept()).isEqualTo("text/plain");
        assertThat(client.send(HttpRequest.newBuilder(base.resolve("/nope")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(404);
    }

    @Test
    void headHasTheLengthButNoBody() throws Exception {
        URI base = start(request -> HttpReply.text(200, "hello"));
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(base.resolve("/")).method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEmpty();
        assertThat(response.headers().firstValue("content-length")).hasValue("5");
    }

    @Test
    void aFailingRouteIs500AndTheServerGoesOn() throws Exception {
        URI base = start(request -> {
            if (request.path().equals("/boom")) {
                throw new IllegalStateException("boom");
            }
            return HttpReply.text(200, "OK");
        });
        assertThat(client.send(HttpRequest.newBuilder(base.resolve("/boom")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(500);
        assertThat(client.send(HttpRequest.newBuilder(base.resolve("/ok")).build(), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("OK");
    }

    @Test
    void garbageIsAnsweredWith400AndClosed() throws IOException {
        start(request -> HttpReply.text(200, "OK"));
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.localAddress().getPort())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write("\u0000\u0001 not http at all\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 400");
        }
    }

    @Test
    void aRequestBodyOverTheLimitIsRefused() throws Exception {
        URI base = start(request -> HttpReply.text(200, "OK"));
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(base.resolve("/"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[64 * 1024])).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(413);
    }

    @Test
    void closingStopsAcceptingAndClosesOpenConnections() throws Exception {
        start(request -> HttpReply.text(200, "OK"));
        int port = server.localAddress().getPort();
        try (Socket open = new Socket(InetAddress.getLoopbackAddress(), port)) {
            open.setSoTimeout(5000);
            open.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            byte[] answer = new byte[256];
            assertThat(new String(answer, 0, open.getInputStream().read(answer), StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200")
                    .endsWith("OK");
            server.close();
            server = null;
            assertThat(open.getInputStream().read()).as("the open connection is closed").isEqualTo(-1);
        }
        try (Socket again = new Socket()) {
            again.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
            throw new AssertionError("still accepting on " + port);
        } catch (java.net.ConnectException expected) {
            // nothing listens
        }
    }
}
