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

// A round gives up after this long: on a loaded machine a player waits a whole time
// slice for the other to be scheduled, and 100,000 transfers would take minutes.
constexpr std::chrono::milliseconds kRoundBudget{10};

// One round: up to `transfers` one-way transfers of the counter's line, within
// kRoundBudget; ns per transfer made.
double BounceOnce(int cpu_a, int cpu_b, long transfers) {
  alignas(64) std::atomic<long> counter{-2};  // -2, -1: the threads are still pinning
  // Relaxed: it only ends player b's loop early; the joins order the results.
  std::atomic<bool> stop{false};
  std::chrono::steady_clock::duration elapsed{};
  long made = transfers;
  // Each thread waits for its parity, then passes the counter on: every increment
  // moves the line to the other core. acquire/release: only the counter matters.
  auto player = [&counter, &stop, transfers](int cpu, long first,
                                             std::chrono::steady_clock::duration* timed,
                                             long* made) {
    PinSelf(cpu);
    counter.fetch_add(1, std::memory_order_acq_rel);
    while (counter.load(std::memory_order_acquire) < 0) {
    }
    const auto start = std::chrono::steady_clock::now();
    for (long turn = first; turn < transfers; turn += 2) {
      while (counter.load(std::memory_order_acquire) != turn) {
        if (stop.load(std::memory_order_relaxed)) return;
      }
      if (timed != nullptr && turn % 1024 == 0 &&
          std::chrono::steady_clock::now() - start > kRoundBudget) {
        *timed = std::chrono::steady_clock::now() - start;
        *made = turn;
        stop.store(true, std::memory_order_relaxed);
        return;
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
  std::thread a(player, cpu_a, 0, &elapsed, &made);
  std::thread b(player, cpu_b, 1, nullptr, nullptr);
  a.join();
  b.join();
  return std::chrono::duration<double, std::nano>(elapsed).count() / std::max(1L, made);
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
