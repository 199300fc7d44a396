#include "benchmarks/core_transfer.h"

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

// One round: `kTransfers` one-way transfers of the counter's line; ns per transfer.
double BounceOnce(int cpu_a, int cpu_b) {
  constexpr long kTransfers = 100'000;
  alignas(64) std::atomic<long> counter{-2};  // -2, -1: the threads are still pinning
  std::chrono::steady_clock::duration elapsed{};
  // Each thread waits for its parity, then passes the counter on: every increment
  // moves the line to the other core. acquire/release: only the counter matters.
  auto player = [&counter](int cpu, long first, std::chrono::steady_clock::duration* timed) {
    PinSelf(cpu);
    counter.fetch_add(1, std::memory_order_acq_rel);
    while (counter.load(std::memory_order_acquire) < 0) {
    }
    const auto start = std::chrono::steady_clock::now();
    for (long turn = first; turn < kTransfers; turn += 2) {
      while (counter.load(std::memory_order_acquire) != turn) {
      }
      counter.store(turn + 1, std::memory_order_release);
    }
    if (timed != nullptr) {
      while (counter.load(std::memory_order_acquire) != kTransfers) {
      }
      *timed = std::chrono::steady_clock::now() - start;
    }
  };
  // The calling thread only joins (it must not take a CPU from the two players).
  std::thread a(player, cpu_a, 0, &elapsed);
  std::thread b(player, cpu_b, 1, nullptr);
  a.join();
  b.join();
  return std::chrono::duration<double, std::nano>(elapsed).count() / kTransfers;
}

}  // namespace

std::optional<CoreTransfer> MeasureCoreTransfer() {
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) return std::nullopt;
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE && cpus.size() < 2; ++cpu) {
    if (CPU_ISSET(cpu, &allowed)) cpus.push_back(cpu);
  }
  if (cpus.size() < 2) return std::nullopt;
  std::vector<double> rounds;
  for (int round = 0; round < 5; ++round) rounds.push_back(BounceOnce(cpus[0], cpus[1]));
  std::nth_element(rounds.begin(), rounds.begin() + 2, rounds.end());
  return CoreTransfer{cpus[0], cpus[1], rounds[2]};
}

}  // namespace troupe::benchmarks
