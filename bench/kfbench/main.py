"""bench/run: the comparison of kubeforward with CoreDNS, dnsdist and unbound (docs/benchmarks.md, "Comparison")."""

import argparse
import json
import os
import sys
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import footprint, load, log, peers, report, servers, zone

BENCH = Path(__file__).resolve().parent.parent
REPO = BENCH.parent
RESULTS = BENCH / "results"

# Highest rates a query file of never-asked names is sized for (an unthrottled run that is faster just ends
# at the end of its file; dnsperf then reports the rate over the time it ran).
UNIQUE_CAP_QPS = 150_000
MIXED_CAP_QPS = 250_000
WARMUP_S = 10  # JIT: a JVM on one core needs several seconds of load to compile its hot path (not measured)
LOAD_FRACTION = 0.5  # fixed offered load = this × CoreDNS's max in the same scenario
LIGHT_QPS = 200  # what a node typically sees (issue 14)
LIGHT_WARMUP_S = 10
LIGHT_S = 60
LIGHT_SETTLE_S = 60  # between the first counted minute and the later one (issue 14: C2 settles within ~2 min)


@dataclass(frozen=True)
class Scenario:
    name: str
    upstreams: int
    cache: bool
    queries: str  # "unique" (every name new), "hits" (the 10k names, replayed), "mixed"
    about: str


SCENARIOS = [
    Scenario("forward-1", 1, False, "unique", "forward, cache off, 1 upstream"),
    Scenario("forward-3", 3, False, "unique", "forward, cache off, 3 upstreams"),
    Scenario("cache-hit", 1, True, "hits", "warm cache, 10k names asked round-robin"),
    Scenario("mixed", 1, True, "mixed", "90 % hits, 5 % misses (NOERROR), 5 % misses (NXDOMAIN)"),
]
TRANSPORTS = ["udp", "tcp"]
SYSTEMS = ["coredns", "kubeforward", "dnsdist", "unbound"]  # CoreDNS first: it sets the fixed load


def parse_args(argv):
    p = argparse.ArgumentParser(prog="bench/run", description=__doc__)
    p.add_argument("--smoke", action="store_true",
                   help="seconds, not minutes: each system answers queries for ~2 s (forward-1, UDP); "
                        "exit 1 unless all answered")
    p.add_argument("--duration", type=float, default=10, help="seconds per measurement (default 10)")
    p.add_argument("--systems", default=",".join(SYSTEMS), help=f"comma-separated subset of {','.join(SYSTEMS)}")
    p.add_argument("--scenarios", default=",".join(s.name for s in SCENARIOS),
                   help="comma-separated subset of " + ",".join(s.name for s in SCENARIOS))
    p.add_argument("--transports", default=",".join(TRANSPORTS), help="udp,tcp or one of them")
    p.add_argument("--jar", help="use this kubeforward jar instead of building target/kubeforward.jar")
    p.add_argument("--launcher", help="use this launcher instead of bin/kubeforward (e.g. an earlier commit's, with "
                                      "its --jar, for a before/after comparison)")
    p.add_argument("--runtime", help="JAVA_HOME that runs kubeforward (e.g. the image's jlink runtime: docs/container.md); "
                                     "default: the JDK that builds it")
    p.add_argument("--port-base", type=int, default=15300,
                   help="the system under test listens on PORT, nsd on PORT+1..PORT+3 (default 15300)")
    cpus = sorted(os.sched_getaffinity(0))
    p.add_argument("--server-cpus", default=str(cpus[-1]), help="taskset CPU list of the system under test")
    p.add_argument("--client-cpus", default=str(cpus[0]), help="taskset CPU list of dnsperf and nsd")
    p.add_argument("--startup-runs", type=int, default=5,
                   help="starts per system for the startup figures, on all CPUs (default 5; 0 skips them)")
    p.add_argument("--no-light", dest="light", action="store_false",
                   help=f"skip the light-load CPU measurement ({LIGHT_QPS} qps for {LIGHT_WARMUP_S + 2 * LIGHT_S + LIGHT_SETTLE_S} s per system)")
    p.add_argument("--footprint", action="store_true",
                   help="kubeforward alone under cache-hit load (10k names): RSS, NMT by area, classes per jar "
                        "(docs/performance.md, \"Memory\")")
    p.add_argument("--outage-start", action="store_true",
                   help="kubeforward alone, started --startup-runs times with a kubeforward block whose API server "
                        "refuses connections and a snapshot on disk naming the upstream: time from exec to the first "
                        "NOERROR answer (a start during an API-server outage, as on a node; docs/performance.md)")
    p.add_argument("--render-only", action="store_true",
                   help="render docs/benchmarks.md from bench/results/latest*.json without measuring")
    a = p.parse_args(argv)
    a.systems = [s for s in a.systems.split(",") if s]
    a.scenarios = [s for s in a.scenarios.split(",") if s]
    a.transports = [t for t in a.transports.split(",") if t]
    for s in a.systems:
        if s not in SYSTEMS:
            p.error(f"unknown system {s}")
    for s in a.scenarios:
        if s not in [x.name for x in SCENARIOS]:
            p.error(f"unknown scenario {s}")
    for t in a.transports:
        if t not in TRANSPORTS:
            p.error(f"unknown transport {t}")
    a.full = (a.systems == SYSTEMS and a.scenarios == [s.name for s in SCENARIOS]
              and a.transports == TRANSPORTS and not a.smoke and not a.footprint and not a.outage_start)
    return a


def make_systems(names, args):
    out = {}
    for name in names:
        if name == "coredns":
            out[name] = servers.CoreDNS(peers.coredns_binary())
        elif name == "kubeforward":
            jdk = peers.java_home(REPO)
            jar = args.jar or peers.build_jar(REPO, jdk)
            runtime = str(Path(args.runtime).resolve()) if args.runtime else jdk
            kf = servers.Kubeforward(str(Path(args.launcher).resolve() if args.launcher else REPO / "bin" / "kubeforward"), runtime, RESULTS / "raw" / "kubeforward-home",
                                     os.environ.get("KUBEFORWARD_BENCH_JAVA_OPTS", ""), tools_home=jdk)
            kf.prepare(Path(jar).resolve())
            out[name] = kf
        elif name == "dnsdist":
            out[name] = servers.Dnsdist()
        elif name == "unbound":
            out[name] = servers.Unbound()
    return out


class Files:
    """Query files for one scenario; never-asked names get a fresh prefix per run."""

    def __init__(self, workdir):
        self.dir = Path(workdir) / "queries"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.hits = self.dir / "hits.txt"
        zone.write_hits(self.hits)
        self.n = 0

    def fresh(self, kind, count):
        self.n += 1
        path = self.dir / f"{kind}-{self.n}.txt"
        prefix = f"r{os.getpid()}x{self.n}"
        (zone.write_unique if kind == "unique" else zone.write_mixed)(path, prefix, int(count))
        return path


def measure_cell(system, sc, transport, args, files, workdir, fixed_load):
    """Start, warm, find the max rate, measure at the fixed load, stop. Returns (row, max rate)."""
    port = args.port_base
    upstreams = [args.port_base + 1 + i for i in range(sc.upstreams)]
    cell_dir = Path(workdir) / f"{sc.name}-{transport}"
    rawlog = cell_dir / f"{system.name}-dnsperf.log"
    cell_dir.mkdir(parents=True, exist_ok=True)
    proc = system.start(cell_dir, port, upstreams, sc.cache, args.server_cpus)
    created = []

    def run(qps, duration, verbose=False):
        if sc.queries == "hits":
            path, once = files.hits, False
        else:
            cap = UNIQUE_CAP_QPS if sc.queries == "unique" else MIXED_CAP_QPS
            count = (qps * 1.1 if qps else cap) * duration + 1000
            path, once = files.fresh(sc.queries, count), True
            created.append(path)
        try:
            cpu_before = load.cpu_seconds(proc.pid)
            r = load.dnsperf(port, path, transport, duration, args.client_cpus, qps=qps, once=once,
                             verbose=verbose, rawlog=rawlog, server_cpus=args.server_cpus)
            # The system's own share of a core while dnsperf sent (it is idle while dnsperf loads its file).
            sending_s = r.stats.get("runtime_s") or r.wall_s
            r.busy["system_process"] = round(100 * (load.cpu_seconds(proc.pid) - cpu_before) / sending_s, 1)
            return r
        finally:
            if path != files.hits:
                path.unlink(missing_ok=True)

    try:
        log(f"{sc.name}/{transport} {system.name}: answering after {proc.ready_s:.2f} s")
        if sc.cache:  # fill the cache with the 10k names (UDP: the cache is shared by both transports)
            filled = load.dnsperf(port, files.hits, "udp", 60, args.client_cpus, once=True, outstanding=100,
                                  rawlog=rawlog)
            log(f"  cache filled: {filled.completed} answers, rcodes {filled.rcodes}")
        run(None, WARMUP_S)  # warm-up (JIT, connection pools), not measured
        best, runs = load.max_sustained(lambda q: run(q, args.duration), log)
        offered = fixed_load if fixed_load else (LOAD_FRACTION * best.qps if best else None)
        if offered is None:
            raise RuntimeError("no run stayed under 0.1 % lost, and no fixed load is known")
        cpu_before = load.cpu_seconds(proc.pid)
        at = run(offered, args.duration, verbose=True)
        cpu = load.cpu_seconds(proc.pid) - cpu_before
        rss = load.peak_rss_mib(proc.pid)
        log(f"  at {offered:,.0f} qps: avg {at.avg_ms:.3f} ms, p99 {at.p99_ms():.3f} ms, lost {at.lost_pct:.3f} %,"
            f" cpu {cpu:.2f} s; peak RSS {rss:.0f} MiB")
        row = {
            "scenario": f"{sc.name}/{transport}",
            "system": system.name,
            "qps": round(best.qps) if best else None,
            "avg_ms": round(at.avg_ms, 3),
            "p99_ms": round(at.p99_ms(), 3),
            "lost_pct": round(at.lost_pct, 3),
            "cpu_s_per_100k": round(cpu / at.completed * 100_000, 3) if at.completed else None,
            "rss_mib": round(rss, 1),
            "load_qps": round(offered),
            "max_run_lost_pct": round(best.lost_pct, 3) if best else round(runs[-1].lost_pct, 3),
            "first_answer_s": round(proc.ready_s, 2),
            "max_run_system_cpu_pct": best.busy.get("system_process") if best else None,
            "max_run_client_cpu_busy_pct": best.busy.get("client") if best else None,
            "max_run_server_cpu_busy_pct": best.busy.get("server") if best else None,
        }
        if not proc.alive():
            raise RuntimeError(f"{system.name} died during the measurement:\n{proc.tail()}")
        return row, (best.qps if best else None)
    finally:
        proc.stop()
        for p in created:
            p.unlink(missing_ok=True)


def start_upstream(args, workdir, count):
    ports = [args.port_base + i for i in range(count + 1)]
    busy = [p for p in ports if not servers.port_free(p)]
    if busy:
        raise SystemExit(f"bench: ports in use on 127.0.0.1: {busy} (choose another --port-base)")
    return servers.start_nsd(workdir, ports[1:], args.client_cpus)


def startup(systems, args, workdir):
    """Each system started STARTUP_RUNS times on every CPU (as on a node, not pinned), with the cache-hit
    scenario's config: median time from exec to the first NOERROR answer, and peak RSS 2 s after it (idle)."""
    all_cpus = ",".join(str(c) for c in sorted(os.sched_getaffinity(0)))
    out = []
    for name, system in systems.items():
        firsts, rss = [], []
        for i in range(args.startup_runs):
            d = Path(workdir) / "startup"
            d.mkdir(parents=True, exist_ok=True)
            proc = system.start(d, args.port_base, [args.port_base + 1], True, all_cpus)
            try:
                firsts.append(proc.ready_s)
                time.sleep(2)
                rss.append(load.peak_rss_mib(proc.pid))
            finally:
                proc.stop()
        firsts.sort()
        row = {"system": name, "first_answer_s": round(firsts[len(firsts) // 2], 2),
               "first_answer_runs_s": [round(x, 2) for x in firsts], "idle_rss_mib": round(sorted(rss)[len(rss) // 2], 1)}
        log(f"startup {name}: first answer {row['first_answer_s']} s (median of {row['first_answer_runs_s']}), "
            f"idle RSS {row['idle_rss_mib']} MiB")
        out.append(row)
    return out


def light(systems, args, workdir, files):
    """Each system at a light load, as on a typical node: a fresh process with the cache-hit config, its cache filled
    with the 10k names, then the mixed queries (90 % hits) at LIGHT_QPS: LIGHT_WARMUP_S not counted, the first minute
    counted, LIGHT_SETTLE_S not counted, and a later minute counted (what a node that has run for a while spends). Each
    counted minute: the process's CPU time (all threads: health checks, metrics, JIT, GC included) and, of it, the
    JIT compiler threads' (a JVM's; the fill's profile without misses makes C2 recompile when the mix arrives)."""
    out = []
    for name, system in systems.items():
        d = Path(workdir) / "light"
        d.mkdir(parents=True, exist_ok=True)
        proc = system.start(d, args.port_base, [args.port_base + 1], True, args.server_cpus)
        rawlog = d / f"{name}-dnsperf.log"

        def run(seconds):
            """The mixed queries at LIGHT_QPS for SECONDS: dnsperf's result, the process's CPU s and its JIT threads'."""
            path = files.fresh("mixed", LIGHT_QPS * seconds * 1.2 + 100)
            cpu, jit = load.cpu_seconds(proc.pid), load.compiler_cpu_seconds(proc.pid)
            r = load.dnsperf(args.port_base, path, "udp", seconds, args.client_cpus, qps=LIGHT_QPS, once=True, rawlog=rawlog)
            cpu, jit = load.cpu_seconds(proc.pid) - cpu, load.compiler_cpu_seconds(proc.pid) - jit
            path.unlink(missing_ok=True)
            return r, cpu, jit

        try:
            load.dnsperf(args.port_base, files.hits, "udp", 60, args.client_cpus, once=True, outstanding=100, rawlog=rawlog)
            run(LIGHT_WARMUP_S)  # not counted
            r, cpu, jit = run(LIGHT_S)
            run(LIGHT_SETTLE_S)  # not counted
            r2, cpu2, jit2 = run(LIGHT_S)
            rss = load.peak_rss_mib(proc.pid)
        finally:
            proc.stop()
        row = {"system": name, "offered_qps": LIGHT_QPS, "qps": round(r.qps), "lost_pct": round(r.lost_pct, 3), "cpu_s": round(cpu, 2),
               "cpu_pct": round(100 * cpu / LIGHT_S, 2), "jit_cpu_s": round(jit, 2), "seconds": LIGHT_S,
               "later_qps": round(r2.qps), "later_lost_pct": round(r2.lost_pct, 3), "later_cpu_s": round(cpu2, 2),
               "later_jit_cpu_s": round(jit2, 2), "later_starts_s": LIGHT_WARMUP_S + LIGHT_S + LIGHT_SETTLE_S,
               "rss_mib": round(rss, 1)}
        log(f"light {name}: {row['qps']} qps, CPU {row['cpu_s']} s in the first {LIGHT_S} s ({row['cpu_pct']} % of a core; "
            f"JIT {row['jit_cpu_s']} s), {row['later_cpu_s']} s in the {LIGHT_S} s from {row['later_starts_s']} s "
            f"(JIT {row['later_jit_cpu_s']} s), lost {row['lost_pct']} / {row['later_lost_pct']} %, peak RSS {row['rss_mib']} MiB")
        out.append(row)
    return out


def smoke(args, workdir):
    """Each system forwards a ~2 s trickle of queries (forward-1, UDP); passes if any was answered NOERROR."""
    started = time.monotonic()
    passed, failed = [], []
    nsd = start_upstream(args, workdir, 1)
    try:
        files = Files(workdir)
        systems = {}
        for name in args.systems:  # a peer that cannot be built or installed fails; the others still run
            try:
                systems.update(make_systems([name], args))
            except (Exception, SystemExit) as e:
                failed.append(name)
                log(f"smoke {name}: FAILED to prepare: {e}")
        for name in args.systems:
            if name not in systems:
                continue
            system = systems[name]
            try:
                d = Path(workdir) / "smoke"
                d.mkdir(parents=True, exist_ok=True)
                proc = system.start(d, args.port_base, [args.port_base + 1], False, args.server_cpus)
                try:
                    path = files.fresh("unique", 10_000)
                    r = load.dnsperf(args.port_base, path, "udp", 1.5, args.client_cpus, qps=2000, once=True,
                                     rawlog=d / f"{name}-dnsperf.log")
                    path.unlink(missing_ok=True)
                finally:
                    proc.stop()
                ok = r.rcodes.get("NOERROR", 0) > 0
                log(f"smoke {name}: {'ok' if ok else 'FAILED'}: first answer after {proc.ready_s:.2f} s,"
                    f" {r.completed}/{r.sent} answered, rcodes {r.rcodes}")
                (passed if ok else failed).append(name)
            except Exception as e:
                failed.append(name)
                log(f"smoke {name}: FAILED: {e}")
    finally:
        nsd.stop()
    print(f"bench smoke: {len(passed)} passed, {len(failed)} failed"
          f"{' (' + ', '.join(failed) + ')' if failed else ''} in {time.monotonic() - started:.0f} s")
    return 0 if not failed and passed else 1


def full(args, workdir, argv):
    meta = report.machine_meta(REPO, args, argv)
    systems = make_systems(args.systems, args)
    meta["versions"] = report.versions(systems)
    rows, failures = [], []
    nsd = start_upstream(args, workdir, max(s.upstreams for s in SCENARIOS if s.name in args.scenarios))
    raw_json = Path(workdir) / "results.json"
    try:
        files = Files(workdir)
        for sc in [s for s in SCENARIOS if s.name in args.scenarios]:
            for transport in args.transports:
                fixed_load = None
                for name in args.systems:
                    if not nsd.alive():
                        raise RuntimeError(f"nsd died:\n{nsd.tail()}")
                    try:
                        row, max_qps = measure_cell(systems[name], sc, transport, args, files, workdir, fixed_load)
                        rows.append(row)
                        if fixed_load is None and name == "coredns":
                            fixed_load = row["load_qps"]
                    except Exception as e:
                        failures.append(f"{sc.name}/{transport} {name}")
                        log(f"{sc.name}/{transport} {name}: FAILED: {e}")
                        traceback.print_exc()
                        rows.append({"scenario": f"{sc.name}/{transport}", "system": name, "qps": None,
                                     "avg_ms": None, "p99_ms": None, "lost_pct": None, "cpu_s_per_100k": None,
                                     "rss_mib": None, "error": str(e).splitlines()[0]})
                    raw_json.write_text(json.dumps(rows, indent=1) + "\n")
        if args.startup_runs > 0:
            meta["startup"] = startup(systems, args, workdir)
        if args.light:
            meta["light"] = light(systems, args, workdir, files)
    finally:
        nsd.stop()
    meta["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    meta["runtime_s"] = round(time.monotonic() - meta.pop("_t0"))
    (Path(workdir) / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    if args.full:
        (RESULTS / "latest.json").write_text(json.dumps(rows, indent=1) + "\n")
        (RESULTS / "latest-meta.json").write_text(json.dumps(meta, indent=1) + "\n")
        report.render(REPO / "docs" / "benchmarks.md", rows, meta)
        log("wrote bench/results/latest.json and the table in docs/benchmarks.md")
    else:
        log(f"partial run (a subset was chosen): results only in {raw_json}")
    print(report.markdown_table(rows))
    print(f"bench: {len(rows) - len(failures)} measured, {len(failures)} failed"
          f"{': ' + '; '.join(failures) if failures else ''}")
    return 1 if failures else 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.render_only:
        rows = json.loads((RESULTS / "latest.json").read_text())
        meta = json.loads((RESULTS / "latest-meta.json").read_text())
        report.render(REPO / "docs" / "benchmarks.md", rows, meta)
        print(report.markdown_table(rows))
        return 0
    peers.install_debian_packages()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    workdir = RESULTS / "raw" / (stamp + ("-smoke" if args.smoke else "-footprint" if args.footprint
                                          else "-outage-start" if args.outage_start else ""))
    workdir.mkdir(parents=True, exist_ok=True)
    log(f"work directory {workdir}; system under test on CPU {args.server_cpus}, dnsperf and nsd on CPU "
        f"{args.client_cpus}")
    if args.smoke:
        return smoke(args, workdir)
    if args.footprint:
        nsd = start_upstream(args, workdir, 1)
        try:
            footprint.run(make_systems(["kubeforward"], args)["kubeforward"], args, workdir, Files(workdir))
        finally:
            nsd.stop()
        return 0
    if args.outage_start:
        nsd = start_upstream(args, workdir, 1)
        try:
            outage_start(make_systems(["kubeforward"], args)["kubeforward"], args, workdir)
        finally:
            nsd.stop()
        return 0
    return full(args, workdir, argv)


def outage_start(system, args, workdir):
    """A start while the API server is down: --startup-runs starts on all CPUs, each from the same snapshot."""
    all_cpus = ",".join(str(c) for c in sorted(os.sched_getaffinity(0)))
    outage = servers.KubeforwardDuringOutage(system)
    firsts = []
    for _ in range(args.startup_runs):
        proc = outage.start(Path(workdir) / "outage-start", args.port_base, [args.port_base + 1], True, all_cpus)
        try:
            firsts.append(proc.ready_s)
            if "serving the snapshot" not in proc.tail(1000):
                raise RuntimeError(f"kubeforward answered without logging that it serves the snapshot:\n{proc.tail()}")
        finally:
            proc.stop()
    ordered = sorted(firsts)
    row = {"first_answer_s": round(ordered[len(ordered) // 2], 2), "first_answer_runs_s": [round(x, 2) for x in firsts]}
    log(f"outage start: first answer {row['first_answer_s']} s (median; runs {row['first_answer_runs_s']})")
    (Path(workdir) / "outage-start.json").write_text(json.dumps(row, indent=2) + "\n")
    return row
