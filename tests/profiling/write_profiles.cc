// Writes a CPU profile and a fiber profile of a constructed workload to a directory,
// for pprof_tool_test.sh to read with `go tool pprof`:
//   cpu.pb.gz    a fiber named "spinner" burning CPU in BurnCpuInSpinner
//   fiber.pb.gz  three fibers named "receiver" parked on a channel receive in
//                ReceiveInParkedReceiver
//   block.pb.gz  the same receivers' waits, once they were sent their values
//   mutex.pb.gz  a Mutex contended while a fiber named "holder" held it, released
//                in UnlockInHolder
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "troupe/profiling/block_profile.h"
#include "troupe/profiling/cpu_profiler.h"
#include "troupe/profiling/fiber_profile.h"
#include "troupe/profiling/labels.h"
#include "troupe/profiling/mutex_profile.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/mutex.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/tests/profiling/cpu_burner.h"
#include "troupe/tests/scheduler/test_support.h"

namespace {

__attribute__((noinline)) void ReceiveInParkedReceiver(troupe::Channel<int>& channel) {
  (void)channel.Recv();
  asm volatile("");  // keeps the call above from being a tail call
}

bool Write(const std::string& path, const troupe::profiling::Profile& profile) {
  absl::StatusOr<std::string> encoded = troupe::profiling::EncodePprof(profile);
  if (!encoded.ok()) {
    std::fprintf(stderr, "encoding %s: %s\n", path.c_str(), encoded.status().ToString().c_str());
    return false;
  }
  std::ofstream(path, std::ios::binary) << *encoded;
  return true;
}

__attribute__((noinline)) void UnlockInHolder(troupe::Mutex& mutex) {
  mutex.Unlock();
  asm volatile("");
}

// Waits (bounded) until `count` fibers are parked on `reason`: waiting, not still on
// their way to park ("parking"), when a profile would catch them without a stack.
bool WaitForParked(troupe::Runtime& runtime, const char* reason, int count) {
  for (int attempt = 0; attempt < 300'000; ++attempt) {
    if (troupe::testing::CountParked(runtime, reason) == count) return true;
    troupe::this_fiber::SleepFor(absl::Microseconds(100));
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIRECTORY\n", argv[0]);
    return 2;
  }
  const std::string directory = argv[1];
  if (!troupe::profiling::SetBlockProfileRate(1).ok() ||
      !troupe::profiling::SetMutexProfileFraction(1).ok()) {
    return 1;
  }
  auto runtime = troupe::Runtime::Create({.procs = 2});
  if (!runtime.ok()) return 1;
  bool ok = true;
  const absl::Status run = (*runtime)->Run([&] {
    if (!troupe::profiling::StartCpuProfile().ok()) {
      ok = false;
      return;
    }
    troupe::JoinHandle spinner = troupe::Spawn([] {
      troupe::profiling::SetFiberName("spinner");
      troupe::profiling_test::BurnCpuInSpinner(absl::Milliseconds(500));
    });
    (void)spinner.Join();
    absl::StatusOr<troupe::profiling::Profile> cpu = troupe::profiling::StopCpuProfile();
    ok = cpu.ok() && Write(directory + "/cpu.pb.gz", *cpu);

    troupe::Channel<int> channel(0);
    std::vector<troupe::JoinHandle> receivers;
    for (int i = 0; i < 3; ++i) {
      receivers.push_back(troupe::Spawn([&channel] {
        troupe::profiling::SetFiberName("receiver");
        ReceiveInParkedReceiver(channel);
      }));
    }
    if (!WaitForParked(**runtime, "channel receive", 3)) {
      std::fprintf(stderr, "the receivers did not park within 30 s\n");
      ok = false;
    } else {
      ok = Write(directory + "/fiber.pb.gz", troupe::profiling::FiberProfile(**runtime)) && ok;
    }
    for (int i = 0; i < 3; ++i) (void)channel.Send(i);
    for (troupe::JoinHandle& receiver : receivers) (void)receiver.Join();
    ok = Write(directory + "/block.pb.gz", troupe::profiling::BlockProfile()) && ok;

    troupe::profiling::SetFiberName("holder");
    troupe::Mutex mutex;
    mutex.Lock();
    troupe::JoinHandle waiter = troupe::Spawn([&mutex] { troupe::MutexLock lock(mutex); });
    if (!WaitForParked(**runtime, "mutex", 1)) {
      std::fprintf(stderr, "the mutex waiter did not park within 30 s\n");
      ok = false;
    }
    UnlockInHolder(mutex);
    (void)waiter.Join();
    ok = Write(directory + "/mutex.pb.gz", troupe::profiling::MutexProfile()) && ok;
  });
  return run.ok() && ok ? 0 : 1;
}
