# Shared by hack/run.sh and hack/test.sh: the JDK, and the Debian packages jcri runs with.
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
if [ ! -x "$JAVA_HOME/bin/java" ]; then
  echo "JDK 25 not found at $JAVA_HOME (set JAVA_HOME to a JDK 25)" >&2
  exit 1
fi

JCRI_PACKAGES=(runc crun conmon catatonit containernetworking-plugins iptables docker-registry skopeo
  umoci busybox-static criu jq curl iproute2 util-linux maven libssl3)

install_packages() {
  local missing=()
  for p in "${JCRI_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

if [ "$(id -u)" != 0 ]; then
  echo "run as root: jcrid mounts, creates namespaces and runs containers" >&2
  exit 1
fi
