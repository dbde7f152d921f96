package io.kubeforward.config;

import java.util.Map;
import java.util.Optional;

/** Parses Corefile text named {@code Corefile} with a fixed environment. */
final class TestCorefiles {

    private TestCorefiles() {
    }

    static LoadedConfig parse(String text) {
        return parse(text, Map.of());
    }

    static LoadedConfig parse(String text, Map<String, String> env) {
        return new CorefileSource(new EnvSubstitution(name -> Optional.ofNullable(env.get(name)))).parse("Corefile", text);
    }
}
