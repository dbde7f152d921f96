package io.kubeforward.config;

import java.util.regex.Pattern;

/** Names of Kubernetes objects and Service ports (RFC 1123 labels), checked before anything talks to the API. */
final class KubernetesNames {

    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    private KubernetesNames() {
    }

    /** {@code name} if it is a valid label. */
    static String requireLabel(String name) {
        if (!LABEL.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name
                    + "' is not a valid Kubernetes name (expected: lower-case letters, digits and '-', at most 63)");
        }
        return name;
    }
}
