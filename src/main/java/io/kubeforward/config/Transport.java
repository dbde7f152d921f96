package io.kubeforward.config;

/** How we talk to an upstream. */
public enum Transport {
    /** Plain DNS over UDP or TCP, port 53 by default. */
    DNS("dns", 53),
    /** DNS over TLS (RFC 7858), port 853 by default. */
    TLS("tls", 853);

    private final String scheme;
    private final int defaultPort;

    Transport(String scheme, int defaultPort) {
        this.scheme = scheme;
        this.defaultPort = defaultPort;
    }

    public String scheme() {
        return scheme;
    }

    public int defaultPort() {
        return defaultPort;
    }
}
