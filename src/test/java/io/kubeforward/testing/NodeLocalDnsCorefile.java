package io.kubeforward.testing;

/**
 * node-local-dns's Corefile as kubernetes/kubernetes (cluster/addons/dns/nodelocaldns) ships it, with its placeholders
 * written as environment variables ({@code {$NAME}}, which a Corefile reads and node-cache fills in): CLUSTER_DOMAIN,
 * LOCAL_IP, DNS_SERVER_IP, CLUSTER_DNS_IP, UPSTREAM_SERVERS.
 */
public final class NodeLocalDnsCorefile {

    public static final String WITH_PLACEHOLDERS = """
            {$CLUSTER_DOMAIN}:53 {
                errors
                cache {
                    success 9984 30
                    denial 9984 5
                }
                reload
                loop
                bind {$LOCAL_IP} {$DNS_SERVER_IP}
                forward . {$CLUSTER_DNS_IP} {
                    force_tcp
                }
                prometheus :9253
                health {$LOCAL_IP}:8080
            }
            in-addr.arpa:53 {
                errors
                cache 30
                reload
                loop
                bind {$LOCAL_IP} {$DNS_SERVER_IP}
                forward . {$CLUSTER_DNS_IP} {
                    force_tcp
                }
                prometheus :9253
            }
            ip6.arpa:53 {
                errors
                cache 30
                reload
                loop
                bind {$LOCAL_IP} {$DNS_SERVER_IP}
                forward . {$CLUSTER_DNS_IP} {
                    force_tcp
                }
                prometheus :9253
            }
            .:53 {
                errors
                cache 30
                reload
                loop
                bind {$LOCAL_IP} {$DNS_SERVER_IP}
                forward . {$UPSTREAM_SERVERS}      # the node's /etc/resolv.conf
                prometheus :9253
            }
            """;

    private NodeLocalDnsCorefile() {
    }

    /**
     * The Corefile with its placeholders filled in, as node-cache does; {@code dnsServerIp} empty for a cache that
     * listens on the local IP only.
     */
    public static String filled(String clusterDomain, String localIp, String dnsServerIp, String clusterDnsIp, String upstreamServers) {
        return WITH_PLACEHOLDERS.replace("{$CLUSTER_DOMAIN}", clusterDomain).replace("{$LOCAL_IP}", localIp)
                .replace(dnsServerIp.isEmpty() ? " {$DNS_SERVER_IP}" : "{$DNS_SERVER_IP}", dnsServerIp)
                .replace("{$CLUSTER_DNS_IP}", clusterDnsIp).replace("{$UPSTREAM_SERVERS}", upstreamServers);
    }
}
