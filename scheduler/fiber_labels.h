// Fiber labels: key/value pairs attached to a fiber, the one place a fiber's identity
// lives. Everything that names a fiber reads them: the fiber dump (Runtime::DumpFibers,
// SIGQUIT), the deadlock report, the scheduling trace, the log (log.h) and profiles
// (CPU samples and the fiber profile carry them as pprof labels; profiling/labels.h).
//
// Well-known keys, set by troupe:
//   "fiber"       the name given at spawn (SpawnOptions::name) or by SetFiberName
//   "actor"       the name of the actor whose fiber it is (when the actor has one)
//   "actor_type"  that actor's C++ type, demangled ("chat::RoomActor")
//   "stage"       the pipeline stage the fiber works for
//
// A LabelSet is interned: built once per distinct content, immortal, compared by
// address — so a fiber holds its labels with one pointer that dumps on other threads
// and signal handlers may read. Intern label sets of bounded variety (names of roles,
// "room-general", "acceptor"; not request ids): at most kMaxLabelSets distinct sets
// exist per process; past that Intern returns null (no labels) and counts the
// refusal in LabelSetsRefused(). A fiber without labels costs nothing.
#ifndef TROUPE_SCHEDULER_FIBER_LABELS_H_
#define TROUPE_SCHEDULER_FIBER_LABELS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace troupe {

using LabelPairs = std::vector<std::pair<std::string, std::string>>;

class LabelSet {
 public:
  static constexpr std::size_t kMaxLabelSets = 4096;

  // Any thread. The interned set holding `labels` (sorted by key; a later duplicate
  // key wins), or null when kMaxLabelSets sets exist already. Takes a lock.
  static const LabelSet* Intern(LabelPairs labels);

  const LabelPairs& labels() const { return labels_; }
  // The value of `key`, or null.
  const std::string* Find(const std::string& key) const;

  // Any thread. The labels as a dump, trace or log shows them, e.g.
  // `"acceptor"`, `actor room-general (chat::RoomActor)`, `stage=parse`: the fiber's
  // name quoted, the actor's name and type, then the other labels as key=value.
  // Computed once, at interning.
  const std::string& description() const { return description_; }

  LabelSet(const LabelSet&) = delete;
  LabelSet& operator=(const LabelSet&) = delete;

 private:
  friend struct LabelSetAccess;
  explicit LabelSet(LabelPairs labels);
  LabelPairs labels_;
  std::string description_;
};

// How many Intern calls were refused because the table was full.
uint64_t LabelSetsRefused();

// Fiber context (on a plain thread they do nothing / return null): the calling
// fiber's labels. Never blocks or parks. A new fiber starts without labels, or with
// {"fiber": name} when spawned with SpawnOptions::name.
void SetFiberLabels(const LabelSet* labels);
const LabelSet* FiberLabels();

// Fiber context: sets the "fiber" label (kept with the fiber's other labels).
void SetFiberName(const std::string& name);

// The calling fiber's labels with `added` merged in (same key: `added` wins),
// interned (null if refused).
const LabelSet* MergedWithFiberLabels(LabelPairs added);

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_FIBER_LABELS_H_
