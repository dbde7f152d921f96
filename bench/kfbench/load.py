"""dnsperf runs, the search for the maximum sustained rate, and the process figures (CPU time, peak RSS)."""

import os
import re
import subprocess
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
LOSS_LIMIT_PCT = 0.1


def _stat_cpu_seconds(path):
    """utime + stime from a stat(5) file (/proc/PID/stat or /proc/PID/task/TID/stat)."""
    with open(path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of stat(5)


def cpu_seconds(pid):
    """utime + stime of the whole process (all threads), from /proc/PID/stat."""
    return _stat_cpu_seconds(f"/proc/{pid}/stat")


def compiler_cpu_seconds(pid):
    """utime + stime of the JVM's JIT compiler threads (named "C1 CompilerThre..." and "C2 CompilerThre..."); 0 for a
    process that has none. A thread that ended since is not counted (the JVM keeps at least one of each)."""
    total = 0.0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0
    for t in tasks:
        try:
            with open(f"/proc/{pid}/task/{t}/comm") as f:
                name = f.read()
            if not name.startswith(("C1 ", "C2 ")):
                continue
            total += _stat_cpu_seconds(f"/proc/{pid}/task/{t}/stat")
        except OSError:
            pass
    return total


def cpu_list(spec):
    """A taskset CPU list ("1", "0-1", "0,2") as a set of ints."""
    out = set()
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def cpu_jiffies(cpus):
    """(busy, total) jiffies of these CPUs since boot, from /proc/stat, whoever used them."""
    busy = total = 0
    with open("/proc/stat") as f:
        for line in f:
            name, *vals = line.split()
            if name.startswith("cpu") and name != "cpu" and int(name[3:]) in cpus:
                v = [int(x) for x in vals[:8]]
                total += sum(v)
                busy += sum(v) - v[3] - v[4]  # less idle and iowait
    return busy, total


class BusySampler:
    """Samples /proc/stat every 0.5 s while a run lasts; `median_pct()` is the median busy share of the CPUs
    over those intervals: the steady state, without dnsperf's file loading and its wait at the end."""

    def __init__(self, cpus, interval_s=0.5):
        self.cpus, self.interval_s = cpus, interval_s
        self.samples = [cpu_jiffies(cpus)]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.wait(self.interval_s):
            self.samples.append(cpu_jiffies(self.cpus))

    def stop(self):
        self._stop.set()
        self._thread.join()
        self.samples.append(cpu_jiffies(self.cpus))

    def median_pct(self):
        pcts = sorted(100.0 * (b[0] - a[0]) / (b[1] - a[1])
                      for a, b in zip(self.samples, self.samples[1:]) if b[1] > a[1])
        return round(pcts[len(pcts) // 2], 1) if pcts else None


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Result:
    """One dnsperf run: its statistics, and per-query latencies when run with -v."""

    def __init__(self, stats, latencies, cmd, wall_s):
        self.stats, self.latencies, self.cmd, self.wall_s = stats, latencies, cmd, wall_s
        self.sent = stats.get("sent", 0)
        self.completed = stats.get("completed", 0)
        self.lost = stats.get("lost", 0)
        self.qps = stats.get("qps", 0.0)
        self.avg_ms = stats.get("avg_s", float("nan")) * 1000
        self.rcodes = stats.get("rcodes", {})
        # "client"/"server": % busy of those CPUs during the run (anyone's processes); "system_process": the
        # system under test's own CPU time over the run, in % of one core (set by the caller)
        self.busy = {}

    @property
    def lost_pct(self):
        return 100.0 * self.lost / self.sent if self.sent else 100.0

    def p99_ms(self):
        """The 99th percentile of the answered queries' latencies (nearest rank), from dnsperf -v."""
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        rank = max(0, -(-99 * len(xs) // 100) - 1)
        return xs[rank] * 1000

    def summary(self):
        busy = "".join(f", {k.replace('_', ' ')} CPU {v:.0f} %" for k, v in self.busy.items() if v is not None)
        return f"{self.qps:,.0f} qps, lost {self.lost_pct:.3f} %, avg {self.avg_ms:.3f} ms{busy}"


_STATS = [
    ("sent", re.compile(r"Queries sent:\s+(\d+)"), int),
    ("completed", re.compile(r"Queries completed:\s+(\d+)"), int),
    ("lost", re.compile(r"Queries lost:\s+(\d+)"), int),
    ("runtime_s", re.compile(r"Run time \(s\):\s+([\d.]+)"), float),
    ("qps", re.compile(r"Queries per second:\s+([\d.]+)"), float),
    ("avg_s", re.compile(r"Average Latency \(s\):\s+([\d.]+)"), float),
]
_RCODES = re.compile(r"Response codes:\s+(.*)")


def parse_stats(text):
    stats = {}
    for key, rx, conv in _STATS:
        m = rx.search(text)
        if m:
            stats[key] = conv(m.group(1))
    m = _RCODES.search(text)
    if m:
        stats["rcodes"] = {k: int(v) for k, v in re.findall(r"([A-Z]+) (\d+)", m.group(1))}
    return stats


def dnsperf(port, datafile, transport, duration_s, cpus, qps=None, clients=16, outstanding=200, timeout_s=2,
            once=False, verbose=False, rawlog=None, server_cpus=None):
    """Runs dnsperf pinned to CPUS against 127.0.0.1:PORT. `once` stops at the end of the file (files of
    never-asked names must not be replayed); `qps` sets -Q; `verbose` collects per-query latencies.
    How busy CPUS and SERVER_CPUS were during the run goes to Result.busy."""
    cmd = ["taskset", "-c", cpus, "dnsperf", "-s", "127.0.0.1", "-p", str(port), "-m", transport,
           "-d", str(datafile), "-l", f"{duration_s:g}", "-c", str(clients), "-q", str(outstanding),
           "-t", str(timeout_s)]
    if qps:
        cmd += ["-Q", str(int(qps))]
    if once:
        cmd += ["-n", "1"]
    if verbose:
        cmd += ["-v"]
    watched = {"client": cpu_list(cpus)}
    if server_cpus:
        watched["server"] = cpu_list(server_cpus)
    samplers = {k: BusySampler(v) for k, v in watched.items()}
    started = time.monotonic()
    latencies = []
    other = []
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1 << 20) as p:
        for line in p.stdout:
            if line.startswith("> "):
                # "> RCODE NAME TYPE SECONDS" for an answer, "> T NAME TYPE" for a query that timed out.
                parts = line.split()
                if len(parts) == 5 and parts[1] != "T":
                    latencies.append(float(parts[4]))
            else:
                other.append(line)
        rc = p.wait()
    wall = time.monotonic() - started
    for sampler in samplers.values():
        sampler.stop()
    busy = {k: sampler.median_pct() for k, sampler in samplers.items()}
    text = "".join(other)
    if rawlog:
        with open(rawlog, "a") as f:
            f.write(" ".join(cmd) + "\n" + text + "\n")
    if rc != 0:
        raise RuntimeError(f"dnsperf exited with {rc}: {text[-2000:]}")
    result = Result(parse_stats(text), latencies, cmd, wall)
    result.busy = busy
    return result


def max_sustained(run, log):
    """Largest rate answered with < 0.1 % lost. RUN(qps or None) performs one measurement.

    First an unthrottled run (dnsperf keeps 200 queries outstanding, so it settles at what the server
    answers): if it lost < 0.1 %, its rate is the answer. Otherwise ramp down from 90 % of that rate with
    -Q in steps of 20 % until a run passes, then one step halfway back up. At most 5 runs."""
    runs = [run(None)]
    first = runs[0]
    log(f"  unthrottled: {first.summary()}")
    if first.lost_pct < LOSS_LIMIT_PCT:
        return first, runs
    best, failed_at = None, first.qps
    target = 0.9 * first.qps
    while len(runs) < 5:
        r = run(target)
        runs.append(r)
        log(f"  -Q {target:,.0f}: {r.summary()}")
        if r.lost_pct < LOSS_LIMIT_PCT:
            if best is None or r.qps > best.qps:
                best = r
            if failed_at - target < 0.05 * failed_at:
                break
            target = (target + failed_at) / 2
        else:
            failed_at = target
            if best is not None:
                break
            target *= 0.8
    return best, runs
