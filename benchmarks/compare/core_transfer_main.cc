// Prints this machine's core-to-core cache-line transfer time (core_transfer.h), for
// scripts that run benchmarks outside the pattern comparison (compare_with_peers.sh).
#include <cstdio>

#include "troupe/benchmarks/compare/core_transfer.h"

int main() {
  const auto transfer = troupe::benchmarks::MeasureCoreTransfer();
  if (!transfer) {
    std::puts("n/a (fewer than two CPUs)");
    return 0;
  }
  std::printf("%.0f ns (CPU %d to CPU %d)\n", transfer->one_way_ns, transfer->from_cpu,
              transfer->to_cpu);
  return 0;
}
