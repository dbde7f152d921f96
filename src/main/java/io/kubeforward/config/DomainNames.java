package io.kubeforward.config;

import java.util.Locale;

/** Domain names as the model stores them: lower case, absolute (trailing dot), {@code "."} for the root. */
final class DomainNames {

    private static final int MAX_NAME_LENGTH = 253;
    private static final int MAX_LABEL_LENGTH = 63;

    private DomainNames() {
    }

    /**
     * Normalizes {@code name}: {@code Cluster.Local} → {@code cluster.local.}, {@code "" } and {@code "."} → {@code "."}.
     *
     * @throws IllegalArgumentException when a label is empty, too long or contains whitespace
     */
    static String normalize(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.isEmpty() || lower.equals(".")) {
            return ".";
        }
        String relative = lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
        if (relative.length() > MAX_NAME_LENGTH) {
            throw invalid(name);
        }
        for (String label : relative.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > MAX_LABEL_LENGTH || !label.chars().allMatch(DomainNames::allowed)) {
                throw invalid(name);
            }
        }
        return relative + ".";
    }

    private static boolean allowed(int c) {
        return c > ' ' && c < 127 && c != '/' && c != ':' && c != '@' && c != '\\' && c != '"';
    }

    private static IllegalArgumentException invalid(String name) {
        return new IllegalArgumentException("'" + name + "' is not a valid domain name");
    }
}
