package io.kubeforward.config;

import io.kubeforward.config.Corefile.Directive;
import io.kubeforward.config.Corefile.Key;
import io.kubeforward.config.Corefile.ServerBlockSyntax;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds the {@link Corefile} tree from tokens. A directive is the words of one line; a bare {@code {} opens
 * its block and the matching {@code }} closes it. Server block keys may continue on the next line after a
 * trailing comma, as in CoreDNS; the opening brace must end the key line. Unlike CoreDNS, a single server
 * block without braces is not accepted.
 */
final class CorefileParser {

    private final String file;

    CorefileParser(String file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    Corefile parse(List<CorefileToken> tokens) {
        return new Cursor(tokens).corefile();
    }

    private String at(int line) {
        return file + ":" + line;
    }

    /** One pass over one token list. */
    private final class Cursor {
        private final List<CorefileToken> tokens;
        private int pos;

        Cursor(List<CorefileToken> tokens) {
            this.tokens = tokens;
        }

        Corefile corefile() {
            List<ServerBlockSyntax> blocks = new ArrayList<>();
            while (pos < tokens.size()) {
                blocks.add(serverBlock());
            }
            return new Corefile(file, blocks);
        }

        private ServerBlockSyntax serverBlock() {
            CorefileToken first = tokens.get(pos);
            List<Key> keys = keys();
            CorefileToken open = tokens.get(pos++);
            List<Directive> directives = body(open);
            return new ServerBlockSyntax(keys, at(first.line()), directives);
        }

        /** Reads keys up to and excluding the opening brace. */
        private List<Key> keys() {
            List<Key> keys = new ArrayList<>();
            boolean expectingAnother = false;
            while (true) {
                CorefileToken t = tokens.get(pos);
                if (t.isCloseBrace()) {
                    throw new ConfigException(at(t.line()), "unexpected '}' (no matching '{')");
                }
                if (t.isOpenBrace()) {
                    if (keys.isEmpty() || expectingAnother) {
                        throw new ConfigException(at(t.line()), "expected a server block key (ZONE[:PORT]) before '{'");
                    }
                    return keys;
                }
                expectingAnother = addKeys(t, keys);
                pos++;
                if (pos >= tokens.size() || (!expectingAnother && tokens.get(pos).line() != t.endLine())) {
                    throw new ConfigException(at(t.line()), "expected '{' at the end of the server block key line");
                }
            }
        }

        /** Adds the comma-separated keys of one word; true when it ends with a comma. */
        private boolean addKeys(CorefileToken t, List<Key> keys) {
            for (String part : t.text().split(",")) {
                if (!part.isEmpty()) {
                    keys.add(new Key(part, at(t.line())));
                }
            }
            return t.text().endsWith(",");
        }

        /** Reads directives after {@code open} up to and including the matching close brace. */
        private List<Directive> body(CorefileToken open) {
            List<Directive> directives = new ArrayList<>();
            while (true) {
                if (pos >= tokens.size()) {
                    throw new ConfigException(at(open.line()), "'{' is never closed (missing '}')");
                }
                CorefileToken t = tokens.get(pos);
                if (t.isCloseBrace()) {
                    pos++;
                    requireLineEndAfter(t);
                    return directives;
                }
                if (t.isOpenBrace()) {
                    throw new ConfigException(at(t.line()), "unexpected '{' (expected a directive name)");
                }
                directives.add(directive());
            }
        }

        private Directive directive() {
            CorefileToken name = tokens.get(pos++);
            List<String> args = new ArrayList<>();
            int lineEnd = name.endLine();
            while (pos < tokens.size() && tokens.get(pos).line() == lineEnd && !tokens.get(pos).isCloseBrace()) {
                CorefileToken t = tokens.get(pos++);
                if (t.isOpenBrace()) {
                    return new Directive(name.text(), args, at(name.line()), true, body(t));
                }
                args.add(t.text());
                lineEnd = t.endLine();
            }
            return new Directive(name.text(), args, at(name.line()), false, List.of());
        }

        /** After a closing brace only another closing brace may follow on the same line. */
        private void requireLineEndAfter(CorefileToken close) {
            if (pos < tokens.size()) {
                CorefileToken next = tokens.get(pos);
                if (next.line() == close.line() && !next.isCloseBrace()) {
                    throw new ConfigException(at(next.line()), "unexpected '" + next.text() + "' after '}' (expected a new line)");
                }
            }
        }
    }
}
