package io.kubeforward.config;

import java.util.Objects;

/**
 * One word of a Corefile.
 *
 * @param text    the word, quotes removed, environment substituted
 * @param line    line where it starts (1-based)
 * @param endLine line where it ends; differs from {@code line} only for a quoted string spanning lines
 * @param quoted  written in quotes; a quoted {@code "{"} is text, not a block delimiter
 */
record CorefileToken(String text, int line, int endLine, boolean quoted) {

    CorefileToken {
        Objects.requireNonNull(text, "text");
    }

    boolean isOpenBrace() {
        return !quoted && text.equals("{");
    }

    boolean isCloseBrace() {
        return !quoted && text.equals("}");
    }
}
