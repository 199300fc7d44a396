// The pattern comparison's designs on Boost.Fiber, the other C++ fiber runtime: the
// synthetic workload of compare_workload.h (the same kernel code as troupe's rows),
// the designs of the Go program (benchmarks/peers/go/compare, and
// benchmarks/compare/compare_designs.h), the same command-line flags and the same
// one-line JSON result, so compare.cc runs it as a peer beside Go.
//
//   plain      worker_pool  source -> jobs -> -parallelism workers (every stage)
//                           -> results -> sink
//              pipeline     one stage per workload stage, -parallelism fibers each,
//                           joined by channels; the last fiber of a stage to finish
//                           closes its output
//              actors       -parallelism actors per stage and one sink actor, each
//                           a fiber draining its own channel mailbox; every sender
//                           picks the next actor round-robin with its own counter
//   stateful   actors       actors owning the keys k % parallelism == their index
//              worker_pool/sharded  the update under the fibers::mutex of the key's
//                           shard (-shards of them); worker_pool/global: one mutex
//              pipeline     the stages, then the update partitioned by key
//   ordered    pipeline     ordered stages (each reorders within capacity +
//                           parallelism records); worker_pool reorders at the sink;
//                           actors per key
//
// The validate stage's -io_wait_us wait is boost::this_fiber::sleep_for. There are
// no "/block" designs: Boost.Fiber cannot hand a blocked thread's fibers to another
// thread, so a blocking call stalls its whole scheduler thread.
//
// How Boost.Fiber is set up, as a user who wants M:N scheduling would:
// - `algo::work_stealing` on -procs threads: this one and procs-1 helpers, which
//   install the algorithm (in 1.74 each installation waits until all -procs threads
//   have installed theirs) and then park their main fiber until the run ends,
//   leaving their dispatcher to run stolen fibers. On one thread (-procs=1) the
//   default `algo::round_robin` instead: 1.74's work_stealing on a single thread
//   loops forever looking for a victim other than itself once its queue is empty
//   (every fiber asleep, as in an I/O wait).
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
// Records travel as Job*. They are recycled through a free list under a std::mutex
// that the source and the sink touch once per 32 records (each keeps a batch of its
// own), so allocation is not what is measured. Latency runs from just before the
// source sends (closed loop) or from when the record was due (open loop: record i is
// due at start + floor(i / burst) x burst / rate; the source sleeps while more than
// 50 µs ahead and yields for the rest, never skips, so there is no coordinated
// omission). The RSS is sampled during the run (rss_sampler.h).
//
// One run per process (work_stealing keeps its schedulers in static storage). Prints
// one line of JSON to stdout; a wrong count, checksum or order exits 1.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/fiber/all.hpp>

#include "troupe/benchmarks/common/allocation_counter.h"
#include "troupe/benchmarks/compare/compare_workload.h"
#include "troupe/benchmarks/compare/latency_recorder.h"
#include "troupe/benchmarks/compare/rss_sampler.h"

namespace troupe::benchmarks {
namespace {

using Clock = std::chrono::steady_clock;

// A record and when it was (or, open loop, should have been) emitted.
struct Job {
  Record record;
  int64_t emitted_ns = 0;
};
using Channel = boost::fibers::buffered_channel<Job*>;

struct Flags {
  std::string design;
  bool stateful = false;
  WorkloadParams workload;
  int64_t capacity = 64;
  int procs = 2;
  int parallelism = 0;  // 0: procs
  int shards = 64;
  int64_t rate = 0;  // records/s; 0: closed loop
  int64_t burst = 1;
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
  WorkloadParams& w = flags.workload;
  int64_t io_wait_us = 0, ordered = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    const std::size_t eq = arg.find('=');
    if (arg.size() < 2 || arg[0] != '-' || eq == std::string::npos) {
      Fail(2, "expected -flag=value, got \"" + arg + "\"");
    }
    const std::string name = arg.substr(arg[1] == '-' ? 2 : 1, eq - (arg[1] == '-' ? 2 : 1));
    const std::string value = arg.substr(eq + 1);
    if (name == "design") {
      flags.design = value;
      continue;
    }
    char* end = nullptr;
    const long long number = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0') {
      Fail(2, "-" + name + " needs an integer, got \"" + value + "\"");
    }
    const std::pair<const char*, std::function<void()>> setters[] = {
        {"records", [&] { w.count = number; }},
        {"size", [&] { w.size = static_cast<std::size_t>(number); }},
        {"parse_rounds", [&] { w.parse_rounds = static_cast<int>(number); }},
        {"validate_rounds", [&] { w.validate_rounds = static_cast<int>(number); }},
        {"transform_rounds", [&] { w.transform_rounds = static_cast<int>(number); }},
        {"heavy_bp", [&] { w.heavy_basis_points = static_cast<int>(number); }},
        {"heavy_factor", [&] { w.heavy_factor = static_cast<int>(number); }},
        {"io_wait_us", [&] { io_wait_us = number; }},
        {"keys", [&] { w.keys = number; }},
        {"hot_key_percent", [&] { w.hot_key_percent = static_cast<int>(number); }},
        {"state_words", [&] { w.state_words = static_cast<int>(number); }},
        {"ordered", [&] { ordered = number; }},
        {"capacity", [&] { flags.capacity = number; }},
        {"procs", [&] { flags.procs = static_cast<int>(number); }},
        {"parallelism", [&] { flags.parallelism = static_cast<int>(number); }},
        {"shards", [&] { flags.shards = static_cast<int>(number); }},
        {"rate", [&] { flags.rate = number; }},
        {"burst", [&] { flags.burst = number; }},
        {"suspend_idle", [&] { flags.suspend_idle = number != 0; }},
    };
    bool known = false;
    for (const auto& [flag, set] : setters) {
      if (name == flag) {
        set();
        known = true;
      }
    }
    if (!known) {
      Fail(2, "unknown flag -" + name +
                  "; allowed: -design -records -size -parse_rounds -validate_rounds "
                  "-transform_rounds -heavy_bp -heavy_factor -io_wait_us -keys "
                  "-hot_key_percent -state_words -ordered -capacity -procs -parallelism "
                  "-shards -rate -burst -suspend_idle");
    }
  }
  if (flags.parallelism == 0) flags.parallelism = flags.procs;
  w.io_wait_ns = io_wait_us * 1000;
  w.ordered = ordered == 1;
  flags.stateful = w.state_words > 0;
  if (w.count < 1 || w.size < 1 || flags.procs < 1 || flags.parallelism < 1 ||
      flags.capacity < 1 || flags.capacity > (int64_t{1} << 30) || w.parse_rounds < 0 ||
      w.validate_rounds < 0 || w.transform_rounds < 0 || flags.rate < 0 || flags.burst < 1 ||
      flags.shards < 1 || w.heavy_basis_points < 0 || w.heavy_basis_points > 10000 ||
      w.heavy_factor < 1 || io_wait_us < 0 || w.keys < 0 || w.hot_key_percent < 0 ||
      w.hot_key_percent > 100 || w.state_words < 0 || (flags.stateful && w.keys < 1) ||
      ordered < 0 || ordered > 1) {
    Fail(2, "-records, -size, -procs, -parallelism, -burst, -shards, -heavy_factor and "
            "-capacity (at most 2^30) must be >= 1; the rounds, -rate, -io_wait_us and -keys "
            ">= 0; -heavy_bp in [0, 10000]; -hot_key_percent in [0, 100]; -state_words >= 0 "
            "and only with -keys >= 1; -ordered 0 or 1");
  }
  const std::string& d = flags.design;
  const bool known_design =
      flags.stateful ? (d == "actors" || d == "worker_pool/sharded" || d == "worker_pool/global" ||
                        d == "pipeline")
                     : (d == "worker_pool" || d == "pipeline" || d == "actors");
  if (!known_design) {
    Fail(2, "-design must be worker_pool, pipeline or actors (stateful: actors, "
            "worker_pool/sharded, worker_pool/global or pipeline), got \"" + d +
                "\"; Boost.Fiber has no /block designs");
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

// Recycled jobs: a shared free list, reached in batches by one taker (the source)
// and one giver (the sink), each through a vector of its own.
class JobPool {
 public:
  static constexpr std::size_t kBatch = 32;
  explicit JobPool(std::size_t size) : size_(size) {}
  JobPool(const JobPool&) = delete;
  JobPool& operator=(const JobPool&) = delete;
  ~JobPool() {
    for (Job* job : free_) delete job;
  }

  // Moves up to kBatch free jobs into *batch; makes a new one if there are none.
  void Take(std::vector<Job*>* batch) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      const std::size_t n = std::min(kBatch, free_.size());
      batch->insert(batch->end(), free_.end() - static_cast<std::ptrdiff_t>(n), free_.end());
      free_.resize(free_.size() - n);
    }
    if (batch->empty()) {
      auto* job = new Job;
      job->record.payload = std::make_unique<uint8_t[]>(size_);
      batch->push_back(job);
    }
  }
  void Give(std::vector<Job*>* batch) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.insert(free_.end(), batch->begin(), batch->end());
    batch->clear();
  }

 private:
  const std::size_t size_;
  std::mutex mutex_;
  std::vector<Job*> free_;
};

// The keyed state of the keys k with k % owners == owner.
class StateShard {
 public:
  StateShard(const WorkloadParams& w, int owner, int owners)
      : owner_(owner), owners_(owners), words_(w.state_words) {
    for (int64_t k = owner; k < w.keys; k += owners) lanes_.resize(lanes_.size() + words_, 0);
  }
  void Update(const Record& r) {
    UpdateState(r, &lanes_[r.key / static_cast<uint64_t>(owners_) * words_], words_);
  }
  uint64_t Digest() const {
    uint64_t sum = 0;
    for (std::size_t i = 0; i * words_ < lanes_.size(); ++i) {
      sum += StateDigest(owner_ + i * owners_, &lanes_[i * words_], words_);
    }
    return sum;
  }

 private:
  const int owner_, owners_, words_;
  std::vector<uint64_t> lanes_;
};

// One run: the source, the sink, the keyed state and their totals.
class Run {
 public:
  explicit Run(const Flags& flags)
      : flags_(flags), pool_(flags.workload.size), latencies_(flags.workload.count) {
    if (flags.workload.ordered) {
      const int64_t keys = std::max<int64_t>(1, flags.workload.keys);
      for (int64_t k = 0; k < keys; ++k) chains_.push_back(ChainStart(k));
      last_id_.assign(static_cast<std::size_t>(keys), -1);
    }
  }

  const WorkloadParams& workload() const { return flags_.workload; }
  const Flags& flags() const { return flags_; }
  std::vector<std::unique_ptr<StateShard>>& shards() { return shards_; }
  void MakeShards(int owners) {
    for (int i = 0; i < owners; ++i) {
      shards_.push_back(std::make_unique<StateShard>(flags_.workload, i, owners));
    }
  }

  void Start() { start_ = Clock::now(); }

  // The source fiber: emits every record through `emit`, then returns.
  template <typename Emit>
  void Source(Emit emit) {
    std::vector<Job*> spare;
    const double interval_ns = flags_.rate > 0 ? 1e9 / static_cast<double>(flags_.rate) : 0;
    for (int64_t id = 0; id < flags_.workload.count; ++id) {
      if (spare.empty()) pool_.Take(&spare);
      Job* job = spare.back();
      spare.pop_back();
      FillRecord(id, job->record, flags_.workload);
      if (flags_.rate > 0) {
        const int64_t first_of_burst = id / flags_.burst * flags_.burst;
        const auto due = static_cast<int64_t>(static_cast<double>(first_of_burst) * interval_ns);
        if (due - SinceStartNs() > 50'000) {
          boost::this_fiber::sleep_until(start_ + std::chrono::nanoseconds(due - 50'000));
        }
        while (SinceStartNs() < due) boost::this_fiber::yield();
        job->emitted_ns = due;
      } else {
        job->emitted_ns = SinceStartNs();
      }
      emit(job);
    }
    if (!spare.empty()) pool_.Give(&spare);
  }

  // The sink: folds one record (one fiber at a time).
  void SinkOne(Job* job) {
    const int64_t now = SinceStartNs();
    latencies_.Add(now - job->emitted_ns);
    ++received_;
    const Record& r = job->record;
    if (flags_.workload.ordered) {
      if (r.id < last_id_[r.key]) ++out_of_order_;
      last_id_[r.key] = std::max(last_id_[r.key], r.id);
      chains_[r.key] = Chain(chains_[r.key], r.hash);
    } else {
      checksum_ += r.hash;
    }
    last_ns_ = now;
    freed_.push_back(job);
    if (freed_.size() == JobPool::kBatch) pool_.Give(&freed_);
  }
  // The sink fiber: folds every record from `in` until it is closed.
  void Sink(Channel& in) {
    Job* job = nullptr;
    while (in.pop(job) == boost::fibers::channel_op_status::success) SinkOne(job);
    if (!freed_.empty()) pool_.Give(&freed_);
  }

  int64_t received() const { return received_; }
  int64_t out_of_order() const { return out_of_order_; }
  uint64_t checksum() const {
    uint64_t sum = checksum_;
    for (uint64_t c : chains_) sum += c;
    for (const auto& shard : shards_) sum += shard->Digest();
    return sum;
  }
  int64_t last_ns() const { return last_ns_; }
  LatencyRecorder& latencies() { return latencies_; }

 private:
  int64_t SinceStartNs() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start_).count();
  }

  const Flags flags_;
  JobPool pool_;
  LatencyRecorder latencies_;  // the sink's
  std::vector<std::unique_ptr<StateShard>> shards_;
  std::vector<uint64_t> chains_;
  std::vector<int64_t> last_id_;
  std::vector<Job*> freed_;
  Clock::time_point start_;
  int64_t received_ = 0;
  int64_t out_of_order_ = 0;
  uint64_t checksum_ = 0;
  int64_t last_ns_ = 0;
};

void Send(Channel& channel, Job* job) {
  if (channel.push(job) != boost::fibers::channel_op_status::success) {
    Fail(1, "a channel was closed while records were still being sent");
  }
}

using Step = std::function<void(Record&)>;

// The workload's stages; validate waits -io_wait_us, parking the fiber.
std::vector<Step> Stages(const WorkloadParams& w) {
  return {[&w](Record& r) { Parse(r, w); },
          [&w](Record& r) {
            Validate(r, w);
            if (w.io_wait_ns > 0) boost::this_fiber::sleep_for(std::chrono::nanoseconds(w.io_wait_ns));
          },
          [&w](Record& r) { Transform(r, w); }};
}

Step AllStages(const WorkloadParams& w) {
  return [stages = Stages(w)](Record& r) {
    for (const Step& step : stages) step(r);
  };
}

// `n` fibers applying `step` to every record from `in` and sending it to `out`; the
// last of them to finish closes `out`.
void StartStage(int n, Channel& in, Channel& out, Step step) {
  auto running = std::make_shared<std::atomic<int>>(n);
  for (int i = 0; i < n; ++i) {
    boost::fibers::fiber([&in, &out, step, running] {
      Job* job = nullptr;
      while (in.pop(job) == boost::fibers::channel_op_status::success) {
        step(job->record);
        Send(out, job);
      }
      if (running->fetch_sub(1) == 1) out.close();
    }).detach();
  }
}

// A counting semaphore for fibers (Boost.Fiber has none).
class FiberSemaphore {
 public:
  explicit FiberSemaphore(int64_t permits) : permits_(permits) {}
  void Acquire() {
    std::unique_lock<boost::fibers::mutex> lock(mutex_);
    available_.wait(lock, [this] { return permits_ > 0; });
    --permits_;
  }
  void Release() {
    {
      std::lock_guard<boost::fibers::mutex> lock(mutex_);
      ++permits_;
    }
    available_.notify_one();
  }

 private:
  boost::fibers::mutex mutex_;
  boost::fibers::condition_variable available_;
  int64_t permits_;
};

// Sinks `results` in id order (ids next..next+window-1 in flight, each in slot
// id % window), releasing `room` once per record sunk; returns when `results` closes.
void SinkInOrder(Channel& results, int64_t window, FiberSemaphore& room,
                 const std::function<void(Job*)>& forward) {
  std::vector<Job*> ring(static_cast<std::size_t>(window), nullptr);
  int64_t next = 0;
  Job* job = nullptr;
  while (results.pop(job) == boost::fibers::channel_op_status::success) {
    ring[static_cast<std::size_t>(job->record.id % window)] = job;
    for (Job** slot = &ring[static_cast<std::size_t>(next % window)]; *slot != nullptr;
         slot = &ring[static_cast<std::size_t>(next % window)]) {
      forward(*slot);
      *slot = nullptr;
      ++next;
      room.Release();
    }
  }
}

// A stage whose output keeps the input's id order, as troupe's ordered pipeline
// stages: a fiber takes a window permit before it takes a record, and a reorderer
// forwards in order, giving a permit back per record (window capacity + n).
void StartOrderedStage(Run& run, int n, Channel& in, Channel& out, Step step) {
  const int64_t window = run.flags().capacity + n;
  auto room = std::make_shared<FiberSemaphore>(window);
  auto scratch = std::make_shared<Channel>(ChannelSize(run.flags().capacity));
  auto running = std::make_shared<std::atomic<int>>(n);
  for (int i = 0; i < n; ++i) {
    boost::fibers::fiber([&in, step, room, scratch, running] {
      Job* job = nullptr;
      for (;;) {
        room->Acquire();
        if (in.pop(job) != boost::fibers::channel_op_status::success) break;
        step(job->record);
        Send(*scratch, job);
      }
      if (running->fetch_sub(1) == 1) scratch->close();
    }).detach();
  }
  boost::fibers::fiber([&out, window, room, scratch] {
    SinkInOrder(*scratch, window, *room, [&out](Job* job) { Send(out, job); });
    out.close();
  }).detach();
}

// Actors: each a fiber draining its own mailbox, applying its step (steps[i] for
// mailboxes[i]) and forwarding to `route(turn, job)`; the last of the group to finish
// closes every mailbox of `next`.
void StartActors(std::vector<std::unique_ptr<Channel>>& mailboxes,
                 std::vector<std::unique_ptr<Channel>>& next, const std::vector<Step>& steps,
                 std::function<Channel&(std::size_t&, Job*)> route) {
  auto running = std::make_shared<std::atomic<int>>(static_cast<int>(mailboxes.size()));
  for (std::size_t i = 0; i < mailboxes.size(); ++i) {
    boost::fibers::fiber([&in = *mailboxes[i], &next, step = steps[i], route, running] {
      std::size_t turn = 0;
      Job* job = nullptr;
      while (in.pop(job) == boost::fibers::channel_op_status::success) {
        step(job->record);
        Send(route(turn, job), job);
      }
      if (running->fetch_sub(1) == 1) {
        for (auto& mailbox : next) mailbox->close();
      }
    }).detach();
  }
}

std::vector<std::unique_ptr<Channel>> Mailboxes(int n, std::size_t size) {
  std::vector<std::unique_ptr<Channel>> mailboxes(static_cast<std::size_t>(n));
  for (auto& mailbox : mailboxes) mailbox = std::make_unique<Channel>(size);
  return mailboxes;
}

// Starts the source fiber sending to `route(job)`, then closing `close_after`; runs
// the sink in this fiber on `sink` until it closes.
void RunSourceAndSink(Run& run, const std::function<void(Job*)>& route,
                      const std::function<void()>& close_after, Channel& sink) {
  run.Start();
  boost::fibers::fiber source([&] {
    run.Source(route);
    close_after();
  });
  run.Sink(sink);
  source.join();
}

// Starts the design's fibers and runs the sink in this fiber until the last record.
void RunDesign(const Flags& flags, Run& run) {
  const WorkloadParams& w = run.workload();
  const std::size_t size = ChannelSize(flags.capacity);
  const int n = flags.parallelism;
  const std::string& design = flags.design;
  const bool pool = design.rfind("worker_pool", 0) == 0;
  if (pool && !w.ordered) {
    Channel jobs(size), results(size);
    Step step = AllStages(w);
    if (flags.stateful) {
      const int locks = design == "worker_pool/global" ? 1 : flags.shards;
      run.MakeShards(locks);
      auto mutexes = std::make_shared<std::vector<boost::fibers::mutex>>(locks);
      step = [step, mutexes, &run, locks](Record& r) {
        step(r);
        const auto shard = static_cast<std::size_t>(r.key % static_cast<uint64_t>(locks));
        std::lock_guard<boost::fibers::mutex> lock((*mutexes)[shard]);
        run.shards()[shard]->Update(r);
      };
    }
    StartStage(n, jobs, results, step);
    RunSourceAndSink(run, [&](Job* job) { Send(jobs, job); }, [&] { jobs.close(); }, results);
    return;
  }
  if (pool) {  // ordered: reorder at the sink
    const int64_t window = 2 * flags.capacity + n;
    FiberSemaphore room(window);
    Channel jobs(size), results(size), ordered(size);
    StartStage(n, jobs, results, AllStages(w));
    boost::fibers::fiber reorder([&] {
      SinkInOrder(results, window, room, [&](Job* job) { Send(ordered, job); });
      ordered.close();
    });
    RunSourceAndSink(
        run,
        [&](Job* job) {
          room.Acquire();
          Send(jobs, job);
        },
        [&] { jobs.close(); }, ordered);
    reorder.join();
    return;
  }
  if (design == "pipeline") {
    const std::vector<Step> stages = Stages(w);
    std::vector<std::unique_ptr<Channel>> channels;
    for (std::size_t i = 0; i <= stages.size(); ++i) channels.push_back(std::make_unique<Channel>(size));
    for (std::size_t i = 0; i < stages.size(); ++i) {
      if (w.ordered && n > 1) {
        StartOrderedStage(run, n, *channels[i], *channels[i + 1], stages[i]);
      } else {
        StartStage(n, *channels[i], *channels[i + 1], stages[i]);
      }
    }
    Channel* out = channels.back().get();
    std::vector<std::unique_ptr<Channel>> partitions;
    Channel results(size);
    if (flags.stateful) {  // the update, partitioned by key, after the stages
      run.MakeShards(n);
      partitions = Mailboxes(n, size);
      auto running = std::make_shared<std::atomic<int>>(n);
      for (int i = 0; i < n; ++i) {
        boost::fibers::fiber([&in = *partitions[i], &results, &shard = *run.shards()[i], running] {
          Job* job = nullptr;
          while (in.pop(job) == boost::fibers::channel_op_status::success) {
            shard.Update(job->record);
            Send(results, job);
          }
          if (running->fetch_sub(1) == 1) results.close();
        }).detach();
      }
      boost::fibers::fiber([out, &partitions, n] {
        Job* job = nullptr;
        while (out->pop(job) == boost::fibers::channel_op_status::success) {
          Send(*partitions[job->record.key % static_cast<uint64_t>(n)], job);
        }
        for (auto& partition : partitions) partition->close();
      }).detach();
      out = &results;
    }
    Channel& in = *channels.front();
    RunSourceAndSink(run, [&](Job* job) { Send(in, job); }, [&] { in.close(); }, *out);
    return;
  }
  // Actors. Staged (plain): per stage n actors forwarding round-robin. By key
  // (stateful, ordered): n actors each running every stage for the keys it owns.
  std::vector<std::unique_ptr<Channel>> sink = Mailboxes(1, size);
  auto round_robin = [](std::vector<std::unique_ptr<Channel>>& next) {
    return [&next](std::size_t& turn, Job*) -> Channel& {
      Channel& to = *next[turn];
      if (++turn == next.size()) turn = 0;
      return to;
    };
  };
  std::vector<std::vector<std::unique_ptr<Channel>>> groups;
  if (flags.stateful || w.ordered) {
    if (flags.stateful) run.MakeShards(n);
    groups.push_back(Mailboxes(n, size));
    std::vector<Step> steps;
    for (int i = 0; i < n; ++i) {
      Step step = AllStages(w);
      if (flags.stateful) {
        step = [step, &shard = *run.shards()[i]](Record& r) {
          step(r);
          shard.Update(r);
        };
      }
      steps.push_back(std::move(step));
    }
    StartActors(groups[0], sink, steps, round_robin(sink));
  } else {
    const std::vector<Step> stages = Stages(w);
    groups.resize(stages.size());
    for (std::size_t s = stages.size(); s-- > 0;) {
      auto& next = s + 1 < stages.size() ? groups[s + 1] : sink;
      groups[s] = Mailboxes(n, size);
      StartActors(groups[s], next, std::vector<Step>(n, stages[s]), round_robin(next));
    }
  }
  std::vector<std::unique_ptr<Channel>>& first = groups[0];
  std::size_t turn = 0;
  RunSourceAndSink(
      run,
      [&](Job* job) {
        if (flags.stateful || w.ordered) {
          Send(*first[job->record.key % first.size()], job);
        } else {
          Send(*first[turn], job);
          if (++turn == first.size()) turn = 0;
        }
      },
      [&] {
        for (auto& mailbox : first) mailbox->close();
      },
      *sink.front());
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

std::string Numbers(const std::vector<double>& values, const char* format) {
  std::string out;
  for (double v : values) {
    char value[32];
    std::snprintf(value, sizeof(value), format, v);
    out += (out.empty() ? "" : ", ") + std::string(value);
  }
  return out;
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
  if (flags.procs > 1) {
    boost::fibers::use_scheduling_algorithm<work_stealing>(procs, flags.suspend_idle);
  }

  Run run(flags);
  RssSampler rss;
  rss.Start();
  const uint64_t allocations_before = AllocationCount();
  RunDesign(flags, run);
  const uint64_t allocations = AllocationCount() - allocations_before;
  const std::vector<RssSample> samples = rss.Stop();
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
  if (run.out_of_order() > 0) {
    Fail(1, flags.design + ": " + std::to_string(run.out_of_order()) +
                " records reached the sink behind a later record of their key");
  }
  char message[200];
  if (check_reference && run.checksum() != reference) {
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
  const LatencySummary latency = run.latencies().Summarize();
  const RssSummary memory = SummarizeRss(samples);
  std::vector<double> series_seconds, series_mib;
  for (const RssSample& s : ThinRss(samples)) {
    series_seconds.push_back(s.seconds);
    series_mib.push_back(static_cast<double>(s.kb) / 1024);
  }
  const int64_t peak = std::max<int64_t>(memory.peak_kb, PeakRssKb());
  const std::string growth = std::isnan(memory.growth_kb_per_min)
                                 ? std::string("null")
                                 : std::to_string(memory.growth_kb_per_min);
  const double seconds = static_cast<double>(run.last_ns()) / 1e9;
  std::printf(
      "{\"design\": \"%s\", \"runtime\": \"boost.fiber\", \"records\": %lld, "
      "\"seconds\": %.6f, \"throughput_rps\": %.1f, \"p50_us\": %.3f, \"p95_us\": %.3f, "
      "\"p99_us\": %.3f, \"max_us\": %.3f, \"peak_rss_kb\": %lld, \"rss_start_kb\": %lld, "
      "\"rss_peak_kb\": %lld, \"rss_growth_kb_per_min\": %s, \"rss_window_s\": %.2f, "
      "\"allocs_per_record\": %.4f, \"checksum\": \"0x%016llx\", \"procs\": %d, "
      "\"parallelism\": %d, \"capacity\": %lld, \"channel_size\": %zu, \"rate\": %lld, "
      "\"burst\": %lld, \"suspend_idle\": %d, \"latency_quantiles_us\": [%s], "
      "\"rss_seconds\": [%s], \"rss_mib\": [%s]}\n",
      flags.design.c_str(), static_cast<long long>(count), seconds,
      static_cast<double>(count) / seconds, latency.p50_us, latency.p95_us, latency.p99_us,
      latency.max_us, static_cast<long long>(PeakRssKb()),
      static_cast<long long>(memory.start_kb), static_cast<long long>(peak), growth.c_str(),
      memory.window_s, static_cast<double>(allocations) / static_cast<double>(count),
      static_cast<unsigned long long>(run.checksum()), flags.procs, flags.parallelism,
      static_cast<long long>(flags.capacity), ChannelSize(flags.capacity),
      static_cast<long long>(flags.rate), static_cast<long long>(flags.burst),
      flags.suspend_idle ? 1 : 0, Numbers(latency.quantiles_us, "%.3f").c_str(),
      Numbers(series_seconds, "%.3f").c_str(), Numbers(series_mib, "%.2f").c_str());
  return 0;
}

}  // namespace
}  // namespace troupe::benchmarks

int main(int argc, char** argv) { return troupe::benchmarks::Main(argc, argv); }
