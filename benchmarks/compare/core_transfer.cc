#include "troupe/benchmarks/compare/core_transfer.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace troupe::benchmarks {
namespace {

void PinSelf(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

// One round: `transfers` one-way transfers of the counter's line; ns per transfer.
double BounceOnce(int cpu_a, int cpu_b, long transfers) {
  alignas(64) std::atomic<long> counter{-2};  // -2, -1: the threads are still pinning
  std::chrono::steady_clock::duration elapsed{};
  // Each thread waits for its parity, then passes the counter on: every increment
  // moves the line to the other core. acquire/release: only the counter matters.
  auto player = [&counter, transfers](int cpu, long first,
                                      std::chrono::steady_clock::duration* timed) {
    PinSelf(cpu);
    counter.fetch_add(1, std::memory_order_acq_rel);
    while (counter.load(std::memory_order_acquire) < 0) {
    }
    const auto start = std::chrono::steady_clock::now();
    for (long turn = first; turn < transfers; turn += 2) {
      while (counter.load(std::memory_order_acquire) != turn) {
      }
      counter.store(turn + 1, std::memory_order_release);
    }
    if (timed != nullptr) {
      while (counter.load(std::memory_order_acquire) != transfers) {
      }
      *timed = std::chrono::steady_clock::now() - start;
    }
  };
  // The calling thread only joins (it must not take a CPU from the two players).
  std::thread a(player, cpu_a, 0, &elapsed);
  std::thread b(player, cpu_b, 1, nullptr);
  a.join();
  b.join();
  return std::chrono::duration<double, std::nano>(elapsed).count() / transfers;
}

}  // namespace

std::optional<CoreTransfer> MeasureCoreTransfer(long transfers_per_round, int rounds) {
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) return std::nullopt;
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE && cpus.size() < 2; ++cpu) {
    if (CPU_ISSET(cpu, &allowed)) cpus.push_back(cpu);
  }
  if (cpus.size() < 2) return std::nullopt;
  std::vector<double> times;
  for (int round = 0; round < std::max(1, rounds); ++round) {
    times.push_back(BounceOnce(cpus[0], cpus[1], std::max(2L, transfers_per_round)));
  }
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  return CoreTransfer{cpus[0], cpus[1], times[times.size() / 2]};
}

}  // namespace troupe::benchmarks
