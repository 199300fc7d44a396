// What the C++ peer programs of compare_with_peers.sh share (caf/actor_peers.cpp,
// boost_fiber/micro_peers.cpp): their flags (-procs N, -reps N) and their result
// lines, in the format the Go peers print and the script reads:
//
//   name=BM_Skynet items=1000000 seconds=0.123456 items_per_second=8.1e6
//
// (with ` cpu_ns_per_item=512` at the end where the CPU per item is the figure).
//
// Header-only: the script compiles each peer as one file with `-I .` (from the
// repository root), outside Bazel.
#ifndef TROUPE_BENCHMARKS_PEER_PROGRAM_H_
#define TROUPE_BENCHMARKS_PEER_PROGRAM_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace troupe::benchmarks {

struct PeerFlags {
  int procs = 2;  // threads that run the peer's actors or fibers
  int reps = 5;   // timed repetitions per workload
};

// Parses -procs/-reps (also --name and name=value spellings); on bad input prints
// the usage of `program` and exits 2.
inline PeerFlags ParsePeerFlags(const char* program, int argc, char** argv) {
  PeerFlags flags;
  auto usage = [program] {
    std::fprintf(stderr, "usage: %s [-procs N] [-reps N]  (N >= 1)\n", program);
    std::exit(2);
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    const std::size_t start = arg.find_first_not_of('-');
    if (start == 0 || start == std::string::npos) usage();
    std::string name = arg.substr(start), value;
    if (const std::size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      usage();
    }
    char* end = nullptr;
    const long parsed = std::strtol(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0' || parsed < 1 || parsed > 1 << 20) usage();
    if (name == "procs") {
      flags.procs = static_cast<int>(parsed);
    } else if (name == "reps") {
      flags.reps = static_cast<int>(parsed);
    } else {
      usage();
    }
  }
  return flags;
}

// `v` with 4 significant digits in compact exponent form, as the Go peers' report
// package prints it: 8100000 -> "8.1e6", 1234567 -> "1.235e6".
inline std::string FormatRate(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.3e", v);  // e.g. "8.100e+06", "inf"
  std::string s = buffer;
  const std::size_t e = s.find('e');
  if (e == std::string::npos) return s;
  std::string mantissa = s.substr(0, e);
  while (mantissa.back() == '0') mantissa.pop_back();
  if (mantissa.back() == '.') mantissa.pop_back();
  return mantissa + "e" + std::to_string(std::atoi(s.c_str() + e + 1));
}

// Prints one repetition's result line (and flushes: the script tees it live), with
// `extra` (" key=value" fields) at its end.
inline void ReportRepetition(const char* name, int64_t items,
                             std::chrono::steady_clock::duration elapsed,
                             const std::string& extra = "") {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  std::printf("name=%s items=%lld seconds=%.6f items_per_second=%s%s\n", name,
              static_cast<long long>(items), seconds,
              FormatRate(static_cast<double>(items) / seconds).c_str(), extra.c_str());
  std::fflush(stdout);
}

// As ReportRepetition, with the process's CPU time per item (` cpu_ns_per_item=512`)
// for workloads whose wall time is bound by a period.
inline void ReportRepetitionWithCpu(const char* name, int64_t items,
                                    std::chrono::steady_clock::duration elapsed,
                                    double cpu_ns) {
  char extra[64];
  std::snprintf(extra, sizeof extra, " cpu_ns_per_item=%.0f", cpu_ns / static_cast<double>(items));
  ReportRepetition(name, items, elapsed, extra);
}

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_PEER_PROGRAM_H_
