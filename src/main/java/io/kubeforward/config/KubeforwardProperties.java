package io.kubeforward.config;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;

/**
 * Spring properties under {@code kubeforward.*}. Either {@code corefile} names a Corefile (which then wins
 * over {@code servers}), or {@code servers} describes the server blocks the same way a Corefile would.
 * See docs/configuration.md for the Corefile equivalent of every property.
 *
 * @param corefile path of a CoreDNS-style Corefile; when set, it is the configuration and {@code servers} is
 *                 ignored (environment variable {@code KUBEFORWARD_COREFILE})
 * @param servers  server blocks, used when no Corefile is given
 */
@ConfigurationProperties("kubeforward")
public record KubeforwardProperties(@DefaultValue("") String corefile, @DefaultValue List<Server> servers) {

    /**
     * One server block, like {@code ZONE... { bind ...; errors; log; forward ... }} in a Corefile.
     *
     * @param zones   zones served by this block, e.g. {@code cluster.local} or {@code .}; at least one
     * @param port    DNS port (UDP and TCP); 0 picks a free port
     * @param bind    addresses to listen on (IP literals); empty = every address ({@code 0.0.0.0} and {@code ::})
     * @param errors  log failures of this block, like the {@code errors} directive
     * @param log     log every query, like the {@code log} directive
     * @param forward where queries are forwarded; absent = the block forwards nowhere and answers REFUSED
     * @param cache   answers cached, like the {@code cache} directive; absent = no cache
     * @param acl     which clients are answered, like the {@code acl} directive: rules tried in order, the first whose
     *                {@code net} contains the client decides ({@code block} = REFUSED); none matching = answered
     */
    public record Server(
            @DefaultValue List<String> zones,
            @DefaultValue("53") int port,
            @DefaultValue List<String> bind,
            @DefaultValue("false") boolean errors,
            @DefaultValue("false") boolean log,
            @Nullable Forward forward,
            @Nullable Cache cache,
            @DefaultValue List<AclRule> acl) {
    }

    /**
     * Like one line {@code allow|block [net SOURCE...]} of {@code acl { ... }}.
     *
     * @param action {@code allow} or {@code block}
     * @param net    CIDRs, IPs or {@code *}; empty = {@code *} (every client)
     */
    public record AclRule(@DefaultValue("") String action, @DefaultValue List<String> net) {
    }

    /**
     * Like {@code cache [TTL] [ZONES...] { OPTIONS }}. Defaults are CoreDNS's. TTLs are seconds (a bare number is
     * seconds, {@code 30s} works too); other durations are Spring durations.
     *
     * @param enabled    cache at all; lets {@code cache: {enabled: true}} ask for every default
     * @param ttl        max TTL of both caches unless {@code success.ttl}/{@code denial.ttl} set their own
     * @param zones      zones whose answers are cached; empty = the block's zones
     * @param success    the cache of positive answers
     * @param denial     the cache of NXDOMAIN/NODATA (and SERVFAIL) answers
     * @param prefetch   refresh popular entries before they expire; absent = off
     * @param serveStale serve expired entries (RFC 8767); absent = off
     * @param servfail   how long a SERVFAIL is cached; 0 = never; at most 5m
     * @param disable    caches ({@code success}, {@code denial}) that store nothing, in every zone
     * @param keepttl    serve the stored TTL instead of counting it down
     */
    public record Cache(
            @DefaultValue("true") boolean enabled,
            @Nullable @DurationUnit(ChronoUnit.SECONDS) Duration ttl,
            @DefaultValue List<String> zones,
            @DefaultValue CacheTier success,
            @DefaultValue CacheTier denial,
            @Nullable Prefetch prefetch,
            @Nullable ServeStale serveStale,
            @DefaultValue("5s") Duration servfail,
            @DefaultValue List<String> disable,
            @DefaultValue("false") boolean keepttl) {
    }

    /**
     * Like {@code success|denial CAPACITY [TTL [MINTTL]]} and {@code disable success|denial ZONES...}.
     *
     * @param capacity      entries kept; at least 1
     * @param ttl           max TTL; unset = {@code cache.ttl}, else 3600 (success) or 1800 (denial)
     * @param minTtl        min TTL (default 5)
     * @param disabledZones zones for which this cache stores nothing
     */
    public record CacheTier(
            @DefaultValue("9984") int capacity,
            @Nullable @DurationUnit(ChronoUnit.SECONDS) Duration ttl,
            @DefaultValue("5") @DurationUnit(ChronoUnit.SECONDS) Duration minTtl,
            @DefaultValue List<String> disabledZones) {
    }

    /**
     * Like {@code prefetch AMOUNT [DURATION [PERCENTAGE%]]}.
     *
     * @param amount     hits with no gap of {@code duration} or more that make an entry popular (required)
     * @param duration   largest gap between those hits
     * @param percentage share of the TTL left (10 to 90) at which a popular entry is refreshed
     */
    public record Prefetch(
            @Nullable Integer amount,
            @DefaultValue("1m") Duration duration,
            @DefaultValue("10") int percentage) {
    }

    /**
     * Like {@code serve_stale [DURATION [immediate|verify]]}.
     *
     * @param duration how long after expiry an entry may still be served
     * @param mode     {@code immediate} (serve, then refresh) or {@code verify} (serve only when a refresh failed)
     */
    public record ServeStale(
            @DefaultValue("1h") Duration duration,
            @DefaultValue("immediate") String mode) {
    }

    /**
     * Like {@code forward FROM TO... { OPTIONS }}, or {@code kubeforward { ... }} when {@code service} is set.
     * Exactly one of {@code to} and {@code service} is required. Defaults are CoreDNS's.
     *
     * @param from                          base domain forwarded
     * @param to                            upstreams: {@code IP}, {@code IP:PORT}, {@code [IPv6]:PORT},
     *                                      {@code dns://...}, {@code tls://IP[:PORT][%NAME]} or a resolv.conf path
     * @param service                       the Kubernetes Service whose endpoints are the upstreams
     * @param except                        names (and their subdomains) not forwarded
     * @param forceTcp                      always use TCP to upstreams (wins over prefer-udp)
     * @param preferUdp                     use UDP even for TCP clients
     * @param maxFails                      consecutive failures after which an upstream is down; 0 = never
     * @param maxConnectAttempts            attempts per query; unset = 2 x upstreams, 0 = no cap
     * @param expire                        idle lifetime of a pooled connection
     * @param maxAge                        maximum lifetime of a pooled connection; 0 = unbounded
     * @param maxIdleConns                  idle connections kept per upstream; 0 = unlimited
     * @param readTimeout                   per-attempt read timeout; unset = 2s
     * @param upstreamReadTimeout           the successor plugin's name for {@code read-timeout}, only with
     *                                      {@code service}; not together with {@code read-timeout}
     * @param tls                           client certificate, key and CA for tls:// upstreams
     * @param tlsServername                 TLS server name to verify for tls:// upstreams without %NAME
     * @param policy                        random, round_robin, sequential or least_outstanding
     * @param healthCheck                   health-check interval and probe
     * @param maxConcurrent                 in-flight queries above which REFUSED is answered; 0 = no limit
     * @param failfastAllUnhealthyUpstreams answer SERVFAIL at once when every upstream is down
     * @param failover                      rcodes (e.g. SERVFAIL, REFUSED) on which the next upstream is tried
     * @param sourceAddress                 local IP for upstream queries and health checks; empty = any
     * @param slowThreshold                 an upstream answer slower than this is counted (and logged with
     *                                      {@code slow-log}); 0 = off
     * @param slowLog                       log slow answers, at most 10 lines per second per server block
     */
    public record Forward(
            @DefaultValue(".") String from,
            @DefaultValue List<String> to,
            @Nullable Service service,
            @DefaultValue List<String> except,
            @DefaultValue("false") boolean forceTcp,
            @DefaultValue("false") boolean preferUdp,
            @DefaultValue("2") int maxFails,
            @Nullable Integer maxConnectAttempts,
            @DefaultValue("10s") Duration expire,
            @DefaultValue("0s") Duration maxAge,
            @DefaultValue("0") int maxIdleConns,
            @Nullable Duration readTimeout,
            @Nullable Duration upstreamReadTimeout,
            @DefaultValue Tls tls,
            @DefaultValue("") String tlsServername,
            @DefaultValue("random") String policy,
            @DefaultValue HealthCheck healthCheck,
            @DefaultValue("0") int maxConcurrent,
            @DefaultValue("false") boolean failfastAllUnhealthyUpstreams,
            @DefaultValue List<String> failover,
            @DefaultValue("") String sourceAddress,
            @DefaultValue("0s") Duration slowThreshold,
            @DefaultValue("false") boolean slowLog) {
    }

    /**
     * Like the option lines of {@code kubeforward { ... }} other than the forward options.
     *
     * @param namespace     namespace of the Service; empty = the pod's namespace, else kube-system
     * @param name          name of the Service (required)
     * @param portName      name of the Service port; empty = {@code port}, or the Service's only port
     * @param port          port number instead of {@code port-name}; 0 = unset
     * @param fallback      upstreams used only while the Service has no usable endpoint (none known yet, or none
     *                      at all), e.g. its ClusterIP: {@code IP}, {@code IP:PORT}, {@code [IPv6]:PORT},
     *                      {@code dns://...} or {@code tls://IP[:PORT][%NAME]}; no resolv.conf files
     * @param snapshot      file keeping the last applied endpoint set, read at startup when the API server cannot
     *                      be reached; its directory must exist; empty = no snapshot
     * @param addressFamily endpoint addresses used: {@code ipv4}, {@code ipv6} or {@code any}
     * @param preferZone    {@code off}, {@code auto} (the zone label of the node {@code NODE_NAME}) or a zone name:
     *                      endpoints in that zone are preferred
     * @param minLocal      fewer healthy endpoints in the zone than this and all healthy endpoints are used;
     *                      unset = 1; only with {@code prefer-zone} other than {@code off}
     */
    public record Service(
            @DefaultValue("") String namespace,
            @DefaultValue("") String name,
            @DefaultValue("") String portName,
            @DefaultValue("0") int port,
            @DefaultValue List<String> fallback,
            @DefaultValue("") String snapshot,
            @DefaultValue("any") String addressFamily,
            @DefaultValue("off") String preferZone,
            @Nullable Integer minLocal) {
    }

    /**
     * Like {@code tls [CERT KEY [CA]]}: PEM files for DNS over TLS.
     *
     * @param cert client certificate; requires {@code key}
     * @param key  client private key
     * @param ca   CA bundle to trust; empty = the JVM's trust store
     */
    public record Tls(@DefaultValue("") String cert, @DefaultValue("") String key, @DefaultValue("") String ca) {
    }

    /**
     * Like {@code health_check [INTERVAL] [no_rec] [domain FQDN]}.
     *
     * @param interval time between probes; 0 disables health checks; unset = 500ms (the successor plugin's form
     *                 {@code health_check no_rec domain FQDN} has no interval)
     * @param noRec    send probes without the RD bit
     * @param domain   name probed with an NS query
     */
    public record HealthCheck(
            @DefaultValue("500ms") Duration interval,
            @DefaultValue("false") boolean noRec,
            @DefaultValue(".") String domain) {
    }
}
