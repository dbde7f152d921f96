package io.kubeforward.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Splits a Corefile into words, as CoreDNS's Caddyfile lexer does: words are separated by white space,
 * {@code #} starts a comment up to the end of the line, {@code "..."} is one word (with {@code \"} and
 * {@code \\} escapes; other backslashes are kept) that may span lines, and {@code `...`} is one raw word
 * without escapes or environment substitution. A quote only opens a string at the start of a word.
 */
final class CorefileLexer {

    private final String file;
    private final EnvSubstitution env;

    /**
     * @param file the Corefile's path as given, used in error locations
     * @param env  substitution applied to every word except raw ({@code `...`}) strings
     */
    CorefileLexer(String file, EnvSubstitution env) {
        this.file = Objects.requireNonNull(file, "file");
        this.env = Objects.requireNonNull(env, "env");
    }

    List<CorefileToken> tokenize(String text) {
        return new Scan(text).run();
    }

    /** One pass over one text; holds the cursor. */
    private final class Scan {
        private final String text;
        private final List<CorefileToken> tokens = new ArrayList<>();
        private int pos;
        private int line = 1;

        Scan(String text) {
            this.text = text;
        }

        List<CorefileToken> run() {
            while (pos < text.length()) {
                char c = text.charAt(pos);
                if (c == '\n') {
                    line++;
                    pos++;
                } else if (Character.isWhitespace(c)) {
                    pos++;
                } else if (c == '#') {
                    skipComment();
                } else if (c == '"') {
                    quoted();
                } else if (c == '`') {
                    raw();
                } else {
                    bare();
                }
            }
            return List.copyOf(tokens);
        }

        private void skipComment() {
            while (pos < text.length() && text.charAt(pos) != '\n') {
                pos++;
            }
        }

        private void bare() {
            int start = pos;
            while (pos < text.length() && !Character.isWhitespace(text.charAt(pos)) && text.charAt(pos) != '#') {
                pos++;
            }
            tokens.add(new CorefileToken(env.apply(text.substring(start, pos)), line, line, false));
        }

        private void quoted() {
            int startLine = line;
            StringBuilder word = new StringBuilder();
            pos++;
            while (pos < text.length()) {
                char c = text.charAt(pos++);
                if (c == '"') {
                    tokens.add(new CorefileToken(env.apply(word.toString()), startLine, line, true));
                    return;
                }
                if (c == '\\' && pos < text.length() && (text.charAt(pos) == '"' || text.charAt(pos) == '\\')) {
                    c = text.charAt(pos++);
                } else if (c == '\n') {
                    line++;
                }
                word.append(c);
            }
            throw new ConfigException(file + ":" + startLine, "unterminated quoted string (missing '\"')");
        }

        private void raw() {
            int startLine = line;
            int end = text.indexOf('`', pos + 1);
            if (end < 0) {
                throw new ConfigException(file + ":" + startLine, "unterminated raw string (missing '`')");
            }
            String word = text.substring(pos + 1, end);
            line += (int) word.chars().filter(ch -> ch == '\n').count();
            pos = end + 1;
            tokens.add(new CorefileToken(word, startLine, line, true));
        }
    }
}
