package io.kubeforward.config;

import java.util.Objects;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides where the configuration comes from and builds the model. A Corefile ({@code kubeforward.corefile})
 * wins over {@code kubeforward.servers}, and the log says how many YAML server blocks that leaves unused;
 * the two are never merged. Without either, loading fails.
 */
final class ConfigLoader {

    private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);

    private final CorefileSource corefiles;
    private final PropertiesMapper properties;

    ConfigLoader(CorefileSource corefiles, PropertiesMapper properties) {
        this.corefiles = Objects.requireNonNull(corefiles, "corefiles");
        this.properties = Objects.requireNonNull(properties, "properties");
    }

    /**
     * @throws ConfigException when the chosen source is invalid, or there is none
     */
    KubeforwardConfig load(KubeforwardProperties settings) {
        LoadedConfig loaded = choose(settings);
        loaded.warnings().forEach(warning -> log.warn("{}", warning));
        loaded.config().servers().forEach(server -> log.info("Server block {} port {} bind {}: {}",
                server.zones(), server.port(), server.bindAddresses().stream().map(IpText::format)
                        .collect(Collectors.joining(", ")), describe(server)));
        return loaded.config();
    }

    private LoadedConfig choose(KubeforwardProperties settings) {
        if (!settings.corefile().isBlank()) {
            LoadedConfig loaded = corefiles.load(settings.corefile());
            int ignored = settings.servers().size();
            log.info("Configuration from Corefile {} ({}; kubeforward.corefile wins{})", settings.corefile(),
                    serverBlocks(loaded.config().servers().size()),
                    ignored == 0 ? "" : ", " + serverBlocks(ignored) + " under kubeforward.servers ignored");
            return loaded;
        }
        if (!settings.servers().isEmpty()) {
            LoadedConfig loaded = properties.map(settings.servers());
            log.info("Configuration from Spring properties kubeforward.servers ({}; no kubeforward.corefile)",
                    serverBlocks(loaded.config().servers().size()));
            return loaded;
        }
        throw new ConfigException("kubeforward", "no configuration: set kubeforward.corefile (env KUBEFORWARD_COREFILE)"
                + " or kubeforward.servers (profiles 'local' and 'nodelocal' are examples)");
    }

    private static String serverBlocks(int n) {
        return n + (n == 1 ? " server block" : " server blocks");
    }

    private static String describe(ServerBlock server) {
        return server.forward().map(rule -> "forward " + rule.from() + " to " + switch (rule.source()) {
            case StaticUpstreams s -> s.upstreams().stream().map(u -> u.url() + " (" + u.origin() + ")")
                    .collect(Collectors.joining(", "));
            case KubernetesServiceUpstreams k -> k.describe();
        }).orElse("no forward (answers REFUSED)");
    }
}
