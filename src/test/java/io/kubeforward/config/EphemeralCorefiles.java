package io.kubeforward.config;

import java.util.List;
import java.util.Optional;

/** For tests elsewhere: the configuration a Corefile text gives, with every block moved to an ephemeral port. */
public final class EphemeralCorefiles {

    private EphemeralCorefiles() {
    }

    public static KubeforwardConfig parse(String corefile) {
        KubeforwardConfig config = new CorefileSource(new EnvSubstitution(name -> Optional.empty())).parse("Corefile", corefile).config();
        List<ServerBlock> blocks = config.servers().stream().map(b -> new ServerBlock(b.zones(), 0, b.bindAddresses(), b.logErrors(),
                b.logQueries(), b.forward(), b.cache())).toList();
        return new KubeforwardConfig(blocks, config.origin());
    }
}
