"""Installs and builds what the benchmark compares: Debian packages, CoreDNS from its Go module, kubeforward's jar."""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import log

# The CoreDNS release compared against. Changing it (or the recipe below) builds a new binary; the old one
# stays in the cache directory until removed by hand.
COREDNS_MODULE = "github.com/coredns/coredns"
COREDNS_VERSION = "v1.15.0"
COREDNS_LDFLAGS = "-s -w"

# Debian package -> a binary it provides.
DEBIAN = {
    "dnsperf": "dnsperf",
    "nsd": "nsd",
    "dnsdist": "dnsdist",
    "unbound": "unbound",
}

SBIN = ("/usr/sbin", "/sbin", "/usr/local/sbin")


def which(binary):
    found = shutil.which(binary)
    if found:
        return found
    for d in SBIN:
        p = Path(d) / binary
        if p.is_file() and os.access(p, os.X_OK):
            return str(p)
    return None


def install_debian_packages():
    """apt-get installs the missing packages when running as root; fails with the list otherwise."""
    missing = [pkg for pkg, binary in DEBIAN.items() if which(binary) is None]
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"bench: missing Debian packages and not root: {' '.join(missing)}")
    log(f"installing Debian packages: {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing]
    if subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        # The package lists may be missing or stale on a fresh machine.
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    still = [pkg for pkg, binary in DEBIAN.items() if which(binary) is None]
    if still:
        raise SystemExit(f"bench: installed but not found: {' '.join(still)}")


def _go():
    go = shutil.which("go") or ("/usr/local/go/bin/go" if os.access("/usr/local/go/bin/go", os.X_OK) else None)
    if go is None:
        raise SystemExit("bench: Go is needed to build CoreDNS (install Go >= 1.25)")
    return go


def cache_root():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kubeforward" / "bench"


def coredns_binary():
    """Path of the CoreDNS binary for the pinned version, built with `go install` when not cached.

    The cache key is the module version, the Go version and this recipe. The build runs under nice -n 19
    (other builds share these 2 cores) with CoreDNS's own go.mod/go.sum, i.e. exactly the release."""
    go = _go()
    go_version = subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True, check=True).stdout.strip()
    recipe = f"{COREDNS_MODULE}@{COREDNS_VERSION} {go_version} CGO_ENABLED=0 -trimpath -ldflags={COREDNS_LDFLAGS}"
    key = hashlib.sha256(recipe.encode()).hexdigest()[:12]
    out_dir = cache_root() / f"coredns-{COREDNS_VERSION}-{key}"
    binary = out_dir / "coredns"
    if binary.is_file() and os.access(binary, os.X_OK):
        return str(binary)
    cache_root().mkdir(parents=True, exist_ok=True)
    log(f"building CoreDNS {COREDNS_VERSION} from the Go module proxy with {go_version} (cold: minutes)")
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="coredns.tmp.", dir=cache_root()))
    try:
        env = dict(os.environ, GOBIN=str(tmp), CGO_ENABLED="0", GOTOOLCHAIN="local", GOFLAGS="-buildvcs=false")
        subprocess.run(
            ["nice", "-n", "19", go, "install", "-trimpath", f"-ldflags={COREDNS_LDFLAGS}",
             f"{COREDNS_MODULE}@{COREDNS_VERSION}"],
            env=env, cwd=tmp, check=True)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        out_dir.mkdir()
        os.replace(tmp / "coredns", binary)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log(f"built CoreDNS in {time.monotonic() - started:.0f} s: {binary}")
    return str(binary)


def java_home(repo):
    """JAVA_HOME with a JDK >= 21, as .ci/select-jdk picks it."""
    out = subprocess.run(["bash", "-c", ". .ci/select-jdk >/dev/null && echo \"$JAVA_HOME\""],
                         cwd=repo, capture_output=True, text=True)
    if out.returncode != 0 or not out.stdout.strip():
        raise SystemExit(f"bench: no JDK >= 21 found: {out.stderr.strip()}")
    return out.stdout.strip()


def build_jar(repo, jdk):
    """./mvnw -B -q -DskipTests package; returns target/kubeforward.jar."""
    log("building kubeforward's jar (./mvnw -B -q -DskipTests package)")
    started = time.monotonic()
    env = dict(os.environ, JAVA_HOME=jdk, PATH=f"{jdk}/bin:{os.environ.get('PATH', '')}")
    subprocess.run(["./mvnw", "-B", "-q", "-DskipTests", "package"], cwd=repo, env=env, check=True)
    jar = Path(repo) / "target" / "kubeforward.jar"
    if not jar.is_file():
        raise SystemExit(f"bench: the build did not produce {jar}")
    log(f"built the jar in {time.monotonic() - started:.0f} s")
    return str(jar)


if __name__ == "__main__":  # python3 -m kfbench.peers: build CoreDNS only
    print(coredns_binary())
    sys.exit(0)
