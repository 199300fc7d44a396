// How long one cache line takes to move from one core to another on this machine,
// measured by two threads pinned to two CPUs that bounce a counter between them.
//
// Why the comparison reports it: every record a queue hands to another core moves
// its cache lines, and the ceiling (plain threads, no queues) moves none. On the
// shared VM these benchmarks were written on, the host sometimes places the two
// virtual CPUs far apart: the transfer then takes about 165 ns instead of about
// 30 ns, for tens of seconds at a time, and every queue-based design (troupe's and
// Go's alike) loses about a quarter of its throughput while the ceiling does not
// move. A run is only comparable with another measured at a similar transfer time.
#ifndef TROUPE_BENCHMARKS_CORE_TRANSFER_H_
#define TROUPE_BENCHMARKS_CORE_TRANSFER_H_

#include <optional>

namespace troupe::benchmarks {

struct CoreTransfer {
  int from_cpu;
  int to_cpu;
  double one_way_ns;  // median of several rounds
};

// The median of `rounds` rounds of `transfers_per_round` transfers between the first
// two CPUs the process may use; nothing if it may use fewer than two. The defaults
// take 10-100 ms; a round stops after 10 ms (on a loaded machine, where the players
// wait for each other's time slices, it then reports microseconds per transfer).
std::optional<CoreTransfer> MeasureCoreTransfer(long transfers_per_round = 100'000,
                                                int rounds = 5);

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_CORE_TRANSFER_H_
