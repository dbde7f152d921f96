package io.kubeforward.scale;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/** The tables of docs/scale.md, rendered from one run's {@link Results.Run}, and the verdict on the targets. */
final class Report {

    private static final String KF = Options.Kind.KUBEFORWARD.label;
    private static final String KP = Options.Kind.KUBE_PROXY.label;

    private Report() {
    }

    static String markdown(Results.Run run) {
        StringBuilder out = new StringBuilder();
        out.append("Run: ").append(run.meta().get("date")).append(", commit ").append(run.meta().get("commit"))
                .append(", `").append(run.meta().get("command")).append("`, load average at start ")
                .append(run.meta().get("loadavg")).append(".\n\n");
        steady(out, run.phases());
        churn(out, run.phases());
        recoveries(out, run.phases());
        targets(out, run.phases());
        return out.toString();
    }

    private static void steady(StringBuilder out, List<Results.Phase> phases) {
        out.append("### Steady state\n\n");
        out.append("| N | nodes | API-server CPU s/s: 0 → N | added per 1,000 | API-server RSS MiB: 0 → N | added per 1,000 "
                + "| etcd CPU s/s | LIST / node / h | WATCH / node / h | watches open | node connections | window |\n");
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Results.Phase p : phases) {
            if (p.steady() == null) {
                continue;
            }
            Results.Window b = p.steady().baseline();
            Results.Window w = p.steady().nodes();
            out.append(row(fmt(p.nodes()), p.kind(), f3(b.apiCpuPerSecond()) + " → " + f3(w.apiCpuPerSecond()),
                    f3(addedCpuPer1000(p)), f0(b.apiRssMiB()) + " → " + f0(w.apiRssMiB()), f0(addedRssPer1000(p)),
                    f3(b.etcdCpuPerSecond()) + " → " + f3(w.etcdCpuPerSecond()),
                    f2(p.steady().listsPerNodeHour()) + " (server " + f2(p.steady().serverListsPerNodeHour()) + ")",
                    f2(p.steady().watchesPerNodeHour()) + " (server " + f2(p.steady().serverWatchesPerNodeHour()) + ")",
                    fmt((long) (w.openWatches() - b.openWatches())), fmt(w.nodeConnections()), f0(w.seconds()) + " s"));
        }
        out.append("\nRatios, kubeforward / kube-proxy-style at the same N (same run):\n\n");
        out.append("| N | added API-server CPU | added API-server RSS |\n|---|---|---|\n");
        for (int n : ns(phases)) {
            Optional<Results.Phase> kf = find(phases, KF, n).filter(p -> p.steady() != null);
            Optional<Results.Phase> kp = find(phases, KP, n).filter(p -> p.steady() != null);
            if (kf.isPresent() && kp.isPresent()) {
                out.append(row(fmt(n), ratio(addedCpuPer1000(kf.get()), addedCpuPer1000(kp.get())),
                        ratio(addedRssPer1000(kf.get()), addedRssPer1000(kp.get()))));
            }
        }
        out.append('\n');
    }

    private static void churn(StringBuilder out, List<Results.Phase> phases) {
        out.append("### Endpoint churn: fan-out latency (write acknowledged → node applied the new set)\n\n");
        out.append("| N | nodes | pool changes × nodes | p50 ms | p99 ms | max ms | min ms | not applied | API-server CPU s/s | LISTs |\n");
        out.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Results.Phase p : phases) {
            Results.Churn c = p.churn();
            if (c == null) {
                continue;
            }
            out.append(row(fmt(p.nodes()), p.kind(), c.poolChanges() + " × " + p.nodes() + " = " + fmt(c.latency().samples()),
                    f0(c.latency().p50()), f0(c.latency().p99()), f0(c.latency().max()), f0(c.latency().min()), fmt(c.missing()),
                    f3(c.window().apiCpuPerSecond()), fmt(c.lists())));
        }
        out.append('\n');
    }

    private static void recoveries(StringBuilder out, List<Results.Phase> phases) {
        out.append("### Lost watches: connections cut, API server killed, API server restarted gracefully\n\n");
        out.append("| N | nodes | event | API server back after s | all watching again after s | all applied a change after s "
                + "| LISTs (server) | max LISTs in 1 s (N/10) "
                + "| LIST resourceVersion | from watch cache / etcd | failed attempts | 429 |\n");
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Results.Phase p : phases) {
            for (Results.Recovery r : recoveryList(p)) {
                String back = r.shutdownSeconds() > 0 ? f1(back(r)) + " (" + f1(r.shutdownSeconds()) + " draining)" : f1(back(r));
                out.append(row(fmt(p.nodes()), p.kind(), r.scenario() + (r.connectionsCut() > 0 ? " (" + r.connectionsCut() + " cut)" : ""),
                        back, f1(r.watchingAgainSeconds()), f1(r.caughtUpSeconds()),
                        fmt(r.lists()) + " (" + fmt((long) r.serverLists()) + ")",
                        r.maxListsPerSecond() + " (" + p.nodes() / 10 + ")",
                        r.listResourceVersions().entrySet().stream().map(e -> e.getValue() + "× " + e.getKey())
                                .collect(Collectors.joining(", ")),
                        fmt((long) r.cacheLists()) + " / " + fmt((long) r.storageLists()), fmt(r.failedAttempts()),
                        fmt(r.tooManyRequests())));
            }
        }
        out.append("\nLISTs per second after each event (nodes' clients; second 0 is the event):\n\n");
        for (Results.Phase p : phases) {
            for (Results.Recovery r : recoveryList(p)) {
                out.append("- ").append(p.nodes()).append(' ').append(p.kind()).append(", ").append(r.scenario()).append(": ")
                        .append(histogram(r.listsPerSecond())).append('\n');
            }
        }
        out.append('\n');
    }

    private static void targets(StringBuilder out, List<Results.Phase> phases) {
        out.append("### Targets (issue 16)\n\n| target | N | measured | met |\n|---|---|---|---|\n");
        verdicts(phases).forEach(out::append);
        out.append('\n');
    }

    /** One table row per target and N (kubeforward nodes); "met" is yes or NO. */
    static List<String> verdicts(List<Results.Phase> phases) {
        List<String> rows = new ArrayList<>();
        for (Results.Phase p : phases) {
            if (!p.kind().equals(KF)) {
                continue;
            }
            String n = fmt(p.nodes());
            if (p.churn() != null) {
                Stats.Latency l = p.churn().latency();
                rows.add(row("fan-out p99 ≤ 2 s, max ≤ 5 s", n, "p99 " + f0(l.p99()) + " ms, max " + f0(l.max()) + " ms",
                        yes(l.p99() <= 2000 && l.max() <= 5000 && p.churn().missing() == 0)));
            }
            Optional<Results.Phase> kp = find(phases, KP, p.nodes()).filter(q -> q.steady() != null);
            if (p.steady() != null && kp.isPresent()) {
                double kf = addedCpuPer1000(p);
                double proxy = addedCpuPer1000(kp.get());
                rows.add(row("steady API-server CPU per 1,000 ≤ kube-proxy-style's", n,
                        f3(kf) + " vs " + f3(proxy) + " CPU s/s per 1,000", yes(kf <= proxy)));
            }
            if (p.steady() != null) {
                Results.Window w = p.steady().nodes();
                double perNodeLists = (double) w.clientLists() / p.nodes();
                double periods = Math.max(1, Math.ceil(w.seconds() / 600));
                long extraWatches = (long) (w.openWatches() - p.steady().baseline().openWatches());
                rows.add(row("steady: ≤ 1 watch open and ≤ 1 LIST per watch timeout per node", n,
                        extraWatches + " watches, " + w.nodeConnections() + " connections, " + f2(perNodeLists)
                                + " LISTs per node in " + f0(w.seconds()) + " s",
                        yes(extraWatches <= p.nodes() && w.nodeConnections() <= p.nodes() && perNodeLists <= periods)));
            }
            for (Results.Recovery r : List.of(p.restartKill(), p.restartGraceful()).stream().filter(Objects::nonNull).toList()) {
                double watching = r.watchingAgainSeconds() - back(r);
                double caughtUp = r.caughtUpSeconds() - back(r);
                rows.add(row("after " + r.scenario() + ": all watching ≤ 30 s after the API server is back, ≤ N/10 LISTs in any second", n,
                        "watching " + f1(watching) + " s, a change applied by all " + f1(caughtUp) + " s after it was back, max "
                                + r.maxListsPerSecond() + " LISTs/s (N/10 = " + p.nodes() / 10 + ")",
                        yes(watching <= 30 && caughtUp <= 30 && r.maxListsPerSecond() <= p.nodes() / 10.0)));
            }
        }
        return rows;
    }

    /** From the event to the API server answering again (draining included). */
    private static double back(Results.Recovery r) {
        return r.downSeconds() + r.shutdownSeconds();
    }

    static double addedCpuPer1000(Results.Phase p) {
        return (p.steady().nodes().apiCpuPerSecond() - p.steady().baseline().apiCpuPerSecond()) * 1000.0 / p.nodes();
    }

    static double addedRssPer1000(Results.Phase p) {
        return (p.steady().nodes().apiRssMiB() - p.steady().baseline().apiRssMiB()) * 1000.0 / p.nodes();
    }

    private static List<Results.Recovery> recoveryList(Results.Phase p) {
        return java.util.stream.Stream.of(p.blip(), p.restartKill(), p.restartGraceful()).filter(Objects::nonNull).toList();
    }

    private static String histogram(int[] perSecond) {
        if (perSecond.length == 0) {
            return "no LIST";
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < perSecond.length; i++) {
            if (perSecond[i] > 0) {
                s.append(s.isEmpty() ? "" : " ").append(i).append(":").append(perSecond[i]);
            }
        }
        return "`" + s + "` (second:LISTs)";
    }

    private static List<Integer> ns(List<Results.Phase> phases) {
        return phases.stream().map(Results.Phase::nodes).distinct().toList();
    }

    private static Optional<Results.Phase> find(List<Results.Phase> phases, String kind, int n) {
        return phases.stream().filter(p -> p.kind().equals(kind) && p.nodes() == n).findFirst();
    }

    private static String ratio(double a, double b) {
        return b <= 0 ? "n/a (" + f3(a) + " vs " + f3(b) + ")" : f2(a / b) + " (" + f3(a) + " / " + f3(b) + ")";
    }

    private static String yes(boolean met) {
        return met ? "yes" : "**NO**";
    }

    private static String row(String... cells) {
        return "| " + String.join(" | ", cells) + " |\n";
    }

    static String fmt(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    private static String f0(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%,.0f", v);
    }

    private static String f1(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String f2(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String f3(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.3f", v);
    }
}
