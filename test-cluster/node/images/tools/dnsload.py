#!/usr/bin/env python3
"""A fixed-rate DNS load client that behaves like a stub resolver: each query goes out from a new socket (a new
source port) with a random ID; no valid answer within TIMEOUT, or an answer that is not the expected one,
counts as a failed first try, and the query is tried once more (new socket, new ID). Results: one JSON object on
stdout (or --out), with per-second counts and the times of the failures.

  dnsload --rate 200 --duration 60 --name kubernetes.default.svc.cluster.local=198.19.244.1 \\
          --name www.example.org=198.19.239.80 [--server 169.254.20.10] [--timeout 2] [--out FILE]

The names are asked in turn (type A). An answer is correct when its rcode is NOERROR and it holds an A record with
the expected address (with no address given: any A record). The server defaults to the first nameserver of
/etc/resolv.conf, as a pod's resolver would use. A name may hold fields, filled per query so that every query asks
a new name (a cache miss): {n} the query's number, {ip} an address of 198.18.0.0/15 from it, {ipdash} the same with
dashes, e.g. --name '{ipdash}.default.pod.cluster.local={ip}' (CoreDNS's `pods insecure` answers it) or
--name 'q{n}.example.org=198.19.239.80'.
"""
import argparse
import json
import os
import random
import selectors
import socket
import struct
import sys
import time

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def encode_name(name):
    out = bytearray()
    for label in name.rstrip(".").split("."):
        data = label.encode("ascii")
        if not 0 < len(data) < 64:
            raise ValueError(f"bad label in {name!r}")
        out.append(len(data))
        out += data
    out.append(0)
    return bytes(out)


def query(qid, wire_name):
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + wire_name + struct.pack("!HH", 1, 1)


def skip_name(msg, pos):
    """Position after the (possibly compressed) name at pos."""
    for _ in range(128):
        if pos >= len(msg):
            raise ValueError("name runs past the message")
        length = msg[pos]
        if length == 0:
            return pos + 1
        if length & 0xC0 == 0xC0:
            return pos + 2
        pos += 1 + length
    raise ValueError("name too long")


def check_answer(msg, qid, wire_name, expected):
    """(matches this query, verdict) where verdict is 'ok' or the reason the answer is wrong."""
    if len(msg) < 12:
        return False, None
    rid, flags, qd, an, _, _ = struct.unpack("!HHHHHH", msg[:12])
    if rid != qid or not flags & 0x8000 or qd != 1:
        return False, None
    end = 12 + len(wire_name)
    if msg[12:end].lower() != wire_name.lower() or msg[end:end + 4] != b"\x00\x01\x00\x01":
        return False, None
    rcode = flags & 0xF
    if rcode != 0:
        return True, RCODES.get(rcode, f"RCODE{rcode}")
    if flags & 0x0200:
        return True, "TC"
    pos = end + 4
    addresses = []
    try:
        for _ in range(an):
            pos = skip_name(msg, pos)
            rtype, _, _, rdlength = struct.unpack("!HHIH", msg[pos:pos + 10])
            pos += 10
            if rtype == 1 and rdlength == 4:
                addresses.append(socket.inet_ntoa(msg[pos:pos + 4]))
            pos += rdlength
    except (ValueError, struct.error):
        return True, "malformed"
    if not addresses:
        return True, "no address"
    if expected and expected not in addresses:
        return True, "wrong address"
    return True, "ok"


def resolv_conf_server():
    try:
        with open("/etc/resolv.conf") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and parts[0] == "nameserver":
                    return parts[1]
    except OSError:
        pass
    raise SystemExit("dnsload: no nameserver in /etc/resolv.conf; give --server")


class Attempt:
    __slots__ = ("query", "try_no", "sock", "qid", "sent", "deadline")


class Query:
    __slots__ = ("index", "name", "wire", "expected", "start", "first", "final", "latency")


def run(args):
    names = []
    for spec in args.name:
        name, _, address = spec.partition("=")
        templated = "{" in spec
        names.append((name, None if templated else encode_name(name), address or None, templated))

    def pick(index):
        name, wire, address, templated = names[index % len(names)]
        if not templated:
            return name, wire, address
        n = index // len(names)
        ip = f"198.{18 + (n >> 16 & 1)}.{n >> 8 & 0xff}.{n & 0xff}"
        fields = {"n": n, "ip": ip, "ipdash": ip.replace(".", "-")}
        name, address = name.format(**fields), (address or "").format(**fields) or None
        return name, encode_name(name), address
    server = (args.server or resolv_conf_server(), args.port)
    selector = selectors.DefaultSelector()
    queries = []
    pending = {}  # socket fd -> Attempt
    interval = 1.0 / args.rate
    total = int(args.rate * args.duration)
    start = time.monotonic()
    wall_start = time.time()
    rng = random.SystemRandom()
    next_index = 0

    def send(q, try_no, now):
        a = Attempt()
        a.query, a.try_no, a.qid, a.sent, a.deadline = q, try_no, rng.randrange(65536), now, now + args.timeout
        a.sock = socket.socket(socket.AF_INET6 if ":" in server[0] else socket.AF_INET, socket.SOCK_DGRAM)
        a.sock.setblocking(False)
        try:
            a.sock.connect(server)
            a.sock.send(query(a.qid, q.wire))
        except OSError:
            pass  # counted as a timeout: the stub resolver would see no answer
        selector.register(a.sock, selectors.EVENT_READ, a)
        pending[a.sock.fileno()] = a

    def finish(a, verdict, now):
        selector.unregister(a.sock)
        del pending[a.sock.fileno()]
        a.sock.close()
        q = a.query
        if a.try_no == 1:
            q.first = verdict
            if verdict != "ok" and args.retries > 0:
                send(q, 2, now)
                return
        q.final = verdict
        q.latency = now - q.start

    while True:
        now = time.monotonic()
        while next_index < total and start + next_index * interval <= now:
            q = Query()
            q.index = next_index
            q.name, q.wire, q.expected = pick(next_index)
            q.start = now
            q.first = q.final = q.latency = None
            queries.append(q)
            send(q, 1, now)
            next_index += 1
        if next_index >= total and not pending:
            break
        wait = args.timeout
        if next_index < total:
            wait = min(wait, max(0.0, start + next_index * interval - now))
        if pending:
            wait = min(wait, max(0.0, min(a.deadline for a in pending.values()) - now))
        for key, _ in selector.select(wait):
            a = key.data
            try:
                while True:
                    msg = a.sock.recv(4096)
                    matches, verdict = check_answer(msg, a.qid, a.query.wire, a.query.expected)
                    if matches:
                        finish(a, verdict, time.monotonic())
                        break
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                finish(a, "unreachable", time.monotonic())
        now = time.monotonic()
        for a in [a for a in pending.values() if a.deadline <= now]:
            finish(a, "timeout", now)
    return summarize(queries, start, wall_start, args)


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(p * len(sorted_values)))]


def summarize(queries, start, wall_start, args):
    seconds = {}
    reasons_first, reasons_final = {}, {}
    failed_first, failed_final = [], []
    latencies = []
    for q in queries:
        sec = int(q.start - start)
        s = seconds.setdefault(sec, [0, 0, 0])
        s[0] += 1
        t = round(q.start - start, 3)
        if q.first != "ok":
            s[1] += 1
            failed_first.append(t)
            reasons_first[q.first] = reasons_first.get(q.first, 0) + 1
        if q.final != "ok":
            s[2] += 1
            failed_final.append(t)
            reasons_final[q.final] = reasons_final.get(q.final, 0) + 1
        else:
            latencies.append(q.latency)
    latencies.sort()
    return {
        "server": args.server, "rate": args.rate, "duration": args.duration, "timeout": args.timeout,
        "started_at": wall_start, "sent": len(queries),
        "failed_first_try": len(failed_first), "failed_after_retry": len(failed_final),
        "reasons_first_try": reasons_first, "reasons_after_retry": reasons_final,
        "first_failure_s": failed_first[0] if failed_first else None,
        "last_failure_s": failed_first[-1] if failed_first else None,
        "latency_ms": {k: (round(v * 1000, 3) if v is not None else None) for k, v in
                       (("p50", percentile(latencies, 0.50)), ("p99", percentile(latencies, 0.99)),
                        ("max", latencies[-1] if latencies else None))},
        "per_second": [[sec] + seconds[sec] for sec in sorted(seconds)],
        "failure_times_first_try": failed_first[:100_000],  # every one at 200 qps for 500 s
        "failure_times_after_retry": failed_final[:100_000],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server")
    parser.add_argument("--port", type=int, default=53)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--retries", type=int, default=1, choices=(0, 1))
    parser.add_argument("--name", action="append", required=True, help="NAME[=EXPECTED_IPV4]")
    parser.add_argument("--out", help="write the result here (atomically) instead of stdout")
    args = parser.parse_args()
    if not 0 < args.rate <= 5000 or not 0 < args.duration <= 3600 or not 0 < args.timeout <= 30:
        parser.error("rate must be in (0, 5000], duration in (0, 3600] s, timeout in (0, 30] s")
    if args.server is None:
        args.server = resolv_conf_server()
    result = json.dumps(run(args))
    if args.out:
        tmp = args.out + ".tmp"
        with open(tmp, "w") as f:
            f.write(result + "\n")
        os.replace(tmp, args.out)
    else:
        print(result)


if __name__ == "__main__":
    sys.exit(main())
