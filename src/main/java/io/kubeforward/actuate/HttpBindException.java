package io.kubeforward.actuate;

/** An HTTP address of kubeforward's (the management port, a Corefile status address) could not be bound. */
public final class HttpBindException extends RuntimeException {

    private final String what;
    private final String address;

    /**
     * @param what    what listens there, with the setting that chooses it, e.g. {@code the management port (server.port)}
     * @param address {@code host:port}
     */
    HttpBindException(String what, String address, Throwable cause) {
        super("cannot listen on " + what + " " + address + ": " + cause.getMessage(), cause);
        this.what = what;
        this.address = address;
    }

    String what() {
        return what;
    }

    String address() {
        return address;
    }
}
