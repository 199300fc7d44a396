// Your own work in the pattern comparison: describe a record source and the stages a
// record goes through, link this library, and the comparison runs your work as a
// worker pool, a pipeline and actors on troupe, with the same table, JSON, HTML
// report (latency against offered load, memory over time) and verdict as
// `bazel run -c opt //benchmarks:compare` gives for its built-in workloads.
//
//   #include "troupe/benchmarks/compare/workload.h"
//
//   struct Line { std::string text; int status = 0; uint64_t digest = 0; };
//
//   int main(int argc, char** argv) {
//     troupe::benchmarks::Workload<Line> work;
//     work.name = "log lines";
//     work.records = 200'000;
//     work.source = [](int64_t id, Line& line) { line.text = MakeLine(id); };
//     work.stages = {
//         {"parse", [](Line& line) { line.status = ParseStatus(line.text); }},
//         {"lookup", [](Line& line) { line.digest = Lookup(line); },
//          troupe::benchmarks::StageKind::kBlocks},        // a blocking call
//     };
//     work.result = [](const Line& line) { return line.digest; };
//     return troupe::benchmarks::CompareMain(argc, argv, std::move(work));
//   }
//
// examples/compare_workload/ is a complete one, keyed, with state.
//
// The rules that make the comparison honest:
// - The checksum. Each record's result(), summed over all records (or, ordered,
//   chained per key in order), plus the keyed state's digests, must come out the same
//   whatever design ran the stages; the comparison checks every design against a
//   plain-thread reference and reports a mismatch as an error. So result() must
//   depend only on the record's id, never on timing or on which thread ran it.
// - Records are reused: `source` is handed a record that held an earlier one and
//   must set everything the stages read. `make` builds a fresh record.
// - Stage kinds (erased_workload.h): kCompute for CPU work; kParks for a stage that
//   waits through troupe (this_fiber::SleepFor, channels, troupe::Mutex: the fiber
//   parks); kBlocks for one that blocks its OS thread (a blocking system call, a
//   library with its own locks): every design calls it through troupe::Blocking.
// - Keyed (keys > 0, key(record) < keys): keyed designs route a record by its key,
//   which is read as soon as `source` has filled the record, before any stage runs:
//   it must depend only on what `source` sets.
//   With `state`, each key owns an S, updated once per record after the stages;
//   update must commute (the order in which one key's records arrive differs between
//   designs), and digest folds a key's final S into the checksum. With `ordered`,
//   each key's records (every record, unkeyed) must reach the sink in source order.
//   A workload is either stateful or ordered, not both.
//
// Which designs run follows from that shape (compare_designs.h): plain —
// worker_pool, pipeline, actors; with state — actors owning shards of keys, a worker
// pool with the state behind sharded or one troupe::Mutex, a pipeline partitioned by
// key; ordered — the pipeline's ordered mode, a worker pool reordering at its sink,
// actors per key.
#ifndef TROUPE_BENCHMARKS_COMPARE_WORKLOAD_H_
#define TROUPE_BENCHMARKS_COMPARE_WORKLOAD_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "troupe/benchmarks/compare/compare_runner.h"
#include "troupe/benchmarks/compare/erased_workload.h"

namespace troupe::benchmarks {

template <typename T>
struct Stage {
  std::string name;
  std::function<void(T&)> run;
  StageKind kind = StageKind::kCompute;
};

template <typename T, typename S>
struct KeyedState {
  // A key's state before its first record (default: S{}).
  std::function<S(uint64_t key)> initial = [](uint64_t) { return S{}; };
  // Folds one record into its key's state; must commute (see above).
  std::function<void(const T&, S&)> update;
  // A key's final state, as a number added to the checksum.
  std::function<uint64_t(uint64_t key, const S&)> digest;
};

template <typename T, typename S = std::monostate>
struct Workload {
  std::string name = "custom";
  std::string description;
  int64_t records = 100'000;  // --records overrides it
  std::function<T()> make = [] { return T{}; };
  std::function<void(int64_t id, T&)> source;
  std::vector<Stage<T>> stages;
  std::function<uint64_t(const T&)> result;
  int64_t keys = 0;
  std::function<uint64_t(const T&)> key;
  std::optional<KeyedState<T, S>> state;
  bool ordered = false;
};

namespace workload_internal {

template <typename T, typename S>
class StateShard : public ErasedStateShard {
 public:
  StateShard(std::shared_ptr<const KeyedState<T, S>> state, int64_t keys, int owner, int owners)
      : state_(std::move(state)), owner_(owner), owners_(owners) {
    for (int64_t k = owner; k < keys; k += owners) {
      values_.push_back(state_->initial(static_cast<uint64_t>(k)));
    }
  }
  void Update(const void* record, uint64_t key) override {
    state_->update(*static_cast<const T*>(record), values_[key / static_cast<uint64_t>(owners_)]);
  }
  uint64_t Digest() const override {
    uint64_t sum = 0;
    for (std::size_t i = 0; i < values_.size(); ++i) {
      sum += state_->digest(static_cast<uint64_t>(owner_) + i * static_cast<uint64_t>(owners_),
                            values_[i]);
    }
    return sum;
  }

 private:
  std::shared_ptr<const KeyedState<T, S>> state_;
  const int owner_;
  const int owners_;
  std::vector<S> values_;
};

}  // namespace workload_internal

// The type-erased form the designs run (erased_workload.h).
template <typename T, typename S>
ErasedWorkload Erase(Workload<T, S> w) {
  ErasedWorkload erased;
  erased.name = std::move(w.name);
  erased.description = std::move(w.description);
  erased.records = w.records;
  erased.make_record = [make = std::move(w.make)]() -> void* { return new T(make()); };
  erased.free_record = [](void* record) { delete static_cast<T*>(record); };
  if (w.source) {
    erased.fill = [source = std::move(w.source)](int64_t id, void* record) {
      source(id, *static_cast<T*>(record));
    };
  }
  for (Stage<T>& stage : w.stages) {
    ErasedStage e;
    e.name = std::move(stage.name);
    e.kind = stage.kind;
    if (stage.run) {
      e.run = [run = std::move(stage.run)](void* record) { run(*static_cast<T*>(record)); };
    }
    erased.stages.push_back(std::move(e));
  }
  if (w.result) {
    erased.result = [result = std::move(w.result)](const void* record) {
      return result(*static_cast<const T*>(record));
    };
  }
  erased.keys = w.keys;
  if (w.key) {
    erased.key = [key = std::move(w.key)](const void* record) {
      return key(*static_cast<const T*>(record));
    };
  }
  if (w.state) {
    auto state = std::make_shared<const KeyedState<T, S>>(std::move(*w.state));
    erased.make_state = [state](int64_t keys, int owner, int owners) {
      return std::unique_ptr<ErasedStateShard>(
          new workload_internal::StateShard<T, S>(state, keys, owner, owners));
    };
  }
  erased.ordered = w.ordered;
  return erased;
}

// Call from main: parses the comparison's flags (--records, --procs, --parallelism,
// --capacity, --rate, --rate_sweep, --duration, --repeat, --json, --html, ... as
// compare.cc lists them), runs every design of `workload` and prints the table and
// verdict. Returns the process's exit status (2 if `workload` or a flag is invalid,
// with a message saying what is allowed; 1 if a design failed or a checksum differed).
template <typename T, typename S>
int CompareMain(int argc, char** argv, Workload<T, S> workload) {
  return RunComparison(argc, argv, Erase(std::move(workload)));
}

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_COMPARE_WORKLOAD_H_
