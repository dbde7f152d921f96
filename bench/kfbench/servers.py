"""The processes: the authoritative upstream (nsd) and the four systems compared, with equivalent configs.

Every server listens on 127.0.0.1 only and runs in its own process group under `taskset`. A system runs
with the scenario's upstreams (1 or 3 ports of the one nsd), and with or without a cache of equal capacity
(20,000 success + 20,000 denial entries where the two are separate, so the 10,000 names of the zone fit;
CoreDNS's 256 shards hold 78 each). Upstream selection is random everywhere (CoreDNS's and kubeforward's
default; dnsdist `wrandom` with equal weights; unbound always picks at random within its RTT band).
"""

import json
import os
import signal
import socket
import struct
import subprocess
import time
from pathlib import Path

from . import log, zone

CACHE_ENTRIES = 20_000


class Proc:
    """A started process; `pid` is the server's own (taskset execs it)."""

    def __init__(self, name, argv, cwd, logfile, env=None):
        self.name = name
        self.logfile = logfile
        self._log = open(logfile, "wb")
        self.popen = subprocess.Popen(argv, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT, env=env,
                                      stdin=subprocess.DEVNULL, start_new_session=True)
        self.pid = self.popen.pid
        self.started = time.monotonic()

    def alive(self):
        return self.popen.poll() is None

    def tail(self, lines=30):
        try:
            return "\n".join(Path(self.logfile).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, grace_s=10):
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(grace_s)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        # Children it forked (nsd's servers) are in the group we created for it.
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._log.close()


# --- readiness -------------------------------------------------------------------------------------------

def _query_packet(qid, name, qtype=1):
    header = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    qname = b"".join(bytes([len(label)]) + label.encode() for label in name.rstrip(".").split(".")) + b"\0"
    return header + qname + struct.pack(">HH", qtype, 1)


def answers(port, name="n0.bench.test", timeout=0.5):
    """One UDP query to 127.0.0.1:PORT; the reply's rcode, or None without a matching reply."""
    qid = int.from_bytes(os.urandom(2), "big")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.connect(("127.0.0.1", port))
        s.send(_query_packet(qid, name))
        try:
            reply = s.recv(4096)
        except OSError:  # timeout, or refused: nothing listening yet
            return None
    if len(reply) < 12 or struct.unpack(">H", reply[:2])[0] != qid or not reply[2] & 0x80:
        return None
    return reply[3] & 0x0F


POLL_S = 0.01  # the startup target is 1 s: the first answer is timed to about 10 ms


def wait_answering(proc, port, timeout_s):
    """Until a query for a zone name is answered NOERROR (polled every POLL_S, each query given 0.2 s); raises
    with the log's tail otherwise."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited during start (code {proc.popen.returncode}):\n{proc.tail()}")
        if answers(port, timeout=0.2) == 0:
            return time.monotonic() - proc.started
        time.sleep(POLL_S)
    raise RuntimeError(f"{proc.name} did not answer on 127.0.0.1:{port} within {timeout_s} s:\n{proc.tail()}")


def port_free(port):
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def taskset(cpus, argv):
    return ["taskset", "-c", cpus, *argv]


# --- the upstream ----------------------------------------------------------------------------------------

def start_nsd(workdir, ports, cpus):
    """One nsd, one server process, answering bench.test. on each of PORTS. Response rate limiting is off: it
    would drop most answers from the wildcard (one RRL bucket) beyond 200 per second."""
    d = Path(workdir) / "nsd"
    d.mkdir(parents=True, exist_ok=True)
    zone.write_zone(d / "bench.test.zone")
    listen = "".join(f"  ip-address: 127.0.0.1@{p}\n" for p in ports)
    (d / "nsd.conf").write_text(f"""server:
{listen}  server-count: 1
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "{d}"
  database: ""
  zonelistfile: "{d}/zone.list"
  xfrdfile: "{d}/xfrd.state"
  pidfile: "{d}/nsd.pid"
  logfile: "{d}/nsd.log"
  tcp-count: 1000
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
  verbosity: 1
remote-control:
  control-enable: no
zone:
  name: bench.test
  zonefile: bench.test.zone
""")
    proc = Proc("nsd", taskset(cpus, ["nsd", "-d", "-c", str(d / "nsd.conf")]), d, d / "stdout.log")
    for p in ports:
        wait_answering(proc, p, 30)
    return proc


# --- the systems -----------------------------------------------------------------------------------------

def corefile(port, upstreams, cache):
    """The same Corefile for CoreDNS and kubeforward."""
    to = " ".join(f"127.0.0.1:{p}" for p in upstreams)
    cache_block = (f"    cache 3600 {{\n        success {CACHE_ENTRIES}\n        denial {CACHE_ENTRIES}\n    }}\n"
                   if cache else "")
    return f".:{port} {{\n    bind 127.0.0.1\n    forward . {to}\n{cache_block}}}\n"


def dnsdist_conf(port, upstreams, cache):
    servers = "".join(
        f'newServer({{address="127.0.0.1:{p}", name="u{i}", checkName="bench.test.", checkType="SOA"}})\n'
        for i, p in enumerate(upstreams))
    pc = (f'pc = newPacketCache({2 * CACHE_ENTRIES}, {{maxTTL=86400, minTTL=0, temporaryFailureTTL=60, staleTTL=60}})\n'
          'getPool(""):setCache(pc)\n' if cache else "")
    return ("setSecurityPollSuffix(\"\")  -- no security-status queries to the outside\n"
            f'setLocal("127.0.0.1:{port}")\n'
            'setACL({"127.0.0.0/8"})\n'
            f"{servers}"
            "setServerPolicy(wrandom)  -- equal weights: random, as CoreDNS and kubeforward\n"
            f"{pc}")


def unbound_conf(d, port, upstreams, cache):
    """unbound always caches: in the cache-off scenarios every name asked is new, so it forwards anyway."""
    fwd = "".join(f"  forward-addr: 127.0.0.1@{p}\n" for p in upstreams)
    return f"""server:
  interface: 127.0.0.1@{port}
  port: {port}
  do-ip6: no
  num-threads: 1
  so-reuseport: no
  access-control: 127.0.0.0/8 allow
  do-not-query-localhost: no
  chroot: ""
  username: ""
  directory: "{d}"
  pidfile: "{d}/unbound.pid"
  use-syslog: no
  logfile: ""
  verbosity: 0
  module-config: "iterator"
  local-zone: "test." nodefault
  qname-minimisation: no
  incoming-num-tcp: 100
  msg-cache-size: 16m
  rrset-cache-size: 32m
forward-zone:
  name: "."
{fwd}"""


class System:
    """How to start one system for a scenario."""

    def __init__(self, name, ready_timeout_s):
        self.name = name
        self.ready_timeout_s = ready_timeout_s

    def argv(self, d, port, upstreams, cache):
        raise NotImplementedError

    def start(self, workdir, port, upstreams, cache, cpus, env=None):
        d = Path(workdir) / self.name
        d.mkdir(parents=True, exist_ok=True)
        proc = Proc(self.name, taskset(cpus, self.argv(d, port, upstreams, cache)), d, d / "stdout.log", env)
        try:
            proc.ready_s = wait_answering(proc, port, self.ready_timeout_s)
        except Exception:
            proc.stop()
            raise
        return proc


class CoreDNS(System):
    def __init__(self, binary):
        super().__init__("coredns", 30)
        self.binary = binary

    def argv(self, d, port, upstreams, cache):
        (d / "Corefile").write_text(corefile(port, upstreams, cache))
        return [self.binary, "-conf", str(d / "Corefile")]


class Kubeforward(System):
    """kubeforward as shipped: bin/kubeforward (its JVM options, the extracted jar, the AOT cache trained by
    `prepare`, as the image does at build time). KUBEFORWARD_BENCH_JAVA_OPTS, when set, replaces the options."""

    def __init__(self, launcher, java_home, home, java_opts, tools_home=None):
        super().__init__("kubeforward", 90)
        self.launcher, self.home, self.java_opts = launcher, Path(home), java_opts
        self.java_home = java_home
        # jcmd for NMT: a jlink runtime has none; the JDK that built the jar is the same version.
        self.tools_home = tools_home or java_home
        self.java = f"{java_home}/bin/java"
        self.env = {**os.environ, "JAVA_HOME": java_home, "KUBEFORWARD_HOME": str(self.home)}
        if java_opts:
            self.env["KUBEFORWARD_JVM_OPTS"] = java_opts

    def prepare(self, fat_jar):
        """Extracts the jar into the bench's home and trains the AOT cache (not part of any measurement)."""
        started = time.monotonic()
        if self.home.exists():
            subprocess.run(["rm", "-rf", str(self.home)], check=True)
        subprocess.run([self.java, "-Djarmode=tools", "-jar", str(fat_jar), "extract", "--destination",
                        str(self.home)], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([self.launcher, "--prepare"], env=self.env, check=True)
        log(f"kubeforward: extracted and AOT-trained in {time.monotonic() - started:.0f} s")

    def argv(self, d, port, upstreams, cache):
        (d / "Corefile").write_text(corefile(port, upstreams, cache))
        return [self.launcher, "--spring.profiles.active=bench", f"--kubeforward.corefile={d / 'Corefile'}",
                "--server.port=0"]

    def start(self, workdir, port, upstreams, cache, cpus, env=None):
        return super().start(workdir, port, upstreams, cache, cpus, env or self.env)


class KubeforwardDuringOutage(System):
    """kubeforward as shipped, its upstreams a Service's endpoints (a kubeforward block with a snapshot), started while
    the API server refuses connections: the snapshot on disk names the upstream; the kubeconfig a closed port."""

    def __init__(self, kubeforward):
        super().__init__("kubeforward", 90)
        self.kubeforward = kubeforward

    def argv(self, d, port, upstreams, cache):
        closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        closed.bind(("127.0.0.1", 0))
        api_port = closed.getsockname()[1]
        closed.close()  # nothing listens there: connection refused, as with the API server down
        (d / "kubeconfig").write_text(f"""apiVersion: v1
kind: Config
clusters:
- name: down
  cluster:
    server: https://127.0.0.1:{api_port}
    insecure-skip-tls-verify: true
users:
- name: bench
  user:
    token: bench
contexts:
- name: down
  context:
    cluster: down
    user: bench
current-context: down
""")
        endpoints = [{"address": "127.0.0.1", "port": p, "ready": True, "serving": True, "terminating": False, "zone": "",
                      "nodeName": "", "slice": "kube-dns-bench", "hints": []} for p in upstreams]
        (d / "snapshot.json").write_text(json.dumps({"format": 1, "service": "kube-system/kube-dns", "port": "dns",
                                                     "savedAt": "2026-01-01T00:00:00Z", "endpoints": endpoints}))
        (d / "Corefile").write_text(f".:{port} {{\n    bind 127.0.0.1\n    kubeforward {{\n        namespace kube-system\n"
                                    f"        service_name kube-dns\n        port_name dns\n"
                                    f"        snapshot {d / 'snapshot.json'}\n    }}\n}}\n")
        return [self.kubeforward.launcher, "--spring.profiles.active=bench", f"--kubeforward.corefile={d / 'Corefile'}",
                f"--kubeforward.kubernetes.kubeconfig={d / 'kubeconfig'}", "--server.port=0"]

    def start(self, workdir, port, upstreams, cache, cpus, env=None):
        return super().start(workdir, port, upstreams, cache, cpus, env or self.kubeforward.env)


class Dnsdist(System):
    def __init__(self):
        super().__init__("dnsdist", 30)

    def argv(self, d, port, upstreams, cache):
        (d / "dnsdist.conf").write_text(dnsdist_conf(port, upstreams, cache))
        return ["dnsdist", "--supervised", "--disable-syslog", "-C", str(d / "dnsdist.conf")]


class Unbound(System):
    def __init__(self):
        super().__init__("unbound", 30)

    def argv(self, d, port, upstreams, cache):
        (d / "unbound.conf").write_text(unbound_conf(d, port, upstreams, cache))
        return ["unbound", "-d", "-c", str(d / "unbound.conf")]
