package io.kubeforward.actuate;

/** Answers one request; runs on the HTTP server's own thread (never a DNS event loop), so it may take a moment. */
@FunctionalInterface
public interface HttpRoutes {

    HttpReply handle(HttpRequestLine request);
}
