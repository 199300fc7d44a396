// The designs of the pattern comparison. Each shares the same source (records
// generated on the fly into pooled buffers, closed or open loop) and the same sink
// (checksum, latency), so only the coordination in between differs. Two references
// on plain threads come with them: the ceiling (the work split evenly, no queues,
// no clock reads) and the handoff bound (one source handing records over lock-free
// rings, with the designs' clock reads: the best a design that moves records
// between cores can do).
#include "troupe/benchmarks/compare/compare_designs.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "troupe/actors/actor.h"
#include "troupe/benchmarks/common/allocation_counter.h"
#include "troupe/actors/actor_system.h"
#include "troupe/pipeline/pipeline.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/internal/spin_lock.h"
#include "troupe/scheduler/internal/thread_parker.h"
#include "troupe/scheduler/pool.h"
#include "troupe/scheduler/semaphore.h"
#include "troupe/scheduler/this_fiber.h"

namespace troupe::benchmarks {

namespace {

using RecordPtr = std::unique_ptr<Record>;

// Latencies and durations on the runtime's monotonic clock: a wall-clock step cannot
// distort them, and a read costs 23 ns here against 30 ns for
// absl::GetCurrentTimeNanos (two per record).
using scheduler_internal::MonotonicNanos;

// Resets the kernel's peak-RSS mark to the current RSS (Linux >= 4.0).
void ResetPeakRss() {
  std::ofstream clear_refs("/proc/self/clear_refs");
  clear_refs << "5";
}

int64_t PeakRssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return 0;
}

// p50/p95/p99/max and the kLatencyQuantiles of `latencies_ns` (not empty; sorted in
// place) into `result`, in µs.
void SummarizeLatencies(std::vector<int64_t>& latencies_ns, DesignResult* result) {
  std::vector<int64_t>& l = latencies_ns;
  std::sort(l.begin(), l.end());
  auto quantile_us = [&](double q) {
    const auto k = std::min(l.size() - 1, static_cast<std::size_t>(q * (l.size() - 1)));
    return static_cast<double>(l[k]) / 1000.0;
  };
  result->p50_us = quantile_us(0.50);
  result->p95_us = quantile_us(0.95);
  result->p99_us = quantile_us(0.99);
  result->max_us = static_cast<double>(l.back()) / 1000.0;
  result->latency_quantiles_us.clear();
  for (double q : kLatencyQuantiles) result->latency_quantiles_us.push_back(quantile_us(q));
}

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

// Everything one run shares: the record pool, the source's clock, the sink's totals.
class Run {
 public:
  explicit Run(const DesignOptions& options)
      : options_(options),
        pool_([size = options.workload.size] {
          auto record = std::make_unique<Record>();
          record->payload = std::make_unique<uint8_t[]>(size);
          return record;
        }),
        latencies_ns_(static_cast<std::size_t>(options.workload.count)) {}

  // The source: the next record, or nullptr when all have been emitted. Fiber
  // context (open loop parks until the record is due).
  RecordPtr Next() {
    if (next_id_ == options_.workload.count) return nullptr;
    const int64_t id = next_id_++;
    RecordPtr record = pool_.Get();
    record->id = id;
    FillPayload(id, record->payload.get(), options_.workload.size);
    if (options_.rate > 0) {
      const int64_t due =
          start_ns_ + static_cast<int64_t>(static_cast<double>(id) * 1e9 / options_.rate);
      // Never early: sleep while well ahead, then yield until due.
      if (const int64_t ahead = due - MonotonicNanos(); ahead > 50'000) {
        this_fiber::SleepFor(absl::Nanoseconds(ahead - 50'000));
      }
      while (MonotonicNanos() < due) this_fiber::Yield();
      record->emitted_ns = due;  // latency counts from when it was due: no coordinated omission
    } else {
      record->emitted_ns = MonotonicNanos();
    }
    return record;
  }

  // The sink (one fiber at a time).
  void Sink(RecordPtr record) {
    const int64_t now = MonotonicNanos();
    latencies_ns_[received_] = now - record->emitted_ns;
    if (++received_ == options_.workload.count) end_ns_ = now;
    checksum_ += record->hash;
    pool_.Put(std::move(record));
  }

  void Start() { start_ns_ = MonotonicNanos(); }

  DesignResult Finish(const char* design) {
    const int64_t end = end_ns_ != 0 ? end_ns_ : MonotonicNanos();  // the last record's arrival
    DesignResult result;
    result.design = design;
    result.runtime = "troupe";
    result.records = received_;
    result.seconds = static_cast<double>(end - start_ns_) / 1e9;
    result.throughput_rps = static_cast<double>(received_) / result.seconds;
    result.checksum = checksum_;
    if (received_ != options_.workload.count) {
      result.error = "sink received " + std::to_string(received_) + " records, expected " +
                     std::to_string(options_.workload.count);
      return result;
    }
    SummarizeLatencies(latencies_ns_, &result);
    return result;
  }

  const WorkloadParams& workload() const { return options_.workload; }

 private:
  const DesignOptions options_;
  Pool<Record> pool_;
  std::vector<int64_t> latencies_ns_;
  int64_t next_id_ = 0;
  int64_t start_ns_ = 0;
  int64_t received_ = 0;
  int64_t end_ns_ = 0;
  uint64_t checksum_ = 0;
};

// Runs `body` on the runtime, wrapped with the measurements every design reports.
template <typename Body>
DesignResult Measure(Runtime& runtime, const DesignOptions& options, const char* design,
                     Body body) {
  Run run(options);
  ResetPeakRss();
  const RuntimeStats before = runtime.Stats();
  const uint64_t allocations_before = AllocationCount();
  absl::Status status = runtime.Run([&] {
    run.Start();
    body(run);
  });
  DesignResult result = run.Finish(design);
  const RuntimeStats after = runtime.Stats();
  result.allocs_per_record = static_cast<double>(AllocationCount() - allocations_before) /
                             static_cast<double>(options.workload.count);
  result.peak_rss_kb = PeakRssKb();
  result.switches = after.switches - before.switches;
  result.steals = after.fibers_stolen - before.fibers_stolen;
  result.parks = after.machine_parks - before.machine_parks;
  if (!status.ok()) result.error = status.ToString();
  return result;
}

void CheckOk(const absl::Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "compare: %s\n", status.ToString().c_str());
    std::abort();
  }
}

}  // namespace

const DesignResult* FindResult(const std::vector<DesignResult>& results,
                               const std::string& design, const std::string& runtime) {
  for (const DesignResult& r : results) {
    if (r.design == design && r.runtime == runtime && r.error.empty()) return &r;
  }
  return nullptr;
}

DesignResult RunWorkerPool(Runtime& runtime, const DesignOptions& options) {
  return Measure(runtime, options, "worker_pool", [&](Run& run) {
    Channel<RecordPtr> jobs(options.capacity);
    Channel<RecordPtr> results(options.capacity);
    std::atomic<int> working{options.parallelism};
    std::vector<JoinHandle> fibers;
    fibers.push_back(Spawn([&] {
      while (RecordPtr record = run.Next()) CheckOk(jobs.Send(std::move(record)));
      CheckOk(jobs.Close());
    }));
    for (int w = 0; w < options.parallelism; ++w) {
      fibers.push_back(Spawn([&] {
        while (std::optional<RecordPtr> record = jobs.Recv()) {
          ProcessRecord(**record, run.workload());
          CheckOk(results.Send(std::move(*record)));
        }
        if (working.fetch_sub(1) == 1) CheckOk(results.Close());
      }));
    }
    while (std::optional<RecordPtr> record = results.Recv()) run.Sink(std::move(*record));
    for (JoinHandle& fiber : fibers) CheckOk(fiber.Join());
  });
}

DesignResult RunPipeline(Runtime& runtime, const DesignOptions& options) {
  return Measure(runtime, options, "pipeline", [&](Run& run) {
    const StageOptions stage{.parallelism = options.parallelism, .capacity = options.capacity};
    const WorkloadParams& w = run.workload();
    CheckOk(Pipeline<RecordPtr>::From([&](const Context&) -> std::optional<RecordPtr> {
              RecordPtr record = run.Next();
              if (record == nullptr) return std::nullopt;
              return record;
            })
                .Then("parse", [&w](RecordPtr r) { Parse(*r, w); return r; }, stage)
                .Then("validate", [&w](RecordPtr r) { Validate(*r, w); return r; }, stage)
                .Then("transform", [&w](RecordPtr r) { Transform(*r, w); return r; }, stage)
                .Sink("sink", [&](RecordPtr r) { run.Sink(std::move(r)); },
                      {.capacity = options.capacity})
                .Run());
  });
}

namespace {

// A stage actor: does its step, then tells the next stage (round-robin) or the sink.
class StepActor : public Actor<RecordPtr> {
 public:
  using Step = void (*)(Record&, const WorkloadParams&);
  StepActor(Step step, const WorkloadParams* workload, std::vector<ActorRef<RecordPtr>>* next)
      : step_(step), workload_(workload), next_(next) {}
  void Receive(RecordPtr& record) override {
    step_(*record, *workload_);
    const ActorRef<RecordPtr>& to = (*next_)[turn_++ % next_->size()];
    CheckOk(to.Tell(std::move(record)));
  }

 private:
  Step step_;
  const WorkloadParams* workload_;
  std::vector<ActorRef<RecordPtr>>* next_;
  std::size_t turn_ = 0;
};

class SinkActor : public Actor<RecordPtr> {
 public:
  SinkActor(Run* run, int64_t expected, Semaphore* done)
      : run_(run), remaining_(expected), done_(done) {}
  void Receive(RecordPtr& record) override {
    run_->Sink(std::move(record));
    if (--remaining_ == 0) done_->Release();
  }

 private:
  Run* run_;
  int64_t remaining_;
  Semaphore* done_;
};

}  // namespace

DesignResult RunActors(Runtime& runtime, const DesignOptions& options) {
  return Measure(runtime, options, "actors", [&](Run& run) {
    ActorSystem system(runtime);
    const ActorOptions mailbox{.mailbox_capacity = options.capacity,
                               .overflow = MailboxOverflow::kBlockSender};
    Semaphore done(0);
    std::vector<ActorRef<RecordPtr>> sink{
        system.Spawn<SinkActor>(mailbox, &run, run.workload().count, &done)};
    std::vector<ActorRef<RecordPtr>> transform, validate, parse;
    for (int i = 0; i < options.parallelism; ++i) {
      transform.push_back(system.Spawn<StepActor>(mailbox, &Transform, &run.workload(), &sink));
    }
    for (int i = 0; i < options.parallelism; ++i) {
      validate.push_back(system.Spawn<StepActor>(mailbox, &Validate, &run.workload(), &transform));
    }
    for (int i = 0; i < options.parallelism; ++i) {
      parse.push_back(system.Spawn<StepActor>(mailbox, &Parse, &run.workload(), &validate));
    }
    std::size_t turn = 0;
    while (RecordPtr record = run.Next()) {
      CheckOk(parse[turn++ % parse.size()].Tell(std::move(record)));
    }
    done.Acquire();
    for (auto* stage : {&parse, &validate, &transform, &sink}) {
      for (auto& actor : *stage) actor.Stop();
    }
    for (auto* stage : {&parse, &validate, &transform, &sink}) {
      for (auto& actor : *stage) CheckOk(actor.AwaitStop());
    }
  });
}

DesignResult RunCeiling(int threads, const DesignOptions& options) {
  const WorkloadParams& w = options.workload;
  ResetPeakRss();
  const uint64_t allocations_before = AllocationCount();
  std::vector<uint64_t> sums(threads, 0);
  const int64_t start = MonotonicNanos();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      Record record;
      record.payload = std::make_unique<uint8_t[]>(w.size);
      uint64_t sum = 0;
      for (int64_t id = w.count * t / threads; id < w.count * (t + 1) / threads; ++id) {
        record.id = id;
        FillPayload(id, record.payload.get(), w.size);
        ProcessRecord(record, w);
        sum += record.hash;
      }
      sums[t] = sum;
    });
  }
  for (std::thread& worker : workers) worker.join();
  uint64_t checksum = 0;
  for (uint64_t sum : sums) checksum += sum;
  return PlainThreadsResult("ceiling", w.count, MonotonicNanos() - start, checksum,
                            allocations_before);
}

namespace {

// A bounded single-producer single-consumer ring of record pointers, lock-free: the
// cheapest hand-off between two threads there is (no parking, no fairness, no close).
// The producer owns tail_ and its slot index; the consumer owns head_ and its own.
// Release on the index a side publishes, acquire on the one it reads: a record's
// contents are visible to whoever pops it.
class SpscRing {
 public:
  explicit SpscRing(std::size_t capacity) : slots_(capacity) {}

  bool TryPush(Record* record) {
    const uint64_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - head_seen_ == slots_.size()) {
      head_seen_ = head_.load(std::memory_order_acquire);
      if (tail - head_seen_ == slots_.size()) return false;
    }
    slots_[push_index_] = record;
    if (++push_index_ == slots_.size()) push_index_ = 0;
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

  Record* TryPop() {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    if (head == tail_seen_) {
      tail_seen_ = tail_.load(std::memory_order_acquire);
      if (head == tail_seen_) return nullptr;
    }
    Record* record = slots_[pop_index_];
    if (++pop_index_ == slots_.size()) pop_index_ = 0;
    head_.store(head + 1, std::memory_order_release);
    return record;
  }

 private:
  std::vector<Record*> slots_;
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

DesignResult RunHandoffBound(int threads, const DesignOptions& options) {
  const WorkloadParams& w = options.workload;
  ResetPeakRss();
  const uint64_t allocations_before = AllocationCount();
  const int workers = threads - 1;
  std::vector<std::unique_ptr<SpscRing>> to_worker, from_worker;
  for (int i = 0; i < workers; ++i) {
    to_worker.push_back(std::make_unique<SpscRing>(options.capacity));
    from_worker.push_back(std::make_unique<SpscRing>(options.capacity));
  }
  std::vector<std::unique_ptr<Record>> owned;  // every record, for the end
  std::vector<Record*> free_records;
  std::vector<int64_t> latencies_ns(static_cast<std::size_t>(w.count));
  int64_t received = 0;
  uint64_t checksum = 0;
  std::atomic<bool> done{false};

  std::vector<std::thread> worker_threads;
  for (int i = 0; i < workers; ++i) {
    worker_threads.emplace_back([&, i] {
      SpinWait spin;
      while (!done.load(std::memory_order_relaxed)) {
        Record* record = to_worker[i]->TryPop();
        if (record == nullptr) {
          spin.Wait();
          continue;
        }
        spin.Reset();
        ProcessRecord(*record, w);
        while (!from_worker[i]->TryPush(record)) spin.Wait();
      }
    });
  }
  // The source, the sink and one worker, on this thread.
  auto sink = [&](Record* record) {
    latencies_ns[received++] = MonotonicNanos() - record->emitted_ns;
    checksum += record->hash;
    free_records.push_back(record);
  };
  auto drain = [&] {
    bool any = false;
    for (auto& ring : from_worker) {
      while (Record* record = ring->TryPop()) {
        sink(record);
        any = true;
      }
    }
    return any;
  };
  const int64_t start = MonotonicNanos();
  int next_worker = 0;
  for (int64_t id = 0; id < w.count; ++id) {
    if (free_records.empty()) {
      owned.push_back(std::make_unique<Record>());
      owned.back()->payload = std::make_unique<uint8_t[]>(w.size);
      free_records.push_back(owned.back().get());
    }
    Record* record = free_records.back();
    free_records.pop_back();
    record->id = id;
    FillPayload(id, record->payload.get(), w.size);
    if (options.rate > 0) {
      const int64_t due = start + static_cast<int64_t>(static_cast<double>(id) * 1e9 / options.rate);
      SpinWait spin;
      while (MonotonicNanos() < due) {
        if (!drain()) spin.Wait();
      }
      record->emitted_ns = due;
    } else {
      record->emitted_ns = MonotonicNanos();
    }
    // To the next worker with room, or else this thread does it itself.
    bool handed = false;
    for (int k = 0; k < workers && !handed; ++k) {
      const int i = (next_worker + k) % workers;
      if (to_worker[i]->TryPush(record)) {
        handed = true;
        next_worker = (i + 1) % workers;
      }
    }
    if (!handed) {
      ProcessRecord(*record, w);
      sink(record);
    }
    drain();
  }
  SpinWait spin;
  while (received < w.count) {
    if (!drain()) spin.Wait();
  }
  const int64_t end = MonotonicNanos();
  done.store(true, std::memory_order_relaxed);
  for (std::thread& t : worker_threads) t.join();

  DesignResult result =
      PlainThreadsResult("handoff", received, end - start, checksum, allocations_before);
  SummarizeLatencies(latencies_ns, &result);
  return result;
}

}  // namespace troupe::benchmarks
