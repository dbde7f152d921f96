"""bench/run --footprint: where kubeforward's memory goes, under cache-hit load with the 10,000 names cached.

kubeforward runs as shipped (the launcher, its JVM options, the trained AOT cache) with two diagnostics added
through JDK_JAVA_OPTIONS, which change neither the heap nor the code: Native Memory Tracking (summary) and the
class-load log. After the cache is filled and the cache-hit queries ran (unthrottled, as the maximum run of the
comparison) while its actuator is scraped every second (/actuator/prometheus and /actuator/health, as in a
cluster), it reports RSS (idle before the load, peak after it), NMT's committed memory by area, and the
classes loaded per jar (a class from the AOT cache is counted for the jar that holds it).
"""

import json
import re
import subprocess
import threading
import time
import urllib.request
import zipfile
from collections import Counter
from pathlib import Path

from . import load, log

NMT_LINE = re.compile(r"^-\s+(.+?) \(reserved=(\d+)KB, committed=(\d+)KB")
CLASS_LOAD = re.compile(r"\[class,load\s*\] (\S+) source: (.*)$")
JDK_PREFIXES = ("java.", "javax.", "jdk.", "sun.", "com.sun.", "org.xml.", "org.w3c.", "org.ietf.")


def status(pid):
    """VmRSS, VmHWM, RssAnon, RssFile (MiB) and Threads from /proc/PID/status."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                out[key] = round(int(value.split()[0]) / 1024, 1)
            elif key == "Threads":
                out[key] = int(value)
    return out


def nmt(java_home, pid):
    """NMT summary: {area: committed MiB}, and the total."""
    text = subprocess.run([f"{java_home}/bin/jcmd", str(pid), "VM.native_memory", "summary"], check=True,
                          capture_output=True, text=True).stdout
    areas = {}
    for line in text.splitlines():
        m = NMT_LINE.match(line.strip())
        if m:
            areas[m.group(1).strip()] = round(int(m.group(3)) / 1024, 1)
    total = re.search(r"Total: reserved=\d+KB, committed=(\d+)KB", text)
    return areas, round(int(total.group(1)) / 1024, 1) if total else None, text


def jar_index(lib_dirs):
    """Class name -> jar file name (without .jar), for every jar in LIB_DIRS."""
    index = {}
    for d in lib_dirs:
        for jar in sorted(Path(d).glob("*.jar")):
            with zipfile.ZipFile(jar) as z:
                for n in z.namelist():
                    if n.endswith(".class") and not n.startswith("META-INF/"):
                        index.setdefault(n[:-6].replace("/", "."), jar.name[:-4])
    return index


def owner(name, source, index):
    if "$$Lambda" in name or "$$SpringCGLIB" in name or "/0x" in name or source.startswith("__"):
        return "(generated: lambdas, proxies, hidden classes)"
    if source.startswith("jrt:/"):
        return "JDK " + source[5:]
    jar = re.search(r"([^/!]+)\.jar", source)
    if jar and not source.startswith("shared"):
        return jar.group(1)
    if name in index:
        return index[name]
    if name.startswith(JDK_PREFIXES):
        return "JDK"
    return "(other: " + source[:40] + ")"


def classes_per_jar(logfile, index):
    counts = Counter()
    for line in Path(logfile).read_text(errors="replace").splitlines():
        m = CLASS_LOAD.search(line)
        if m:
            counts[owner(m.group(1), m.group(2), index)] += 1
    return counts


def actuator_port(proc, timeout_s=10):
    """The management port (the bench starts kubeforward with --server.port=0), from its log."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        m = re.search(r"Actuator on port (\d+)", Path(proc.logfile).read_text(errors="replace"))
        if m:
            return int(m.group(1))
        time.sleep(0.1)
    raise RuntimeError(f"no actuator port in the log:\n{proc.tail()}")


class Scraper:
    """GETs /actuator/prometheus and /actuator/health once a second until stopped, as Prometheus and probes would."""

    def __init__(self, port):
        self.port, self.done, self.count, self.failed = port, threading.Event(), 0, 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.done.wait(1.0):
            for path in ("/actuator/prometheus", "/actuator/health"):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
                        r.read()
                    self.count += 1
                except OSError:
                    self.failed += 1

    def stop(self):
        self.done.set()
        self.thread.join(10)


def run(system, args, workdir, files):
    """Starts kubeforward with the diagnostics, fills its cache, loads it, measures; returns the result dict."""
    d = Path(workdir) / "footprint"
    d.mkdir(parents=True, exist_ok=True)
    classlog = d / "class-load.log"
    diag = f"-XX:NativeMemoryTracking=summary -Xlog:class+load=info:file={classlog}"
    env = {**system.env, "JDK_JAVA_OPTIONS": diag}
    port = args.port_base
    proc = system.start(d, port, [port + 1], True, "0-" + str(max(load.cpu_list(args.server_cpus))), env)
    try:
        scraper = Scraper(actuator_port(proc))
        time.sleep(2)
        idle = status(proc.pid)
        filled = load.dnsperf(port, files.hits, "udp", 60, args.client_cpus, once=True, outstanding=100,
                              rawlog=d / "dnsperf.log")
        log(f"footprint: cache filled ({filled.completed} answers, rcodes {filled.rcodes})")
        hits = load.dnsperf(port, files.hits, "udp", args.duration, args.client_cpus, rawlog=d / "dnsperf.log")
        log(f"footprint: cache-hit load {hits.summary()}")
        scraper.stop()
        loaded = status(proc.pid)
        areas, total, text = nmt(system.tools_home, proc.pid)
        (d / "nmt.txt").write_text(text)
        if not proc.alive():
            raise RuntimeError(f"kubeforward died during the footprint run:\n{proc.tail()}")
    finally:
        proc.stop()
    counts = classes_per_jar(classlog, jar_index([system.home / "lib", system.home]))
    result = {"first_answer_s": round(proc.ready_s, 2), "idle": idle, "http_requests": scraper.count,
              "http_failed": scraper.failed, "loaded": loaded, "qps": round(hits.qps),
              "nmt_committed_mib": areas, "nmt_total_mib": total, "classes_total": sum(counts.values()),
              "classes_per_jar": dict(counts.most_common()),
              "java_opts": system.java_opts or "bin/kubeforward's defaults", "runtime": system.java_home}
    (d / "footprint.json").write_text(json.dumps(result, indent=1) + "\n")
    print(markdown(result))
    log(f"footprint: {d / 'footprint.json'}")
    return result


def markdown(r, top=40):
    lines = [f"kubeforward under cache-hit load ({r['qps']:,} qps) with 10,000 names cached, actuator scraped "
             f"({r.get('http_requests', 0)} requests); JVM options: {r['java_opts']}", "",
             "| RSS | idle (2 s after the first answer) | after the load |", "|---|--:|--:|"]
    for key, label in (("VmRSS", "RSS MiB"), ("VmHWM", "peak RSS MiB"), ("RssAnon", "anonymous MiB"),
                       ("RssFile", "file-backed MiB"), ("Threads", "threads")):
        lines.append(f"| {label} | {r['idle'].get(key)} | {r['loaded'].get(key)} |")
    lines += ["", f"| NMT area (committed) | MiB |", "|---|--:|"]
    for area, mib in sorted(r["nmt_committed_mib"].items(), key=lambda kv: -kv[1]):
        if mib >= 0.1:
            lines.append(f"| {area} | {mib} |")
    lines.append(f"| total | {r['nmt_total_mib']} |")
    lines += ["", f"| classes loaded, per jar (total {r['classes_total']:,}) | classes |", "|---|--:|"]
    items = list(r["classes_per_jar"].items())
    for jar, n in items[:top]:
        lines.append(f"| {jar} | {n} |")
    if len(items) > top:
        lines.append(f"| {len(items) - top} other jars | {sum(n for _, n in items[top:])} |")
    return "\n".join(lines)
