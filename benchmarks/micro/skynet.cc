#include "troupe/benchmarks/micro/skynet.h"

#include <cstdio>
#include <cstdlib>

#include "troupe/scheduler/runtime.h"

namespace troupe::benchmarks {

int64_t Skynet(int64_t first, int64_t size) {
  if (size == 1) return first;
  constexpr int kFanOut = 10;
  const int64_t child_size = size / kFanOut;
  int64_t results[kFanOut];
  JoinHandle children[kFanOut];
  for (int i = 0; i < kFanOut; ++i) {
    children[i] = Spawn([&results, i, first, child_size] {
      results[i] = Skynet(first + i * child_size, child_size);
    });
  }
  int64_t sum = 0;
  for (int i = 0; i < kFanOut; ++i) {
    if (!children[i].Join().ok()) {
      std::fprintf(stderr, "skynet: a child fiber failed\n");
      std::abort();
    }
    sum += results[i];
  }
  return sum;
}

}  // namespace troupe::benchmarks
