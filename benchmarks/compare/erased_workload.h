// The pattern comparison's view of a workload, whatever its record type: what
// workload.h's Workload<T, S> becomes once its types are erased, and what every
// design (compare_designs.h) runs. Users write Workload<T, S>, not this.
#ifndef TROUPE_BENCHMARKS_COMPARE_ERASED_WORKLOAD_H_
#define TROUPE_BENCHMARKS_COMPARE_ERASED_WORKLOAD_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace troupe::benchmarks {

// How a stage spends its time, which decides how the designs call it.
enum class StageKind {
  kCompute,  // only CPU work
  kParks,    // waits through troupe (this_fiber::SleepFor, channels, Mutex, ...):
             // parks the fiber; on the plain-thread ceiling it blocks the thread
  kBlocks,   // blocks the OS thread (a blocking system call): every design calls it
             // through troupe::Blocking, so the fibers behind it keep running
};

struct ErasedStage {
  std::string name;
  std::function<void(void* record)> run;
  StageKind kind = StageKind::kCompute;
};

// One owner's share of a keyed state: the keys k with k % owners == owner. Update and
// Digest are called by one fiber or thread at a time (the designs serialise them).
class ErasedStateShard {
 public:
  virtual ~ErasedStateShard() = default;
  // Precondition: key % owners == owner.
  virtual void Update(const void* record, uint64_t key) = 0;
  // The sum (mod 2^64) of the digests of every key this shard owns, touched or not.
  virtual uint64_t Digest() const = 0;
};

struct ErasedWorkload {
  std::string name;
  std::string description;
  int64_t records = 0;
  std::function<void*()> make_record;
  std::function<void(void*)> free_record;
  std::function<void(int64_t id, void* record)> fill;  // the source
  std::vector<ErasedStage> stages;
  std::function<uint64_t(const void* record)> result;
  // Keys: 0 for an unkeyed workload; otherwise key(record) < keys.
  int64_t keys = 0;
  std::function<uint64_t(const void* record)> key;
  // Keyed state (null: none): the shard of `owner` among `owners`.
  std::function<std::unique_ptr<ErasedStateShard>(int64_t keys, int owner, int owners)>
      make_state;
  bool ordered = false;
  // A record's state as bytes and back, for the designs spread over processes
  // (--nodes, node_comparison.h); null: the workload runs in one process only.
  // encode appends to *out; decode returns false for bytes that are not a record.
  std::function<void(const void* record, std::string* out)> encode;
  std::function<bool(absl::string_view bytes, void* record)> decode;

  bool has_state() const { return static_cast<bool>(make_state); }
  // True if some stage waits (parks or blocks) rather than only computes.
  bool waits() const {
    for (const ErasedStage& stage : stages) {
      if (stage.kind != StageKind::kCompute) return true;
    }
    return false;
  }
};

// InvalidArgument naming what is wrong, or OK.
absl::Status ValidateWorkload(const ErasedWorkload& workload);

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_COMPARE_ERASED_WORKLOAD_H_
