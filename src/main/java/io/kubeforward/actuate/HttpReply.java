package io.kubeforward.actuate;

import java.nio.charset.StandardCharsets;

/**
 * One HTTP response of the actuator or the Corefile's status endpoints: status, content type and the whole body.
 *
 * @param status      HTTP status code
 * @param contentType the {@code Content-Type} header
 * @param body        the body, sent with its length (never chunked)
 */
public record HttpReply(int status, String contentType, byte[] body) {

    static final String TEXT = "text/plain; charset=utf-8";
    static final String JSON = "application/json";

    static HttpReply text(int status, String body) {
        return new HttpReply(status, TEXT, body.getBytes(StandardCharsets.UTF_8));
    }

    static HttpReply json(int status, String body) {
        return new HttpReply(status, JSON, body.getBytes(StandardCharsets.UTF_8));
    }

    static HttpReply notFound() {
        return text(404, "Not Found\n");
    }
}
