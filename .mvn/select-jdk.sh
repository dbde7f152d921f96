# Sourced (POSIX sh) by ./mvnw and by .ci/select-jdk: makes JAVA_HOME a JDK >= 21, the release the build
# compiles for, without the user having to set it. Keeps a JAVA_HOME that is already >= 21, else java on PATH
# if that is >= 21, else the newest JDK >= 21 in the usual places (Debian/Ubuntu /usr/lib/jvm, RPM /usr/java,
# /opt, macOS, SDKMAN!, IntelliJ's ~/.jdks, asdf). With none, it stops with one line saying what to install.
# Works under `set -euf` (mvnw's): globbing is switched on only while it looks. With KF_SELECT_JDK_DEFINE_ONLY=1 it
# only defines its functions (.ci/check-wrapper-jdk uses kf_jdk_major).

kf_jdk_needed=21

# The feature version (21, 25, ...) of the JDK at $1, from its release file (no JVM start), else from java itself;
# nothing when $1 is not a JDK (javac missing).
kf_jdk_major() {
  [ -x "$1/bin/javac" ] && [ -x "$1/bin/java" ] || return 0
  kf_v=""
  [ -r "$1/release" ] && kf_v=$(sed -n 's/^JAVA_VERSION="\([0-9.]*\).*/\1/p' "$1/release" | head -n 1)
  [ -n "$kf_v" ] || kf_v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n 1)
  case "$kf_v" in
  1.*) kf_v=${kf_v#1.} ;;
  esac
  kf_v=${kf_v%%.*}
  case "$kf_v" in
  '' | *[!0-9]*) ;;
  *) printf '%s\n' "$kf_v" ;;
  esac
}

# The JDK home of the javac on PATH, if any.
kf_path_jdk() {
  kf_javac=$(command -v javac 2>/dev/null) || return 0
  kf_javac=$(readlink -f "$kf_javac" 2>/dev/null || printf '%s' "$kf_javac")
  dirname "$(dirname "$kf_javac")"
}

# "JDK 17", or $2 when $1 (a major version) is empty.
kf_describe() {
  if [ -n "$1" ]; then printf 'JDK %s' "$1"; else printf '%s' "$2"; fi
}

kf_select_jdk() {
  if [ -n "${JAVA_HOME-}" ]; then
    kf_major=$(kf_jdk_major "$JAVA_HOME")
    [ "${kf_major:-0}" -ge "$kf_jdk_needed" ] && return 0
    kf_had="JAVA_HOME=$JAVA_HOME is $(kf_describe "$kf_major" "not a JDK")"
  else
    kf_home=$(kf_path_jdk)
    kf_major=""
    [ -n "$kf_home" ] && kf_major=$(kf_jdk_major "$kf_home")
    if [ "${kf_major:-0}" -ge "$kf_jdk_needed" ]; then
      JAVA_HOME=$kf_home
      export JAVA_HOME
      return 0
    fi
    kf_had="java on PATH is $(kf_describe "$kf_major" "missing")"
  fi
  kf_best=""
  kf_best_major=0
  kf_restore_f=false
  case $- in *f*) kf_restore_f=true; set +f ;; esac
  for kf_home in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /opt/*/jdk* \
    /Library/Java/JavaVirtualMachines/*/Contents/Home "${HOME:-/nonexistent}"/.sdkman/candidates/java/* \
    "${HOME:-/nonexistent}"/.jdks/* "${HOME:-/nonexistent}"/.asdf/installs/java/*; do
    [ -d "$kf_home" ] || continue
    kf_major=$(kf_jdk_major "$kf_home")
    if [ "${kf_major:-0}" -gt "$kf_best_major" ]; then
      kf_best=$kf_home
      kf_best_major=$kf_major
    fi
  done
  if $kf_restore_f; then set -f; fi
  if [ "$kf_best_major" -lt "$kf_jdk_needed" ]; then
    echo "kubeforward needs a JDK $kf_jdk_needed or newer and found none ($kf_had; none in /usr/lib/jvm, /usr/java, /opt, ~/.sdkman, ~/.jdks): install one, e.g. 'apt-get install openjdk-21-jdk-headless' or Temurin 25, or set JAVA_HOME to it" >&2
    exit 1
  fi
  echo "kubeforward: $kf_had; using JDK $kf_best_major at $kf_best" >&2
  JAVA_HOME=$kf_best
  export JAVA_HOME
}

[ "${KF_SELECT_JDK_DEFINE_ONLY:-}" = 1 ] || kf_select_jdk
