package io.kubeforward.metrics;

/** Query types tracked by name in metrics; every other type is counted as {@code other} to bound cardinality. */
final class QtypeNames {

    static final String[] NAMES = {"A", "AAAA", "CNAME", "HTTPS", "MX", "NS", "PTR", "SOA", "SRV", "SVCB", "TXT", "ANY", "other"};

    private QtypeNames() {
    }

    /** Index into {@link #NAMES} for a query type. */
    static int index(int qtype) {
        return switch (qtype) {
            case 1 -> 0;
            case 28 -> 1;
            case 5 -> 2;
            case 65 -> 3;
            case 15 -> 4;
            case 2 -> 5;
            case 12 -> 6;
            case 6 -> 7;
            case 33 -> 8;
            case 64 -> 9;
            case 16 -> 10;
            case 255 -> 11;
            default -> NAMES.length - 1;
        };
    }
}
