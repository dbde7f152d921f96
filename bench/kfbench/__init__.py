"""kubeforward's comparison benchmark: see bench/run and docs/benchmarks.md ("Comparison")."""

import sys
import time

_started = time.monotonic()


def log(msg):
    print(f"bench [{time.monotonic() - _started:6.1f}s] {msg}", file=sys.stderr, flush=True)
