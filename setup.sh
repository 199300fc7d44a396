#!/usr/bin/env bash
# Installs everything troupe needs on a fresh Debian 12 machine. Idempotent: safe to rerun.
# Run as root (or through sudo). Needs only Debian's package archive; nothing is downloaded elsewhere.
set -euo pipefail

packages=(
  bazel-bootstrap        # Bazel 4.2.3; the WORKSPACE keeps it offline
  g++                    # the compiler, with libasan/libubsan/libtsan for the sanitizer configs
  libboost-context-dev   # fiber context switching
  libabsl-dev            # Status, time, strings, flags
  libconcurrentqueue-dev # moodycamel's MPMC queue
  libgtest-dev           # unit tests
  libgmock-dev
  libbenchmark-dev       # micro-benchmarks
  golang-go              # the Go peer programs in benchmarks/; `go tool pprof` in tests/profiling
  zlib1g-dev             # gzipped pprof profiles (//profiling)
  libcaf-dev             # CAF 0.17, the actor peer programs in benchmarks/caf/
  libboost-fiber-dev     # Boost.Fiber 1.74, the fiber peer programs in benchmarks/boost_fiber/
  python3                # benchmark comparison scripts
  libhttp-parser-dev     # the HTTP service's request parser
  clang-14               # services/fuzz/run_fuzzer.sh: libFuzzer needs clang (-fsanitize=fuzzer)
  libclang-rt-14-dev     # libFuzzer and clang's sanitizer runtimes, for services/fuzz/run_fuzzer.sh
  wrk                    # HTTP load generator for benchmarks/http_load.sh
  cmake                  # the CMake build and its consumer check (.ci/consumers.sh)
  make                   # the pkg-config consumer (examples/pkg_config_consumer/Makefile)
  pkgconf                # pkg-config, for that consumer
  nats-server            # //remote's tests and benchmarks start their own on loopback
  libnats-dev            # the NATS C client, //remote's transport
  libprotobuf-dev        # protobuf messages, //remote's default codec
  protobuf-compiler      # protoc, run by troupe_cc_proto_library (bazel/proto.bzl)
  libspdlog-dev          # README's sample routing troupe's log to spdlog (.ci/check_readme_samples.sh)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi

# Every fiber stack is two memory mappings (a guard page and the stack), and the
# kernel's default limit of 65530 mappings per process caps a program at about 32,000
# live fibers. Raise it the way databases and search engines ask for (best effort:
# containers may not allow it; troupe then still works below that many fibers).
if [[ $(cat /proc/sys/vm/max_map_count 2>/dev/null || echo 0) -lt 1048576 ]]; then
  if [[ $(id -u) -eq 0 ]]; then
    sysctl -q -w vm.max_map_count=1048576 || echo "setup: could not raise vm.max_map_count"
  else
    sudo sysctl -q -w vm.max_map_count=1048576 || echo "setup: could not raise vm.max_map_count"
  fi
fi
