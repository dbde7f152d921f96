package io.kubeforward.config;

import java.util.List;
import java.util.Objects;

/**
 * A configuration read from one source, with the warnings to log once it is accepted.
 *
 * @param config   the model
 * @param warnings accepted oddities, in source order
 */
record LoadedConfig(KubeforwardConfig config, List<ConfigWarning> warnings) {

    LoadedConfig {
        Objects.requireNonNull(config, "config");
        warnings = List.copyOf(warnings);
    }
}
