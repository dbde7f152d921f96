package io.kubeforward.scale;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * What {@code bench/scale} was asked to run. Defaults are the documented run (docs/scale.md); {@code --smoke} is the
 * CI run: 20 nodes, short windows, every scenario once, nothing written to bench/results.
 */
record Options(List<Integer> nodes, List<Kind> kinds, Set<String> scenarios, Path project, Path out, boolean publish,
        Duration baseline, Duration steady, Duration longSteady, int churnRounds, Duration writePause,
        int backgroundServices, int backgroundEndpoints, double backgroundRate, double startRate, Duration settle) {

    /** The two kinds of simulated node. */
    enum Kind {
        /** kubeforward's discovery: the kube-dns slices of one namespace. */
        KUBEFORWARD("kubeforward"),
        /** the yardstick: every EndpointSlice of the cluster, as kube-proxy watches them. */
        KUBE_PROXY("kube-proxy-style");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    static final List<String> SCENARIOS = List.of("steady", "churn", "blip", "restart-kill", "restart-graceful");

    static final String USAGE = """
            usage: bench/scale [--nodes 100,300,1000] [--kinds kubeforward,kube-proxy] [--scenarios %s]
                               [--steady-seconds 120] [--long-steady-seconds 660] [--baseline-seconds 60]
                               [--churn-rounds 5] [--write-pause-ms 1000] [--start-rate 50]
                               [--background-services 100] [--background-endpoints 10] [--background-rate 2]
                               [--out DIR] [--smoke]
              --long-steady-seconds applies to kubeforward at the largest N: long enough (> 600 s, the longest watch
              timeout) that every node renews its watch at least once inside the window.
              --smoke: 20 nodes, short windows, one churn round; checks that everything works, writes only to --out.
            """.formatted(String.join(",", SCENARIOS));

    static Options parse(String[] args, Path project) {
        boolean smoke = Arrays.asList(args).contains("--smoke");
        List<Integer> nodes = smoke ? List.of(20) : List.of(100, 300, 1000);
        List<Kind> kinds = List.of(Kind.KUBEFORWARD, Kind.KUBE_PROXY);
        Set<String> scenarios = Set.copyOf(SCENARIOS);
        Path out = null;
        long baseline = smoke ? 10 : 60;
        long steady = smoke ? 65 : 120; // smoke: past the first bookmark (about a minute), which a resume after the cut relies on
        long longSteady = smoke ? 0 : 660;
        int rounds = smoke ? 1 : 5;
        long pause = smoke ? 300 : 1000;
        int services = smoke ? 20 : 100;
        int endpoints = 10;
        double rate = 2;
        double startRate = 50;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--smoke")) {
                continue;
            }
            if (arg.equals("-h") || arg.equals("--help")) {
                throw new UsageException("");
            }
            if (i + 1 >= args.length) {
                throw new UsageException(arg + " needs a value");
            }
            String value = args[++i];
            try {
                switch (arg) {
                    case "--nodes" -> nodes = Arrays.stream(value.split(",")).map(String::strip).map(Integer::parseInt).toList();
                    case "--kinds" -> kinds = Arrays.stream(value.split(",")).map(Options::kind).toList();
                    case "--scenarios" -> scenarios = scenarios(value);
                    case "--steady-seconds" -> steady = Long.parseLong(value);
                    case "--long-steady-seconds" -> longSteady = Long.parseLong(value);
                    case "--baseline-seconds" -> baseline = Long.parseLong(value);
                    case "--churn-rounds" -> rounds = Integer.parseInt(value);
                    case "--write-pause-ms" -> pause = Long.parseLong(value);
                    case "--start-rate" -> startRate = Double.parseDouble(value);
                    case "--background-services" -> services = Integer.parseInt(value);
                    case "--background-endpoints" -> endpoints = Integer.parseInt(value);
                    case "--background-rate" -> rate = Double.parseDouble(value);
                    case "--out" -> out = Path.of(value).toAbsolutePath();
                    default -> throw new UsageException("unknown option " + arg);
                }
            } catch (NumberFormatException e) {
                throw new UsageException(arg + ": not a number: " + value);
            }
        }
        if (nodes.isEmpty() || nodes.stream().anyMatch(n -> n < 1)) {
            throw new UsageException("--nodes: at least one count, each >= 1");
        }
        if (steady < 5 || baseline < 5 || startRate <= 0 || rounds < 0 || endpoints < 1 || services < 0 || rate < 0) {
            throw new UsageException("--steady-seconds and --baseline-seconds >= 5, --start-rate > 0, counts >= 0");
        }
        if (out == null) {
            out = project.resolve("bench/results/raw/scale-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        return new Options(List.copyOf(new ArrayList<>(nodes)), kinds, scenarios, project, out, !smoke,
                Duration.ofSeconds(baseline), Duration.ofSeconds(steady), Duration.ofSeconds(longSteady), rounds,
                Duration.ofMillis(pause), services, endpoints, rate, startRate, Duration.ofSeconds(smoke ? 5 : 20));
    }

    int largestN() {
        return nodes.stream().mapToInt(Integer::intValue).max().orElseThrow();
    }

    private static Kind kind(String text) {
        return switch (text.strip()) {
            case "kubeforward" -> Kind.KUBEFORWARD;
            case "kube-proxy", "kube-proxy-style" -> Kind.KUBE_PROXY;
            default -> throw new UsageException("--kinds: kubeforward or kube-proxy, not " + text);
        };
    }

    private static Set<String> scenarios(String text) {
        Set<String> chosen = Set.copyOf(Arrays.stream(text.split(",")).map(String::strip).toList());
        for (String s : chosen) {
            if (!SCENARIOS.contains(s)) {
                throw new UsageException("--scenarios: one of " + SCENARIOS + ", not " + s);
            }
        }
        return chosen;
    }

    /** A bad command line: the message and the usage go to stderr, exit 2. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
