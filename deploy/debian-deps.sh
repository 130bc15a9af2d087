# Shared by deploy/quickstart.sh, tests/run.sh and tests/bench/: installs the Debian 12
# packages Vigil builds with, builds, finds free ports. Sourced, not run.
#
# vigil_ensure_packages PKG...: installs the missing ones with apt-get when running as
# root; otherwise prints the exact command to run and returns 1.

VIGIL_BUILD_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev
  libabsl-dev librocksdb-dev libssl-dev libyaml-cpp-dev libre2-dev
  libcli11-dev nlohmann-json3-dev libzstd-dev zlib1g-dev libsystemd-dev libcpp-httplib-dev
  libcurl4-openssl-dev libpq-dev
)

vigil_missing_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  echo "${missing[@]}"
}

vigil_ensure_packages() {
  local missing
  missing=$(vigil_missing_packages "$@")
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "Vigil needs these Debian packages. Install them, then run this again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y $missing" >&2
    return 1
  fi
  echo "installing: $missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# vigil_free_port FIRST LAST: prints the first loopback TCP port in the range that
# nothing listens on.
vigil_free_port() {
  local port
  for port in $(seq "$1" "$2"); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# vigil_build ROOT TARGET...: configures ROOT/build (once) and builds the targets.
vigil_build() {
  local root=$1
  shift
  if [ ! -f "$root/build/build.ninja" ]; then
    cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  cmake --build "$root/build" -j "$(nproc)" --target "$@"
}
