"""The upstream's zone and the dnsperf query files.

Zone bench.test. has NAMES names nI.bench.test. A (TTL 3600), a wildcard *.miss.bench.test. A (every name
below it exists, so a never-asked name is a cache miss that the upstream answers NOERROR) and nothing
below nx.bench.test. (a never-asked name there is a miss answered NXDOMAIN). Negative TTL 3600.
"""

import random

ZONE = "bench.test."
NAMES = 10_000


def hit_name(i):
    return f"n{i}.bench.test"


def write_zone(path):
    lines = [
        f"$ORIGIN {ZONE}",
        "$TTL 3600",
        "@ IN SOA ns.bench.test. hostmaster.bench.test. 1 3600 600 86400 3600",
        "@ IN NS ns",
        "ns IN A 127.0.0.1",
        "*.miss IN A 10.255.0.1",
    ]
    lines += [f"n{i} IN A 10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}" for i in range(NAMES)]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def _shuffled_hits(seed=7):
    names = [hit_name(i) for i in range(NAMES)]
    random.Random(seed).shuffle(names)
    return names


def write_hits(path):
    """All NAMES names once each, shuffled: warms a cache, and (replayed) is the cache-hit load."""
    with open(path, "w") as f:
        f.write("".join(f"{n} A\n" for n in _shuffled_hits()))


def write_unique(path, prefix, count):
    """COUNT never-asked names under the wildcard: every query is forwarded, whatever caches."""
    with open(path, "w") as f:
        f.write("".join(f"{prefix}-{i}.miss.bench.test A\n" for i in range(count)))


def write_mixed(path, prefix, count):
    """Per 20 queries: 18 hits (names of the warm cache), 1 never-asked name that exists (miss, NOERROR),
    1 never-asked name that does not (miss, NXDOMAIN): 90 % hits, 10 % misses, 5 % NXDOMAIN."""
    hits = _shuffled_hits()
    out = []
    h = 0
    for i in range(count):
        r = i % 20
        if r == 0:
            out.append(f"{prefix}-{i}.miss.bench.test A\n")
        elif r == 10:
            out.append(f"{prefix}-{i}.nx.bench.test A\n")
        else:
            out.append(f"{hits[h]} A\n")
            h = (h + 1) % NAMES
    with open(path, "w") as f:
        f.write("".join(out))
