package io.kubeforward.config;

import io.kubeforward.config.Corefile.Directive;
import java.util.Map;

/** Checks shared by every directive and option line: argument count, no block, given once. */
final class OptionLines {

    private OptionLines() {
    }

    /**
     * Fails with {@code OWNER: NAME: wrong number of arguments: N (expected: ...)} unless
     * {@code min <= args <= max}. With an empty owner the message starts with the line's name.
     */
    static void requireArgs(Directive line, String owner, int min, int max) {
        int n = line.args().size();
        if (n < min || n > max) {
            String expected = min == max ? Integer.toString(min)
                    : max == Integer.MAX_VALUE ? min + " or more" : min + " to " + max;
            throw line.error(prefix(line, owner) + "wrong number of arguments: " + n + " (expected: " + expected + ")");
        }
    }

    static void requireNoBlock(Directive line, String owner) {
        if (line.hasBlock()) {
            throw line.error(prefix(line, owner) + "unexpected block (this takes no '{ }')");
        }
    }

    /** Fails when {@code seen} already has the line's name; does not record it. */
    static void requireFirst(Directive line, String owner, Map<String, String> seen) {
        String first = seen.get(line.name());
        if (first != null) {
            throw line.error(prefix(line, owner) + "given twice (first at " + first + ")");
        }
    }

    private static String prefix(Directive line, String owner) {
        return owner.isEmpty() ? line.name() + ": " : owner + ": " + line.name() + ": ";
    }
}
