package io.kubeforward.scale;

import com.google.gson.GsonBuilder;
import io.kubeforward.scale.Options.Kind;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.RbacAuthorizationV1Api;
import io.kubernetes.client.openapi.apis.VersionApi;
import io.kubernetes.client.openapi.models.RbacV1Subject;
import io.kubernetes.client.openapi.models.V1ClusterRoleBinding;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1RoleRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bench/scale}: N simulated nodes, each with kubeforward's own discovery and its own client and connection,
 * against the real kube-apiserver + etcd of test-cluster (loopback), next to N kube-proxy-style nodes that watch every
 * EndpointSlice; steady state, endpoint churn, lost watches. Writes results.json and table.md into the output directory
 * (and, unless {@code --smoke}, bench/results/scale-latest.*); exits 1 when a scenario did not work (a node that never
 * synced, never applied a change, or never watched again), 2 on a bad command line. docs/scale.md, docs/benchmarks.md.
 */
public final class ScaleBench {

    private static final Logger log = LoggerFactory.getLogger(ScaleBench.class);
    static final String KUBEFORWARD_SA = "kubeforward";
    static final String KUBE_PROXY_SA = "kube-proxy";

    private ScaleBench() {
    }

    public static void main(String[] args) {
        Path project = Path.of(System.getProperty("kubeforward.project", ".")).toAbsolutePath().normalize();
        Options options;
        try {
            options = Options.parse(args, project);
        } catch (Options.UsageException e) {
            System.err.println((e.getMessage().isEmpty() ? "" : "bench/scale: " + e.getMessage() + "\n") + Options.USAGE);
            System.exit(e.getMessage().isEmpty() ? 0 : 2);
            return;
        }
        int status;
        try {
            status = run(options, String.join(" ", args));
        } catch (Exception e) {
            log.error("bench/scale failed", e);
            System.err.println("bench/scale: FAILED: " + e);
            status = 1;
        }
        System.exit(status);
    }

    private static int run(Options options, String args) throws Exception {
        Files.createDirectories(options.out());
        Map<String, Object> meta = meta(options, args);
        List<Results.Phase> phases = new ArrayList<>();
        try (LoopbackCluster cluster = LoopbackCluster.start(options.project(), options.out().resolve("cluster"))) {
            ApiClient admin = cluster.adminClient();
            meta.put("kube_apiserver", new VersionApi(admin).getCode().execute().getGitVersion());
            Path kubeforwardConfig = cluster.kubeconfigFor(KUBEFORWARD_SA, DnsSliceWriter.NAMESPACE,
                    "get,list,watch:endpointslices.discovery.k8s.io");
            Path kubeProxyConfig = kubeProxyKubeconfig(cluster, admin);
            DnsSliceWriter writer = new DnsSliceWriter(admin);
            writer.create();
            try (BackgroundChurn background = new BackgroundChurn(admin, options.backgroundServices(),
                    options.backgroundEndpoints(), options.backgroundRate())) {
                background.start();
                for (int n : options.nodes()) {
                    for (Kind kind : options.kinds()) {
                        boolean longWindow = kind == Kind.KUBEFORWARD && n == options.largestN() && !options.longSteady().isZero();
                        Duration steady = longWindow ? options.longSteady() : options.steady();
                        Path config = kind == Kind.KUBEFORWARD ? kubeforwardConfig : kubeProxyConfig;
                        String sa = kind == Kind.KUBEFORWARD ? KUBEFORWARD_SA : KUBE_PROXY_SA;
                        phases.add(new Phase(options, cluster, admin, writer, kind, n, config, sa, steady).run());
                        write(options, new Results.Run(meta, phases), false); // partial results survive a later failure
                    }
                }
                meta.put("background_writes", background.writes());
                meta.put("background_write_failures", background.failures());
            }
        }
        Results.Run run = new Results.Run(meta, phases);
        write(options, run, options.publish());
        System.out.println(Report.markdown(run));
        List<String> problems = phases.stream().flatMap(p -> p.problems().stream().map(q -> p.nodes() + " " + p.kind() + ": " + q)).toList();
        if (!problems.isEmpty()) {
            System.err.println("bench/scale: FAILED, a scenario did not work:");
            problems.forEach(p -> System.err.println("  " + p));
            return 1;
        }
        System.out.println("bench/scale: " + phases.size() + " phases passed; results in " + options.out());
        return 0;
    }

    /** kube-proxy's identity: a ServiceAccount bound to the built-in ClusterRole system:node-proxier (cluster-wide). */
    private static Path kubeProxyKubeconfig(LoopbackCluster cluster, ApiClient admin) throws Exception {
        Path config = cluster.kubeconfigFor(KUBE_PROXY_SA, DnsSliceWriter.NAMESPACE, "get:endpointslices.discovery.k8s.io");
        new RbacAuthorizationV1Api(admin).createClusterRoleBinding(new V1ClusterRoleBinding()
                .metadata(new V1ObjectMeta().name("scale-kube-proxy"))
                .roleRef(new V1RoleRef().apiGroup("rbac.authorization.k8s.io").kind("ClusterRole").name("system:node-proxier"))
                .subjects(List.of(new RbacV1Subject().kind("ServiceAccount").name(KUBE_PROXY_SA).namespace(DnsSliceWriter.NAMESPACE))))
                .execute();
        return config;
    }

    private static void write(Options options, Results.Run run, boolean publish) throws IOException {
        String json = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(run);
        String table = Report.markdown(run);
        Files.writeString(options.out().resolve("results.json"), json);
        Files.writeString(options.out().resolve("table.md"), table);
        if (publish) {
            Path results = options.project().resolve("bench/results");
            Files.writeString(results.resolve("scale-latest.json"), json);
            Files.writeString(results.resolve("scale-latest.md"), table);
        }
    }

    private static Map<String, Object> meta(Options options, String args) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("date", OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString());
        meta.put("command", relative(("bench/scale " + args).strip(), options.project()));
        meta.put("commit", command(options.project(), "git", "rev-parse", "--short", "HEAD"));
        meta.put("dirty", !command(options.project(), "git", "status", "--porcelain", "--untracked-files=no").isEmpty());
        meta.put("nproc", Runtime.getRuntime().availableProcessors());
        meta.put("loadavg", read(Path.of("/proc/loadavg")));
        meta.put("kernel", read(Path.of("/proc/sys/kernel/osrelease")));
        meta.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        meta.put("max_heap_mib", Runtime.getRuntime().maxMemory() >> 20);
        meta.put("options", relative(options.toString(), options.project()));
        return meta;
    }

    /** TEXT with the project's directory written relative to it: results name no path of the machine they ran on. */
    private static String relative(String text, Path project) {
        String dir = project.toAbsolutePath().normalize().toString();
        return text.replace(dir + "/", "").replace("=" + dir + ",", "=.,");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    private static String command(Path dir, String... command) {
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes()).strip();
            return process.waitFor() == 0 ? out : "?";
        } catch (IOException e) {
            return "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }
}
