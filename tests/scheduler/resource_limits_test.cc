// What the runtime does at a resource limit: a fiber that cannot get a stack fails
// with ResourceExhausted (its Join says which limit and how to raise it), the failure
// is counted, and the process goes on. Provoked with a low address-space limit
// (RLIMIT_AS) in a child process.
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/semaphore.h"
#include "troupe/scheduler/wait_group.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
// (The sanitizers reserve terabytes of shadow memory, so an address-space limit means
// nothing under them; the plain configuration covers this.)

std::size_t VirtualMemoryBytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmSize:", 0) == 0) return std::stoul(line.substr(7)) * 1024;
  }
  return 0;
}

// The child's body: returns the exit status the test expects (0) or why not.
int SpawnPastTheLimit() {
  RuntimeOptions options;
  options.procs = 2;
  auto runtime = Runtime::Create(options);
  if (!runtime.ok()) return 10;
  // Start the runtime's threads while their stacks can still be mapped.
  WaitGroup warm(64);
  for (int i = 0; i < 64; ++i) (*runtime)->Spawn([&] { warm.Done(); });
  warm.Wait();

  // Exhausting the address space with stacks must not starve the heap (a Status's
  // message, a thread's first malloc): keep every thread on the main arena and give
  // it 16 MiB of free memory that it keeps rather than trims.
  mallopt(M_ARENA_MAX, 1);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  {
    std::vector<std::unique_ptr<char[]>> blocks;
    for (int i = 0; i < 256; ++i) blocks.push_back(std::make_unique<char[]>(64 << 10));
  }

  rlimit limit{};
  getrlimit(RLIMIT_AS, &limit);
  limit.rlim_cur = VirtualMemoryBytes() + (std::size_t{48} << 20);
  if (setrlimit(RLIMIT_AS, &limit) != 0) return 12;

  constexpr int kFibers = 3000;  // 3000 x 68 KiB of stacks: far past 48 MiB
  Semaphore gate(0);
  std::atomic<int> parked{0};
  std::vector<JoinHandle> fibers;
  fibers.reserve(kFibers);
  bool settled = false;
  absl::Status run = (*runtime)->Run([&] {
    for (int i = 0; i < kFibers; ++i) {
      fibers.push_back(Spawn([&] {
        parked.fetch_add(1);
        (void)gate.Acquire();
      }));
    }
    // Every fiber has either got a stack and is about to park on the gate, or failed
    // to start; only then open the gate, so that stacks are held, not reused.
    settled = testing::WaitUntil(
        [&] { return parked.load() + (*runtime)->Stats().stack_failures >= kFibers; },
        "every fiber has got a stack or failed to");
    gate.Release(kFibers);
  });
  if (!run.ok()) return 13;
  if (!settled) return 18;
  int failed = 0;
  int finished = 0;
  std::string example;
  for (JoinHandle& fiber : fibers) {
    const absl::Status joined = fiber.Join();
    if (joined.ok()) {
      ++finished;
    } else if (absl::IsResourceExhausted(joined)) {
      ++failed;
      example = std::string(joined.message());
    } else {
      std::fprintf(stderr, "unexpected: %s\n", joined.ToString().c_str());
      return 14;
    }
  }
  const RuntimeStats stats = (*runtime)->Stats();
  std::fprintf(stderr, "finished=%d failed=%d stack_failures=%llu example: %s\n", finished,
               failed, static_cast<unsigned long long>(stats.stack_failures),
               example.c_str());
  if (failed == 0 || finished == 0) return 15;
  if (stats.stack_failures < static_cast<uint64_t>(failed)) return 16;
  if (example.find("ulimit -v") == std::string::npos) return 17;
  return 0;
}

TEST(ResourceLimitsExitTest, FibersWithoutAStackFailWithResourceExhaustedAndTheProcessGoesOn) {
  EXPECT_EXIT(_exit(SpawnPastTheLimit()), ::testing::ExitedWithCode(0), "failed=[1-9]");
}

#endif

}  // namespace
}  // namespace troupe
