package io.kubeforward.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The Corefile blocks of the two CoreDNS kubeforward plugins' READMEs, verbatim, kept in
 * {@code src/test/resources/io/kubeforward/config/plugins/}: github.com/Paramoshka/kubeforward (the original) and
 * deckhouse/coredns-kubeforward v0.5.0 (its successor, the one clusters run today).
 */
enum PluginReadmes {
    ORIGINAL("original-readme.Corefile"),
    SUCCESSOR("successor-readme.Corefile");

    private final String corefile;

    PluginReadmes(String resource) {
        try (InputStream in = PluginReadmes.class.getResourceAsStream("plugins/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource plugins/" + resource);
            }
            corefile = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The block as the README shows it, ending with a newline. */
    String corefile() {
        return corefile;
    }
}
