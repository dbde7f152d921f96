package io.kubeforward.config;

import java.util.List;
import java.util.Objects;

/**
 * A parsed Corefile, before any directive is interpreted: server blocks made of directives, each with its
 * arguments and an optional nested block. Every element knows its {@code FILE:LINE}.
 *
 * @param file         the path as given
 * @param serverBlocks the server blocks in file order
 */
record Corefile(String file, List<ServerBlockSyntax> serverBlocks) {

    Corefile {
        Objects.requireNonNull(file, "file");
        serverBlocks = List.copyOf(serverBlocks);
    }

    /**
     * {@code KEY [KEY...] { DIRECTIVES }}.
     *
     * @param keys       the keys ({@code ZONE[:PORT]}, possibly with {@code dns://})
     * @param location   {@code FILE:LINE} of the first key
     * @param directives the directives inside the braces
     */
    record ServerBlockSyntax(List<Key> keys, String location, List<Directive> directives) {

        ServerBlockSyntax {
            keys = List.copyOf(keys);
            Objects.requireNonNull(location, "location");
            directives = List.copyOf(directives);
        }
    }

    /** A server block key and where it is written. */
    record Key(String text, String location) {

        Key {
            Objects.requireNonNull(text, "text");
            Objects.requireNonNull(location, "location");
        }
    }

    /**
     * {@code NAME [ARGS...] [{ DIRECTIVES }]}: a directive of a server block, or an option line inside a
     * directive's block.
     *
     * @param name     the first word of the line
     * @param args     the other words on the same line, before any {@code {}
     * @param location {@code FILE:LINE} of the name
     * @param hasBlock whether a {@code { ... }} block follows the arguments (possibly empty)
     * @param block    the lines of that block; empty when there is none
     */
    record Directive(String name, List<String> args, String location, boolean hasBlock, List<Directive> block) {

        Directive {
            Objects.requireNonNull(name, "name");
            args = List.copyOf(args);
            Objects.requireNonNull(location, "location");
            block = List.copyOf(block);
        }

        /** An error at this directive's line. */
        ConfigException error(String problem) {
            return new ConfigException(location, problem);
        }
    }
}
