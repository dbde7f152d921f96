# Sourced by test-cluster/cluster: the node's images, all made on this machine (no registry is reachable).
#
#   base      debootstrap --variant=minbase bookworm + iproute2, iptables; docs, man pages, locales and apt lists
#             removed (what the kubeforward image and the node-local-dns image stand on)
#   jre       base + a Java runtime made by jlink from the installed JDK 25, with only the modules kubeforward needs
#             (JRE_MODULES), laid out as the public eclipse-temurin images are (/opt/java/openjdk, JAVA_HOME, PATH)
#   tools     minbase + dig, python3 and dnsload.py (test-cluster/node/images/tools): client pods
#   coredns   CoreDNS (the version bench/ builds from the Go module proxy) on an empty image: kube-dns
#   nodelocaldns  base + the same CoreDNS + node-cache's interface and iptables setup in a shell entrypoint:
#             the standard node-local-dns scheme (its node-cache binary, k8s.io/dns, is not served here)
#   pause     the node's pod sandbox program
#   kubeforward   the project's own Dockerfile, FROM the jre image (`cluster image DIR`)
#
# podman builds them (runc, cgroupfs: crun refuses this machine's hybrid cgroups) with its storage under the
# cache directory, never /var/lib/containers; each image is saved as a docker archive named after a hash of its
# inputs, so an unchanged image is never rebuilt, and imported into the node's containerd.

IMAGE_CACHE=${CACHE_ROOT}/images
DEBIAN_MIRROR=${KUBEFORWARD_DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_SUITE=bookworm
BASE_PACKAGES=iproute2,iptables
TOOLS_PACKAGES=bind9-dnsutils,python3
# The Java runtime's modules: what jdeps finds in kubeforward's jar and its libraries (computed from the jar at
# image build time), plus modules only reached by name at run time.
JRE_EXTRA_MODULES=jdk.zipfs
PAUSE_IMAGE=localhost/kubeforward-test/pause:1

# podman limits its runroot to 50 characters: a short path under /run, removed once the images are made.
PODMAN_RUNROOT=/run/kubeforward-podman

podman_node() {
    mkdir -p "$IMAGE_CACHE/podman/root" "$PODMAN_RUNROOT" "$IMAGE_CACHE/podman/tmp"
    TMPDIR="$IMAGE_CACHE/podman/tmp" podman --root "$IMAGE_CACHE/podman/root" --runroot "$PODMAN_RUNROOT" \
        --tmpdir "$IMAGE_CACHE/podman/tmp" --storage-driver overlay --cgroup-manager cgroupfs --runtime runc \
        --events-backend file "$@"
}

podman_done() {
    unmount_below "$PODMAN_RUNROOT/"
    unmount_below "$IMAGE_CACHE/podman/"
    rm -rf "$PODMAN_RUNROOT" "$IMAGE_CACHE/podman/tmp"
}

inputs_hash() { cat "$@" | sha256sum | cut -c1-12; }

# A root file system from Debian's packages, slimmed, as a tar; cached by suite and package list.
debian_rootfs() {
    local name=$1 packages=$2 key tar
    key=$(printf '%s %s %s %s' "$DEBIAN_SUITE" "$packages" "$DEBIAN_MIRROR" "$(declare -f debian_rootfs)" | sha256sum | cut -c1-12)
    tar="$IMAGE_CACHE/rootfs-$name-$key.tar"
    if [[ ! -f "$tar" ]]; then
        mkdir -p "$IMAGE_CACHE/debs"
        local root="$IMAGE_CACHE/rootfs-$name.tmp.$$"
        rm -rf "$root"
        log "debootstrap $DEBIAN_SUITE minbase + $packages (about 30 s)"
        debootstrap --variant=minbase --include="$packages" --cache-dir="$IMAGE_CACHE/debs" \
            "$DEBIAN_SUITE" "$root" "$DEBIAN_MIRROR" >"$IMAGE_CACHE/debootstrap-$name.log" 2>&1 \
            || { unmount_below "$root/"; tail -n 20 "$IMAGE_CACHE/debootstrap-$name.log" >&2; die "debootstrap failed"; }
        unmount_below "$root/"
        rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/cache/apt/* \
            "$root"/var/lib/apt/lists/* "$root"/var/log/* "$root"/tmp/*
        find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} +
        tar --numeric-owner -C "$root" -cf "$tar.tmp" .
        rm -rf "$root"
        mv "$tar.tmp" "$tar"
    fi
    echo "$tar"
}

# Builds CONTEXT (a directory with a Containerfile, or the repository with its Dockerfile) as NAME:TAG and
# saves it; prints the archive path.
build_image() {
    local ref=$1 context=$2 file=$3; shift 3
    local archive="$IMAGE_CACHE/$(echo "$ref" | tr '/:' '__').tar"
    if [[ ! -f "$archive" ]]; then
        log "building image $ref"
        podman_node build --pull=never --network=none --layers=false -f "$file" -t "$ref" "$@" "$context" \
            >"$IMAGE_CACHE/build-$(basename "${ref%%:*}").log" 2>&1 \
            || { tail -n 30 "$IMAGE_CACHE/build-$(basename "${ref%%:*}").log" >&2; die "building $ref failed"; }
        podman_node save -q --format docker-archive -o "$archive.tmp" "$ref" >/dev/null
        mv "$archive.tmp" "$archive"
    fi
    echo "$archive"
}

# An image from a root file system tar (podman import), tagged REF; prints the archive path.
import_rootfs_image() {
    local ref=$1 tar=$2
    local archive="$IMAGE_CACHE/$(echo "$ref" | tr '/:' '__').tar"
    if [[ ! -f "$archive" ]]; then
        log "importing $tar as $ref"
        podman_node import -q "$tar" "$ref" >/dev/null
        podman_node save -q --format docker-archive -o "$archive.tmp" "$ref" >/dev/null
        mv "$archive.tmp" "$archive"
    fi
    echo "$archive"
}

jdk_home() {
    (cd "$HERE/.." && . .ci/select-jdk >/dev/null && echo "$JAVA_HOME")
}

coredns_binary() { (cd "$HERE/../bench" && python3 -m kfbench.peers); }

base_image() {
    local tar key
    tar=$(debian_rootfs base "$BASE_PACKAGES")
    key=$(basename "$tar" .tar); key=${key##*-}
    BASE_IMAGE=localhost/kubeforward-test/debian-base:$key
    import_rootfs_image "$BASE_IMAGE" "$tar" >/dev/null
    podman_node image exists "$BASE_IMAGE" || podman_node load -i "$IMAGE_CACHE/$(echo "$BASE_IMAGE" | tr '/:' '__').tar" >/dev/null
}

# The Java runtime: jlink of the installed JDK with the modules kubeforward needs, on the base image.
jre_image() {
    local jar=$1
    base_image
    local jdk version ctx modules
    jdk=$(jdk_home)
    version=$("$jdk/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.runtime.version/ {print $2; exit}')
    ctx="$IMAGE_CACHE/jre-context.$$"
    rm -rf "$ctx"; mkdir -p "$ctx/app"
    "$jdk/bin/java" -Djarmode=tools -jar "$jar" extract --destination "$ctx/app" >/dev/null || die "cannot extract $jar"
    modules=$("$jdk/bin/jdeps" --ignore-missing-deps --multi-release "${version%%.*}" --print-module-deps \
        "$ctx"/app/lib/*.jar "$ctx/app/kubeforward.jar") || die "jdeps failed on $jar"
    rm -rf "$ctx/app"
    JRE_MODULES="$modules,$JRE_EXTRA_MODULES"
    local key
    key=$(printf '%s %s %s %s' "$BASE_IMAGE" "$version" "$JRE_MODULES" "$(cat "$HERE/node/images/jre/Containerfile")" | sha256sum | cut -c1-12)
    JRE_IMAGE_REF=localhost/kubeforward-test/jre:25-$key
    if [[ ! -f "$IMAGE_CACHE/$(echo "$JRE_IMAGE_REF" | tr '/:' '__').tar" ]]; then
        log "jlink: a runtime with $JRE_MODULES from $jdk ($version)"
        "$jdk/bin/jlink" --add-modules "$JRE_MODULES" --strip-debug --no-header-files --no-man-pages \
            --compress=zip-6 --generate-cds-archive --output "$ctx/openjdk" || die "jlink failed"
        cp "$HERE/node/images/jre/Containerfile" "$ctx/"
        build_image "$JRE_IMAGE_REF" "$ctx" "$ctx/Containerfile" --build-arg "BASE=$BASE_IMAGE" >/dev/null
    fi
    rm -rf "$ctx"
    podman_node image exists "$JRE_IMAGE_REF" || podman_node load -i "$IMAGE_CACHE/$(echo "$JRE_IMAGE_REF" | tr '/:' '__').tar" >/dev/null
}

# The images the node needs before kubeforward's: pause, coredns (kube-dns), nodelocaldns, tools.
node_images() {
    local ctx key coredns
    base_image
    coredns=$(coredns_binary) || die "building CoreDNS failed"
    # pause
    ctx="$IMAGE_CACHE/pause-context"; rm -rf "$ctx"; mkdir -p "$ctx"
    cp "$BIN_DIR/pause" "$ctx/pause"
    printf 'FROM scratch\nCOPY pause /pause\nENTRYPOINT ["/pause"]\n' >"$ctx/Containerfile"
    PAUSE_ARCHIVE=$(build_image "$PAUSE_IMAGE" "$ctx" "$ctx/Containerfile")
    # coredns
    key=$(inputs_hash "$coredns" "$HERE/node/images/coredns/Containerfile")
    COREDNS_IMAGE=localhost/kubeforward-test/coredns:$key
    ctx="$IMAGE_CACHE/coredns-context"; rm -rf "$ctx"; mkdir -p "$ctx"
    cp "$coredns" "$ctx/coredns"; cp "$HERE/node/images/coredns/Containerfile" "$ctx/"
    COREDNS_ARCHIVE=$(build_image "$COREDNS_IMAGE" "$ctx" "$ctx/Containerfile")
    # nodelocaldns
    key=$(inputs_hash "$coredns" "$HERE/node/images/nodelocaldns/Containerfile" "$HERE/node/images/nodelocaldns/node-cache.sh" <(echo "$BASE_IMAGE"))
    NODELOCALDNS_IMAGE=localhost/kubeforward-test/nodelocaldns:$key
    ctx="$IMAGE_CACHE/nodelocaldns-context"; rm -rf "$ctx"; mkdir -p "$ctx"
    cp "$coredns" "$ctx/coredns"; cp "$HERE/node/images/nodelocaldns/"* "$ctx/"
    NODELOCALDNS_ARCHIVE=$(build_image "$NODELOCALDNS_IMAGE" "$ctx" "$ctx/Containerfile" --build-arg "BASE=$BASE_IMAGE")
    # tools
    local tools_tar
    tools_tar=$(debian_rootfs tools "$TOOLS_PACKAGES")
    local tools_base=localhost/kubeforward-test/debian-tools:$(basename "$tools_tar" .tar | sed 's/.*-//')
    import_rootfs_image "$tools_base" "$tools_tar" >/dev/null
    podman_node image exists "$tools_base" || podman_node load -i "$IMAGE_CACHE/$(echo "$tools_base" | tr '/:' '__').tar" >/dev/null
    key=$(inputs_hash "$HERE/node/images/tools/"* <(echo "$tools_base"))
    TOOLS_IMAGE=localhost/kubeforward-test/tools:$key
    ctx="$IMAGE_CACHE/tools-context"; rm -rf "$ctx"; mkdir -p "$ctx"
    cp "$HERE/node/images/tools/"* "$ctx/"
    TOOLS_ARCHIVE=$(build_image "$TOOLS_IMAGE" "$ctx" "$ctx/Containerfile" --build-arg "BASE=$tools_base")
    podman_done
}

# kubeforward's image from the repository's Dockerfile, FROM the local jre image; prints the reference.
kubeforward_image() {
    local repo jar key
    repo=$(cd "$HERE/.." && pwd)
    jar="$repo/target/kubeforward.jar"
    [[ -f "$jar" ]] || die "$jar not found: build it first (./mvnw -B -DskipTests package)"
    jre_image "$jar"
    key=$(inputs_hash "$jar" "$repo/Dockerfile" "$repo/.dockerignore" "$repo/bin/kubeforward" <(echo "$JRE_IMAGE_REF"))
    KUBEFORWARD_IMAGE=localhost/kubeforward:dev-$key
    KUBEFORWARD_ARCHIVE=$(build_image "$KUBEFORWARD_IMAGE" "$repo" "$repo/Dockerfile" --build-arg "JRE_IMAGE=$JRE_IMAGE_REF")
    podman_done
}

import_image() {
    local archive=$1
    node_ctr images import --no-unpack=false "$archive" >/dev/null 2>&1 || node_ctr images import "$archive" >/dev/null \
        || die "importing $archive into the node failed"
}
