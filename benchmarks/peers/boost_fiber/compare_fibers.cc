// The pattern comparison's three designs on Boost.Fiber, the other C++ fiber
// runtime: the workload of compare_workload.h (the same kernel code as troupe's
// rows), the same designs as the Go program (benchmarks/peers/go/compare/main.go), the same
// command-line flags and the same one-line JSON result, so compare.cc runs it as a
// peer beside Go.
//
//   worker_pool  source -> jobs -> -parallelism workers (parse+validate+transform)
//                -> results -> sink
//   pipeline     source -> parse -> validate -> transform -> sink; each stage is
//                -parallelism fibers, joined by channels; the last fiber of a stage
//                to finish closes its output
//   actors       -parallelism parse, validate and transform actors and one sink
//                actor, each a fiber draining its own channel mailbox; every sender
//                picks the next actor round-robin with its own counter
//
// How Boost.Fiber is set up, as a user who wants M:N scheduling would:
// - `algo::work_stealing` on -procs threads: this one and procs-1 helpers, which
//   install the algorithm (in 1.74 each installation waits until all -procs threads
//   have installed theirs) and then park their main fiber until the run ends,
//   leaving their dispatcher to run stolen fibers.
// - Idle threads spin (work_stealing's `suspend = false`, Boost's default):
//   -suspend_idle=1 makes them sleep instead, but a sleeping thread then wakes only
//   for its own fibers, never to take new work, and the designs ran at one thread's
//   speed (about 540k records/s against 600-970k spinning, on a quiet machine).
//   Spinning has its price when anything else wants the cores: while a build ran,
//   the spinning designs fell to 70-170k records/s.
// - Channels are `buffered_channel`. In Boost 1.74 its capacity must be a power of
//   two and it holds one element less, so a channel of capacity c here is created
//   with the smallest power of two above c: it holds at least c records (exactly c
//   when c + 1 is a power of two). With the default c = 64 it holds 127; a deeper
//   buffer can only help throughput.
//
// Records travel as Record*. They are recycled through a free list under a
// std::mutex that the source and the sink touch once per 32 records (each keeps a
// batch of its own), so allocation is not what is measured. Latency runs from just
// before the source sends (closed loop) or from when the record was due (open loop:
// record i is due at start + i / rate; the source sleeps while more than 50 µs
// ahead and yields for the rest, never skips, so there is no coordinated omission).
//
// One run per process (work_stealing keeps its schedulers in static storage). Prints
// one line of JSON to stdout; a wrong count or checksum exits 1.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/fiber/all.hpp>

#include "troupe/benchmarks/common/allocation_counter.h"
#include "troupe/benchmarks/compare/compare_workload.h"

namespace troupe::benchmarks {
namespace {

using Clock = std::chrono::steady_clock;
using Channel = boost::fibers::buffered_channel<Record*>;

struct Flags {
  std::string design;
  WorkloadParams workload;
  int64_t capacity = 64;
  int procs = 2;
  int parallelism = 0;  // 0: procs
  int64_t rate = 0;     // records/s; 0: closed loop
  bool suspend_idle = false;
};

// _Exit, not exit: the helper threads may still be running fibers, and exit would
// destroy Boost.Fiber's static schedulers under them.
[[noreturn]] void Fail(int code, const std::string& message) {
  std::fprintf(stderr, "compare_fibers: %s\n", message.c_str());
  std::_Exit(code);
}

// Go-style flags (-name=value), the ones benchmarks/peers/go/compare takes.
Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    const std::size_t eq = arg.find('=');
    if (arg.size() < 2 || arg[0] != '-' || eq == std::string::npos) {
      Fail(2, "expected -flag=value, got \"" + arg + "\"");
    }
    const std::string name = arg.substr(arg[1] == '-' ? 2 : 1, eq - (arg[1] == '-' ? 2 : 1));
    const std::string value = arg.substr(eq + 1);
    char* end = nullptr;
    const long long number = std::strtoll(value.c_str(), &end, 10);
    const bool numeric = !value.empty() && *end == '\0';
    auto need_number = [&] {
      if (!numeric) Fail(2, "-" + name + " needs an integer, got \"" + value + "\"");
      return number;
    };
    if (name == "design") {
      flags.design = value;
    } else if (name == "records") {
      flags.workload.count = need_number();
    } else if (name == "size") {
      flags.workload.size = static_cast<std::size_t>(need_number());
    } else if (name == "parse_rounds") {
      flags.workload.parse_rounds = static_cast<int>(need_number());
    } else if (name == "validate_rounds") {
      flags.workload.validate_rounds = static_cast<int>(need_number());
    } else if (name == "transform_rounds") {
      flags.workload.transform_rounds = static_cast<int>(need_number());
    } else if (name == "capacity") {
      flags.capacity = need_number();
    } else if (name == "procs") {
      flags.procs = static_cast<int>(need_number());
    } else if (name == "parallelism") {
      flags.parallelism = static_cast<int>(need_number());
    } else if (name == "rate") {
      flags.rate = need_number();
    } else if (name == "suspend_idle") {
      flags.suspend_idle = need_number() != 0;
    } else {
      Fail(2, "unknown flag -" + name +
                  "; allowed: -design -records -size -parse_rounds -validate_rounds "
                  "-transform_rounds -capacity -procs -parallelism -rate -suspend_idle");
    }
  }
  if (flags.parallelism == 0) flags.parallelism = flags.procs;
  const WorkloadParams& w = flags.workload;
  if (w.count < 1 || w.size < 1 || flags.procs < 1 || flags.parallelism < 1 ||
      flags.capacity < 1 || flags.capacity > (int64_t{1} << 30) || w.parse_rounds < 0 ||
      w.validate_rounds < 0 || w.transform_rounds < 0 || flags.rate < 0) {
    Fail(2, "-records, -size, -procs, -parallelism and -capacity (at most 2^30) must be "
            ">= 1; the rounds and -rate >= 0");
  }
  if (flags.design != "worker_pool" && flags.design != "pipeline" && flags.design != "actors") {
    Fail(2, "-design must be worker_pool, pipeline or actors, got \"" + flags.design + "\"");
  }
  return flags;
}

// The smallest power of two that makes a Boost 1.74 buffered_channel hold at least
// `capacity` elements (it holds one less than its size).
std::size_t ChannelSize(int64_t capacity) {
  std::size_t size = 2;
  while (size - 1 < static_cast<std::size_t>(capacity)) size *= 2;
  return size;
}

// Recycled records: a shared free list, reached in batches by one taker (the source)
// and one giver (the sink), each through a vector of its own.
class RecordPool {
 public:
  static constexpr std::size_t kBatch = 32;
  explicit RecordPool(std::size_t size) : size_(size) {}
  RecordPool(const RecordPool&) = delete;
  RecordPool& operator=(const RecordPool&) = delete;
  ~RecordPool() {
    for (Record* record : free_) delete record;
  }

  // Moves up to kBatch free records into *batch; makes new ones if there are none.
  void Take(std::vector<Record*>* batch) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      const std::size_t n = std::min(kBatch, free_.size());
      batch->insert(batch->end(), free_.end() - static_cast<std::ptrdiff_t>(n), free_.end());
      free_.resize(free_.size() - n);
    }
    if (batch->empty()) {
      auto* record = new Record;
      record->payload = std::make_unique<uint8_t[]>(size_);
      batch->push_back(record);
    }
  }
  void Give(std::vector<Record*>* batch) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.insert(free_.end(), batch->begin(), batch->end());
    batch->clear();
  }

 private:
  const std::size_t size_;
  std::mutex mutex_;
  std::vector<Record*> free_;
};

// One run: the source, the sink and their totals.
class Run {
 public:
  explicit Run(const Flags& flags)
      : flags_(flags),
        pool_(flags.workload.size),
        latencies_ns_(static_cast<std::size_t>(flags.workload.count), 0) {}

  const WorkloadParams& workload() const { return flags_.workload; }

  void Start() { start_ = Clock::now(); }

  // The source fiber: emits every record through `emit`, then returns.
  template <typename Emit>
  void Source(Emit emit) {
    std::vector<Record*> spare;
    const double interval_ns = flags_.rate > 0 ? 1e9 / static_cast<double>(flags_.rate) : 0;
    for (int64_t id = 0; id < flags_.workload.count; ++id) {
      if (spare.empty()) pool_.Take(&spare);
      Record* record = spare.back();
      spare.pop_back();
      record->id = id;
      record->hash = 0;
      FillPayload(id, record->payload.get(), flags_.workload.size);
      if (flags_.rate > 0) {
        const int64_t due = static_cast<int64_t>(static_cast<double>(id) * interval_ns);
        if (due - SinceStartNs() > 50'000) {
          boost::this_fiber::sleep_until(start_ + std::chrono::nanoseconds(due - 50'000));
        }
        while (SinceStartNs() < due) boost::this_fiber::yield();
        record->emitted_ns = due;
      } else {
        record->emitted_ns = SinceStartNs();
      }
      emit(record);
    }
    if (!spare.empty()) pool_.Give(&spare);
  }

  // The sink fiber: folds every record from `in` until it is closed.
  void Sink(Channel& in) {
    std::vector<Record*> freed;
    Record* record = nullptr;
    while (in.pop(record) == boost::fibers::channel_op_status::success) {
      const int64_t now = SinceStartNs();
      if (received_ < flags_.workload.count) latencies_ns_[received_] = now - record->emitted_ns;
      ++received_;
      checksum_ += record->hash;
      last_ns_ = now;
      freed.push_back(record);
      if (freed.size() == RecordPool::kBatch) pool_.Give(&freed);
    }
    if (!freed.empty()) pool_.Give(&freed);
  }

  int64_t received() const { return received_; }
  uint64_t checksum() const { return checksum_; }
  int64_t last_ns() const { return last_ns_; }
  std::vector<int64_t>& latencies_ns() { return latencies_ns_; }

 private:
  int64_t SinceStartNs() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start_).count();
  }

  const Flags flags_;
  RecordPool pool_;
  std::vector<int64_t> latencies_ns_;  // the sink's
  Clock::time_point start_;
  int64_t received_ = 0;
  uint64_t checksum_ = 0;
  int64_t last_ns_ = 0;
};

void Send(Channel& channel, Record* record) {
  if (channel.push(record) != boost::fibers::channel_op_status::success) {
    Fail(1, "a channel was closed while records were still being sent");
  }
}

// `n` fibers applying `step` to every record from `in` and sending it to `out`; the
// last of them to finish closes `out`.
template <typename Step>
void StartStage(int n, Channel& in, Channel& out, Step step) {
  auto running = std::make_shared<std::atomic<int>>(n);
  for (int i = 0; i < n; ++i) {
    boost::fibers::fiber([&in, &out, step, running] {
      Record* record = nullptr;
      while (in.pop(record) == boost::fibers::channel_op_status::success) {
        step(*record);
        Send(out, record);
      }
      if (running->fetch_sub(1) == 1) out.close();
    }).detach();
  }
}

// Starts the design's fibers and runs the sink in this fiber until the last record.
void RunDesign(const Flags& flags, Run& run) {
  const WorkloadParams& w = run.workload();
  const std::size_t size = ChannelSize(flags.capacity);
  const int n = flags.parallelism;
  if (flags.design == "worker_pool" || flags.design == "pipeline") {
    std::vector<std::unique_ptr<Channel>> channels;
    const int hops = flags.design == "worker_pool" ? 2 : 4;
    for (int i = 0; i < hops; ++i) channels.push_back(std::make_unique<Channel>(size));
    if (flags.design == "worker_pool") {
      StartStage(n, *channels[0], *channels[1], [&w](Record& r) { ProcessRecord(r, w); });
    } else {
      StartStage(n, *channels[0], *channels[1], [&w](Record& r) { Parse(r, w); });
      StartStage(n, *channels[1], *channels[2], [&w](Record& r) { Validate(r, w); });
      StartStage(n, *channels[2], *channels[3], [&w](Record& r) { Transform(r, w); });
    }
    Channel& in = *channels.front();
    run.Start();
    boost::fibers::fiber source([&] {
      run.Source([&](Record* r) { Send(in, r); });
      in.close();
    });
    run.Sink(*channels.back());
    source.join();
    return;
  }
  // Actors: mailboxes[0] is the sink's; then the transform, validate and parse
  // stages, n each. A stage's actors forward round-robin to the next stage; the last
  // of them to finish closes the next stage's mailboxes.
  std::vector<std::unique_ptr<Channel>> sink(1), transform(n), validate(n), parse(n);
  for (auto* stage : {&sink, &transform, &validate, &parse}) {
    for (auto& mailbox : *stage) mailbox = std::make_unique<Channel>(size);
  }
  auto start_actors = [n](std::vector<std::unique_ptr<Channel>>& mailboxes,
                          std::vector<std::unique_ptr<Channel>>& next, auto step) {
    auto running = std::make_shared<std::atomic<int>>(n);
    for (auto& mailbox : mailboxes) {
      boost::fibers::fiber([&in = *mailbox, &next, step, running] {
        std::size_t turn = 0;
        Record* record = nullptr;
        while (in.pop(record) == boost::fibers::channel_op_status::success) {
          step(*record);
          Send(*next[turn], record);
          if (++turn == next.size()) turn = 0;
        }
        if (running->fetch_sub(1) == 1) {
          for (auto& mailbox : next) mailbox->close();
        }
      }).detach();
    }
  };
  start_actors(transform, sink, [&w](Record& r) { Transform(r, w); });
  start_actors(validate, transform, [&w](Record& r) { Validate(r, w); });
  start_actors(parse, validate, [&w](Record& r) { Parse(r, w); });
  run.Start();
  boost::fibers::fiber source([&] {
    std::size_t turn = 0;
    run.Source([&](Record* r) {
      Send(*parse[turn], r);
      if (++turn == parse.size()) turn = 0;
    });
    for (auto& mailbox : parse) mailbox->close();
  });
  run.Sink(*sink.front());
  source.join();
}

// The helper threads' wait for the end of the run: fiber-aware, so that while a
// helper's main fiber waits, its dispatcher runs the fibers it steals.
struct RunEnd {
  boost::fibers::mutex mutex;
  boost::fibers::condition_variable_any ended;
  bool done = false;
};

int64_t PeakRssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return -1;
}

int Main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  // The reference pass costs a whole extra run; like the Go program, only for small runs.
  constexpr int64_t kReferenceLimit = 100'000;
  const bool check_reference = flags.workload.count <= kReferenceLimit;
  const uint64_t reference = check_reference ? SequentialChecksum(flags.workload) : 0;

  using boost::fibers::algo::work_stealing;
  const auto procs = static_cast<std::uint32_t>(flags.procs);
  RunEnd end;
  std::vector<std::thread> helpers;
  for (int t = 1; t < flags.procs; ++t) {
    helpers.emplace_back([&] {
      boost::fibers::use_scheduling_algorithm<work_stealing>(procs, flags.suspend_idle);
      std::unique_lock<boost::fibers::mutex> lock(end.mutex);
      end.ended.wait(lock, [&] { return end.done; });
    });
  }
  boost::fibers::use_scheduling_algorithm<work_stealing>(procs, flags.suspend_idle);

  Run run(flags);
  const uint64_t allocations_before = AllocationCount();
  RunDesign(flags, run);
  const uint64_t allocations = AllocationCount() - allocations_before;
  {
    std::lock_guard<boost::fibers::mutex> lock(end.mutex);
    end.done = true;
  }
  end.ended.notify_all();
  for (std::thread& helper : helpers) helper.join();

  const int64_t count = flags.workload.count;
  if (run.received() != count) {
    Fail(1, flags.design + ": sink received " + std::to_string(run.received()) +
                " records, expected " + std::to_string(count));
  }
  if (check_reference && run.checksum() != reference) {
    char message[160];
    std::snprintf(message, sizeof(message),
                  "%s: checksum 0x%016llx differs from the sequential reference 0x%016llx",
                  flags.design.c_str(), static_cast<unsigned long long>(run.checksum()),
                  static_cast<unsigned long long>(reference));
    Fail(1, message);
  }
  if (check_reference) {
    std::fprintf(stderr, "compare_fibers: %s: checksum 0x%016llx == sequential reference (ok)\n",
                 flags.design.c_str(), static_cast<unsigned long long>(run.checksum()));
  }
  std::vector<int64_t>& latencies = run.latencies_ns();
  std::sort(latencies.begin(), latencies.end());
  auto percentile_us = [&](double q) {
    return static_cast<double>(latencies[static_cast<std::size_t>(
               q * static_cast<double>(latencies.size() - 1))]) /
           1e3;
  };
  std::string quantiles;
  for (double q : kLatencyQuantiles) {
    char value[32];
    std::snprintf(value, sizeof(value), "%s%.3f", quantiles.empty() ? "" : ", ",
                  percentile_us(q));
    quantiles += value;
  }
  const double seconds = static_cast<double>(run.last_ns()) / 1e9;
  std::printf(
      "{\"design\": \"%s\", \"runtime\": \"boost.fiber\", \"records\": %lld, "
      "\"seconds\": %.6f, \"throughput_rps\": %.1f, \"p50_us\": %.3f, \"p95_us\": %.3f, "
      "\"p99_us\": %.3f, \"max_us\": %.3f, \"peak_rss_kb\": %lld, "
      "\"allocs_per_record\": %.4f, \"checksum\": \"0x%016llx\", \"procs\": %d, "
      "\"parallelism\": %d, \"capacity\": %lld, \"channel_size\": %zu, \"rate\": %lld, "
      "\"suspend_idle\": %d, \"latency_quantiles_us\": [%s]}\n",
      flags.design.c_str(), static_cast<long long>(count), seconds,
      static_cast<double>(count) / seconds, percentile_us(0.50), percentile_us(0.95),
      percentile_us(0.99), static_cast<double>(latencies.back()) / 1e3,
      static_cast<long long>(PeakRssKb()),
      static_cast<double>(allocations) / static_cast<double>(count),
      static_cast<unsigned long long>(run.checksum()), flags.procs, flags.parallelism,
      static_cast<long long>(flags.capacity), ChannelSize(flags.capacity),
      static_cast<long long>(flags.rate), flags.suspend_idle ? 1 : 0, quantiles.c_str());
  return 0;
}

}  // namespace
}  // namespace troupe::benchmarks

int main(int argc, char** argv) { return troupe::benchmarks::Main(argc, argv); }
