package io.kubeforward.nodelocal;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Node setup ({@code kubeforward.node-setup.*}), the equivalent of node-cache's flags.
 *
 * @param enabled        do any node setup at all (the nodelocal profile turns it on)
 * @param interfaceName  the interface holding the local IPs (node-cache: {@code -interfacename})
 * @param localIps       addresses to hold and to exempt from conntrack (node-cache: {@code -localip})
 * @param dnsPort        the DNS port the rules cover
 * @param healthPort     a TCP port also exempted from conntrack on the local IPs (the health endpoint); 0 = none
 * @param setupInterface create the interface (node-cache: {@code -setupinterface})
 * @param setupIptables  add the rules (node-cache: {@code -setupiptables})
 * @param syncInterval   how often interface and rules are checked and repaired (node-cache: {@code -syncinterval})
 * @param skipTeardown   leave interface and rules in place on shutdown (node-cache: {@code -skipteardown})
 */
@ConfigurationProperties("kubeforward.node-setup")
public record NodeSetupProperties(
        @DefaultValue("false") boolean enabled,
        @DefaultValue("nodelocaldns") String interfaceName,
        @DefaultValue("169.254.20.10") List<String> localIps,
        @DefaultValue("53") int dnsPort,
        @DefaultValue("0") int healthPort,
        @DefaultValue("true") boolean setupInterface,
        @DefaultValue("true") boolean setupIptables,
        @DefaultValue("60s") Duration syncInterval,
        @DefaultValue("false") boolean skipTeardown) {
}
