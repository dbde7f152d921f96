# kubeforward container image. Notes and trade-offs: docs/container.md.
# Needs the packaged jar first (./mvnw -B package), then e.g.: docker build -t kubeforward:0.1.0 .
# JRE_IMAGE: a Debian or Ubuntu based image with a Java 25 runtime on PATH (apt-get below); the test node builds
# one here (test-cluster/node/images.bash: debootstrap + jlink) and passes it as --build-arg JRE_IMAGE=...
ARG JRE_IMAGE=eclipse-temurin:25-jre

# Split the Spring Boot jar into its layers (dependencies change rarely, the application often), so an image
# rebuilt after a code change reuses the large dependencies layer.
FROM ${JRE_IMAGE} AS layers
WORKDIR /build
COPY target/kubeforward.jar kubeforward.jar
# Plain layout (kubeforward.jar + lib/, no nested-jar launcher): what the JDK's AOT cache needs.
RUN java -Djarmode=tools -jar kubeforward.jar extract --layers --destination extracted

FROM ${JRE_IMAGE}
# The node setup runs the node's network tools: ip (iproute2) for the interface, iptables/ip6tables for the
# NOTRACK rules. The iptables package brings both backends (iptables-nft, iptables-legacy); kubeforward uses the
# one that already holds the node's rules.
# A base that already has them (the test node's) needs no package download.
RUN if command -v ip >/dev/null && command -v iptables-nft >/dev/null && command -v iptables-legacy >/dev/null; then \
      echo "iproute2 and iptables already present"; \
    else \
      apt-get update \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends iproute2 iptables \
      && rm -rf /var/lib/apt/lists/*; \
    fi
LABEL org.opencontainers.image.title="kubeforward" \
      org.opencontainers.image.description="Node-local DNS forwarder for Kubernetes"
# A user for running without the node setup (e.g. the local profile). The Helm chart runs the container as root
# with every capability dropped but NET_ADMIN and NET_BIND_SERVICE: see docs/container.md.
RUN groupadd --system --gid 65532 kubeforward \
 && useradd --system --uid 65532 --gid 65532 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin kubeforward
WORKDIR /app
COPY --from=layers /build/extracted/dependencies/ ./
COPY --from=layers /build/extracted/spring-boot-loader/ ./
COPY --from=layers /build/extracted/snapshot-dependencies/ ./
COPY --from=layers /build/extracted/application/ ./
COPY bin/kubeforward ./kubeforward
# The AOT cache (JDK 25): a training run with the launcher's JVM options (io.kubeforward.AotTraining: the application
# forwards and caches UDP and TCP queries to a stub upstream on the build's loopback for 8 s, serves its actuator, shuts
# down) writes /app/kubeforward.aot: classes loaded and linked, with their profiles (docs/performance.md, "Startup").
# It is valid only for this JDK and this class path, so it is made here, in the image that runs it.
RUN ./kubeforward --prepare && rm -f aot-training.log
USER 65532:65532
# bin/kubeforward: the tuned JVM options (KUBEFORWARD_JVM_OPTS, the chart's jvmOptions, replaces them) and the cache.
ENTRYPOINT ["/app/kubeforward"]
