"""Machine facts, tool versions, and the tables rendered into docs/benchmarks.md ("Comparison")."""

import os
import platform
import re
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

BEGIN = "<!-- bench:comparison:begin (rendered by bench/run; edit bench/kfbench/report.py instead) -->"
END = "<!-- bench:comparison:end -->"


def _out(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (p.stdout + p.stderr).strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine_meta(repo, args, argv):
    commit = _out(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"])
    dirty = _out(["git", "-C", str(repo), "status", "--porcelain", "--", "src/main", "pom.xml"])
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    return {
        "_t0": time.monotonic(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(["bench/run", *argv]),
        "nproc": int(_out(["nproc"]) or os.cpu_count()),
        "cpu": cpu_model(),
        "memory_gib": round(mem_kib / 1024 / 1024),
        "kernel": platform.release(),
        "loadavg_at_start": open("/proc/loadavg").read().split()[:3],
        "kubeforward_commit": commit + (" with uncommitted changes in src/main or pom.xml" if dirty and not args.jar
                                         else ""),
        "kubeforward_jar": f"{args.jar} (given with --jar)" if args.jar else "target/kubeforward.jar, built by the run",
        "server_cpus": args.server_cpus,
        "client_cpus": args.client_cpus,
        "duration_s": args.duration,
        "kubeforward_java_opts": os.environ.get("KUBEFORWARD_BENCH_JAVA_OPTS", "")
                                 or "bin/kubeforward's defaults: " + launcher_defaults(repo),
    }


def launcher_defaults(repo):
    """DEFAULT_JVM_OPTS of bin/kubeforward, as the launcher uses them, plus its AOT cache."""
    text = (Path(repo) / "bin" / "kubeforward").read_text()
    value = text.split('DEFAULT_JVM_OPTS="', 1)[1].split('"', 1)[0]
    return " ".join(value.replace("\\\n", " ").split()) + " -XX:AOTCache=kubeforward.aot (trained before the run)"


def versions(systems):
    v = {}
    if "coredns" in systems:
        v["coredns"] = _out([systems["coredns"].binary, "-version"]).splitlines()[0]
    if "kubeforward" in systems:
        v["java"] = _out([systems["kubeforward"].java, "-version"]).splitlines()[0]
    if "dnsdist" in systems:
        v["dnsdist"] = _out(["dnsdist", "--version"]).splitlines()[0]
    if "unbound" in systems:
        v["unbound"] = next((l for l in _out(["unbound", "-V"]).splitlines() if l.startswith("Version")), "")
    v["nsd"] = _out(["nsd", "-v"]).splitlines()[0]
    m = re.search(r"Version (\S+)", _out(["dnsperf", "-h"]))
    v["dnsperf"] = m.group(1) if m else ""
    return v


def _f(x, fmt):
    return "–" if x is None else format(x, fmt)


# A system that used less than this share of its core during its maximum run was held back by something
# else: the load generator and upstream on the other core, or other processes on its own core.
CPU_BOUND_PCT = 90


def _max_qps(r):
    own = r.get("max_run_system_cpu_pct")
    mark = "†" if own is not None and own < CPU_BOUND_PCT else ""
    return _f(r["qps"], ",") + mark


def markdown_table(rows):
    head = ("| scenario | system | max QPS (< 0.1 % lost) | load QPS | avg ms | p99 ms | lost % | CPU s / 100k q "
            "| peak RSS MiB | first answer s |\n|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
    body = ""
    for r in rows:
        if r.get("error"):
            body += f"| {r['scenario']} | {r['system']} | failed: {r['error'][:80]} |||||||||\n"
            continue
        body += (f"| {r['scenario']} | {r['system']} | {_max_qps(r)} | {_f(r.get('load_qps'), ',')} "
                 f"| {_f(r['avg_ms'], '.3f')} | {_f(r['p99_ms'], '.3f')} | {_f(r['lost_pct'], '.2f')} "
                 f"| {_f(r['cpu_s_per_100k'], '.2f')} | {_f(r['rss_mib'], '.0f')} "
                 f"| {_f(r.get('first_answer_s'), '.2f')} |\n")
    return head + body


def _ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    x = a / b
    return f"{x:.2f}×" if x >= 0.1 else f"{x:.2g}×"


def ratio_table(rows):
    base = {r["scenario"]: r for r in rows if r["system"] == "coredns" and not r.get("error")}
    out = ("| scenario | system | max QPS | p99 at load | CPU / query | peak RSS |\n"
           "|---|---|--:|--:|--:|--:|\n")
    for r in rows:
        if r["system"] == "coredns" or r.get("error"):
            continue
        b = base.get(r["scenario"])
        if not b:
            continue
        out += (f"| {r['scenario']} | {r['system']} | {_ratio(r['qps'], b['qps'])} | {_ratio(r['p99_ms'], b['p99_ms'])} "
                f"| {_ratio(r['cpu_s_per_100k'], b['cpu_s_per_100k'])} | {_ratio(r['rss_mib'], b['rss_mib'])} |\n")
    return out


def startup_table(meta):
    rows = meta.get("startup")
    if not rows:
        return ""
    out = ("Startup, each system started several times on all CPUs (not pinned) with the cache-hit config: time from\n"
           "exec to the first NOERROR answer (median, and every run), and the peak RSS 2 s later (idle; median):\n\n"
           "| system | first answer s (median) | runs s | peak RSS idle MiB |\n|---|--:|---|--:|\n")
    for r in rows:
        out += (f"| {r['system']} | {r['first_answer_s']:.2f} | {', '.join(f'{x:.2f}' for x in r['first_answer_runs_s'])} "
                f"| {r['idle_rss_mib']:.0f} |\n")
    return out + "\n"


def light_table(meta):
    rows = meta.get("light")
    if not rows:
        return ""
    base = next((r for r in rows if r["system"] == "coredns"), None)
    first = rows[0]

    def jit(v):
        return f"{v:.2f}" if v else "–"

    out = (f"Light load, as on a typical node: each system with the cache-hit config, its cache filled, then the mixed queries\n"
           f"(90 % hits) at {first.get('offered_qps', '?')} qps on its pinned core: the process's CPU time (every thread: health\n"
           f"checks, metrics, JIT and GC included) in the first {first['seconds']} s after a warm-up, and in the {first['seconds']} s from {first['later_starts_s']} s\n"
           "on (a process that has run for a while); \"JIT\": of it, the JVM's compiler threads:\n\n"
           "| system | answered qps | lost % | CPU s, first minute | JIT s | × CoreDNS | CPU s, later minute | JIT s | × CoreDNS "
           "| peak RSS MiB |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
    for r in rows:
        ratio = _ratio(r["cpu_s"], base["cpu_s"]) if base else "–"
        ratio2 = _ratio(r["later_cpu_s"], base["later_cpu_s"]) if base else "–"
        out += (f"| {r['system']} | {r['qps']:,} | {max(r['lost_pct'], r['later_lost_pct']):.2f} | {r['cpu_s']:.2f} | "
                f"{jit(r['jit_cpu_s'])} | {ratio} | {r['later_cpu_s']:.2f} | {jit(r['later_jit_cpu_s'])} | {ratio2} | {r['rss_mib']:.0f} |\n")
    return out + "\n"


def rendered(rows, meta):
    v = meta.get("versions", {})
    versions = ", ".join(f"{k} `{val}`" for k, val in v.items() if val)
    return f"""{BEGIN}
Run of {meta['date'][:10]} ({meta['date']} to {meta.get('finished', '?')}, {meta.get('runtime_s', '?')} s),
work tree at commit `{meta['kubeforward_commit']}`, kubeforward jar {meta.get('kubeforward_jar', '?')}, JVM options:
`{meta['kubeforward_java_opts'] or 'none (JVM defaults)'}`.

- Machine: `nproc` = {meta['nproc']}, {meta['cpu']}, {meta['memory_gib']} GiB, Linux {meta['kernel']}; load average at the
  start {' '.join(meta['loadavg_at_start'])} (the machine is shared with other builds and tests).
- System under test on CPU {meta['server_cpus']}; dnsperf and nsd on CPU {meta['client_cpus']}; {meta['duration_s']:g} s per measurement.
- Versions: {versions}.
- Command: `{meta['command']}`

{markdown_table(rows)}
† the system used less than {CPU_BOUND_PCT} % of its core during that maximum run (`max_run_system_cpu_pct`): something
else held it back (dnsperf and nsd on the other core, or other processes on its own), so it may be faster.

{startup_table(meta)}{light_table(meta)}Ratios to CoreDNS in the same scenario (QPS: higher is better; the others: lower is better):

{ratio_table(rows)}{END}"""


def render(doc, rows, meta):
    text = doc.read_text() if doc.exists() else "# Benchmarks\n"
    block = rendered(rows, meta)
    if BEGIN in text and END in text:
        start = text.index(BEGIN)
        end = text.index(END) + len(END)
        text = text[:start] + block + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n## Comparison\n\n" + block + "\n"
    doc.write_text(text)
