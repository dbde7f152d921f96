package io.kubeforward.config;

/** Port numbers written as text. */
final class Ports {

    static final int MAX = 65535;

    private Ports() {
    }

    /**
     * Parses a port in {@code min..65535}.
     *
     * @throws IllegalArgumentException {@code 'x' is not a number} or {@code 70000 (expected: 1-65535)}; callers
     *                                  say what the number is
     */
    static int parse(String text, int min) {
        int port;
        try {
            port = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a number");
        }
        return check(port, min);
    }

    /** {@code port} if it is in {@code min..65535}. */
    static int check(int port, int min) {
        if (port < min || port > MAX) {
            throw new IllegalArgumentException(port + " (expected: " + min + "-" + MAX + ")");
        }
        return port;
    }
}
