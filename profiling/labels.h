// Profile labels: key/value pairs attached to the calling fiber, recorded with every
// CPU sample taken while it runs and shown on its entry of a fiber profile, so that
// one profile splits by fiber, actor or pipeline stage (`go tool pprof -tagfocus
// actor=parser`, `-tags`). Go's pprof.Do / SetGoroutineLabels, for fibers.
//
// troupe labels its own fibers: an actor's fiber carries "actor" (its name, when it
// has one), a pipeline stage's workers carry "stage". Name your own fibers with
// SetFiberName (the "fiber" label) or WithLabels.
//
// A LabelSet is interned: built once per distinct content, immortal, compared by
// address, which is what lets a signal handler record it with one pointer. Intern
// label sets of bounded variety (names of roles, not request ids): at most
// kMaxLabelSets distinct sets exist per process; past that Intern returns null (no
// labels) and counts the refusal in LabelSetsRefused().
#ifndef TROUPE_PROFILING_LABELS_H_
#define TROUPE_PROFILING_LABELS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace troupe::profiling {

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

  LabelSet(const LabelSet&) = delete;
  LabelSet& operator=(const LabelSet&) = delete;

 private:
  friend struct LabelSetAccess;
  explicit LabelSet(LabelPairs labels) : labels_(std::move(labels)) {}
  LabelPairs labels_;
};

// How many Intern calls were refused because the table was full.
uint64_t LabelSetsRefused();

// Fiber context (on a plain thread they do nothing / return null): the calling
// fiber's labels. Never blocks or parks. A new fiber starts without labels.
void SetFiberLabels(const LabelSet* labels);
const LabelSet* FiberLabels();

// Fiber context: the calling fiber's labels with `added` merged in (same key:
// `added` wins) for the duration of `body`, then the previous ones again.
template <typename Body>
void WithLabels(LabelPairs added, Body&& body);

// Fiber context: sets the "fiber" label (kept with the fiber's other labels).
void SetFiberName(const std::string& name);

// The calling fiber's labels with `added` merged in, interned (null if refused).
const LabelSet* MergedWithFiberLabels(LabelPairs added);

template <typename Body>
void WithLabels(LabelPairs added, Body&& body) {
  const LabelSet* previous = FiberLabels();
  SetFiberLabels(MergedWithFiberLabels(std::move(added)));
  struct Restore {
    const LabelSet* previous;
    ~Restore() { SetFiberLabels(previous); }
  } restore{previous};
  std::forward<Body>(body)();
}

}  // namespace troupe::profiling

#endif  // TROUPE_PROFILING_LABELS_H_
