// The two plain-thread references of the pattern comparison (compare_designs.h): the
// ceiling (the work split evenly, no queues, no clock reads; its checksum is the
// reference) and the handoff bound (one source handing records over lock-free rings,
// with the designs' clock reads: the best a design that moves records between cores
// can do).
#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "troupe/benchmarks/common/allocation_counter.h"
#include "troupe/benchmarks/compare/compare_designs.h"
#include "troupe/benchmarks/compare/compare_workload.h"
#include "troupe/benchmarks/compare/design_run.h"
#include "troupe/benchmarks/compare/latency_recorder.h"
#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/internal/spin_lock.h"

namespace troupe::benchmarks {

using design_internal::DueNs;
using design_internal::Item;
using design_internal::MakeShards;
using design_internal::PeakRssKb;
using design_internal::ResetPeakRss;
using design_internal::RunStages;
using design_internal::Shards;
using scheduler_internal::MonotonicNanos;

namespace {

// The row of a reference on plain threads (runtime "threads") that handled `records`
// in `elapsed_ns`: throughput, checksum, allocations since `allocations_before` per
// record, and peak RSS.
DesignResult PlainThreadsResult(const char* design, int64_t records, int64_t elapsed_ns,
                                uint64_t checksum, uint64_t allocations_before) {
  DesignResult result;
  result.design = design;
  result.runtime = "threads";
  result.records = records;
  result.seconds = static_cast<double>(elapsed_ns) / 1e9;
  result.throughput_rps = static_cast<double>(records) / result.seconds;
  result.checksum = checksum;
  result.allocs_per_record = static_cast<double>(AllocationCount() - allocations_before) /
                             static_cast<double>(records);
  result.peak_rss_kb = PeakRssKb();
  return result;
}

}  // namespace

DesignResult RunCeiling(int threads, const ErasedWorkload& w, const DesignOptions& options) {
  // A workload that waits gets a thread per concurrent wait, as many as the designs'
  // parallelism: thread-per-request, the plain-thread way to overlap waits.
  if (w.waits()) threads = std::max(threads, options.parallelism);
  const int64_t count = options.records;
  ResetPeakRss();
  const uint64_t allocations_before = AllocationCount();
  // Stateful: the state in shards, each behind a std::mutex. Ordered: every result and
  // key kept, folded in id order at the end.
  Shards shards = w.has_state() ? MakeShards(w, options.shards) : Shards();
  std::unique_ptr<std::mutex[]> locks(w.has_state() ? new std::mutex[options.shards] : nullptr);
  std::vector<uint64_t> results(w.ordered ? static_cast<std::size_t>(count) : 0);
  std::vector<uint64_t> keys(w.ordered ? static_cast<std::size_t>(count) : 0);
  std::vector<uint64_t> sums(threads, 0);
  const int64_t start = MonotonicNanos();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      Item item(&w);
      uint64_t sum = 0;
      for (int64_t id = count * t / threads; id < count * (t + 1) / threads; ++id) {
        w.fill(id, item.record);
        item.key = w.key ? w.key(item.record) : 0;
        RunStages(w, item);
        if (w.has_state()) {
          const auto shard = static_cast<std::size_t>(item.key % static_cast<uint64_t>(options.shards));
          std::lock_guard<std::mutex> lock(locks[shard]);
          shards[shard]->Update(item.record, item.key);
        }
        if (w.ordered) {
          results[static_cast<std::size_t>(id)] = w.result(item.record);
          keys[static_cast<std::size_t>(id)] = item.key;
        } else {
          sum += w.result(item.record);
        }
      }
      sums[t] = sum;
    });
  }
  for (std::thread& worker : workers) worker.join();
  uint64_t checksum = 0;
  for (uint64_t sum : sums) checksum += sum;
  if (w.ordered) {
    std::vector<uint64_t> chains(static_cast<std::size_t>(std::max<int64_t>(1, w.keys)));
    for (std::size_t k = 0; k < chains.size(); ++k) chains[k] = ChainStart(k);
    for (std::size_t id = 0; id < results.size(); ++id) {
      chains[keys[id]] = Chain(chains[keys[id]], results[id]);
    }
    for (uint64_t chain : chains) checksum += chain;
  }
  for (const auto& shard : shards) checksum += shard->Digest();
  return PlainThreadsResult("ceiling", count, MonotonicNanos() - start, checksum,
                            allocations_before);
}

bool HandoffApplies(const ErasedWorkload& w) {
  return !w.waits() && !w.has_state() && !w.ordered;
}

namespace {

// A bounded single-producer single-consumer ring of item pointers, lock-free: the
// cheapest hand-off between two threads there is (no parking, no fairness, no close).
// The producer owns tail_ and its slot index; the consumer owns head_ and its own.
// Release on the index a side publishes, acquire on the one it reads: an item's
// contents are visible to whoever pops it.
class SpscRing {
 public:
  explicit SpscRing(std::size_t capacity) : slots_(capacity) {}

  bool TryPush(Item* item) {
    const uint64_t tail = tail_.load(std::memory_order_relaxed);  // only this side writes it
    if (tail - head_seen_ == slots_.size()) {
      head_seen_ = head_.load(std::memory_order_acquire);  // pairs with TryPop's release
      if (tail - head_seen_ == slots_.size()) return false;
    }
    slots_[push_index_] = item;
    if (++push_index_ == slots_.size()) push_index_ = 0;
    tail_.store(tail + 1, std::memory_order_release);  // pairs with TryPop's acquire
    return true;
  }

  Item* TryPop() {
    const uint64_t head = head_.load(std::memory_order_relaxed);  // only this side writes it
    if (head == tail_seen_) {
      tail_seen_ = tail_.load(std::memory_order_acquire);  // pairs with TryPush's release
      if (head == tail_seen_) return nullptr;
    }
    Item* item = slots_[pop_index_];
    if (++pop_index_ == slots_.size()) pop_index_ = 0;
    head_.store(head + 1, std::memory_order_release);  // pairs with TryPush's acquire
    return item;
  }

 private:
  std::vector<Item*> slots_;
  alignas(64) std::atomic<uint64_t> tail_{0};  // pushes so far
  uint64_t head_seen_ = 0;                     // the producer's last look at head_
  std::size_t push_index_ = 0;
  alignas(64) std::atomic<uint64_t> head_{0};  // pops so far
  uint64_t tail_seen_ = 0;                     // the consumer's last look at tail_
  std::size_t pop_index_ = 0;
};

// A spinning thread's wait: pause, and after a while also give the CPU away, so that
// with more threads than CPUs (--procs above the CPU count) the thread with the data
// still gets to run.
class SpinWait {
 public:
  void Wait() {
    if (++spins_ % 64 == 0) {
      std::this_thread::yield();
    } else {
      scheduler_internal::CpuRelax();
    }
  }
  void Reset() { spins_ = 0; }

 private:
  uint32_t spins_ = 0;
};

}  // namespace

DesignResult RunHandoffBound(int threads, const ErasedWorkload& w, const DesignOptions& options) {
  const int64_t count = options.records;
  ResetPeakRss();
  const uint64_t allocations_before = AllocationCount();
  const int workers = threads - 1;
  std::vector<std::unique_ptr<SpscRing>> to_worker, from_worker;
  for (int i = 0; i < workers; ++i) {
    to_worker.push_back(std::make_unique<SpscRing>(options.capacity));
    from_worker.push_back(std::make_unique<SpscRing>(options.capacity));
  }
  std::vector<std::unique_ptr<Item>> owned;  // every item, for the end
  std::vector<Item*> free_items;
  LatencyRecorder latencies(count);
  int64_t received = 0;
  uint64_t checksum = 0;
  // Relaxed: it only ends the workers' loops; the joins order everything after it.
  std::atomic<bool> done{false};

  std::vector<std::thread> worker_threads;
  for (int i = 0; i < workers; ++i) {
    worker_threads.emplace_back([&, i] {
      SpinWait spin;
      while (!done.load(std::memory_order_relaxed)) {
        Item* item = to_worker[i]->TryPop();
        if (item == nullptr) {
          spin.Wait();
          continue;
        }
        spin.Reset();
        RunStages(w, *item);
        while (!from_worker[i]->TryPush(item)) spin.Wait();
      }
    });
  }
  // The source, the sink and one worker, on this thread.
  auto sink = [&](Item* item) {
    latencies.Add(MonotonicNanos() - item->emitted_ns);
    ++received;
    checksum += w.result(item->record);
    free_items.push_back(item);
  };
  auto drain = [&] {
    bool any = false;
    for (auto& ring : from_worker) {
      while (Item* item = ring->TryPop()) {
        sink(item);
        any = true;
      }
    }
    return any;
  };
  const int64_t start = MonotonicNanos();
  int next_worker = 0;
  for (int64_t id = 0; id < count; ++id) {
    if (free_items.empty()) {
      owned.push_back(std::make_unique<Item>(&w));
      free_items.push_back(owned.back().get());
    }
    Item* item = free_items.back();
    free_items.pop_back();
    item->id = id;
    w.fill(id, item->record);
    if (options.rate > 0) {
      const int64_t due = start + DueNs(id, options);
      SpinWait spin;
      while (MonotonicNanos() < due) {
        if (!drain()) spin.Wait();
      }
      item->emitted_ns = due;
    } else {
      item->emitted_ns = MonotonicNanos();
    }
    // To the next worker with room, or else this thread does it itself.
    bool handed = false;
    for (int k = 0; k < workers && !handed; ++k) {
      const int i = (next_worker + k) % workers;
      if (to_worker[i]->TryPush(item)) {
        handed = true;
        next_worker = (i + 1) % workers;
      }
    }
    if (!handed) {
      RunStages(w, *item);
      sink(item);
    }
    drain();
  }
  SpinWait spin;
  while (received < count) {
    if (!drain()) spin.Wait();
  }
  const int64_t end = MonotonicNanos();
  done.store(true, std::memory_order_relaxed);
  for (std::thread& t : worker_threads) t.join();

  DesignResult result =
      PlainThreadsResult("handoff", received, end - start, checksum, allocations_before);
  result.offered_rps = options.rate;
  design_internal::RecordLatencies(latencies.Summarize(), &result);
  return result;
}

}  // namespace troupe::benchmarks
