// Skynet: the classic fiber benchmark. A tree with fan-out 10 whose every node is a
// fiber; leaf i returns i, every parent sums its children. With 1,000,000 leaves the
// root's sum is 499999500000. Each child writes its result into its parent's frame
// and the parent collects them with JoinHandle::Join (the Go peer uses a channel).
#ifndef TROUPE_BENCHMARKS_SKYNET_H_
#define TROUPE_BENCHMARKS_SKYNET_H_

#include <cstdint>

namespace troupe::benchmarks {

inline constexpr int64_t kSkynetLeaves = 1'000'000;
inline constexpr int64_t kSkynetExpectedSum = 499'999'500'000;

// Fiber context only: the sum over leaves [first, first + size). `size` must be a
// power of 10.
int64_t Skynet(int64_t first, int64_t size);

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_SKYNET_H_
