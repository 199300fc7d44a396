// Profile labels: key/value pairs attached to the calling fiber, recorded with every
// CPU sample taken while it runs and shown on its entry of a fiber profile, so that
// one profile splits by fiber, actor or pipeline stage (`go tool pprof -tagfocus
// actor=parser`, `-tags`). Go's pprof.Do / SetGoroutineLabels, for fibers.
//
// The labels are the fiber's own (scheduler/fiber_labels.h), the same ones that name
// it in fiber dumps, deadlock reports, traces and logs. troupe labels its own fibers:
// an actor's fiber carries "actor" (its name, when it has one) and "actor_type", a
// pipeline stage's workers carry "stage". Name your own fibers at spawn
// (SpawnOptions::name), with SetFiberName (the "fiber" label) or WithLabels.
#ifndef TROUPE_PROFILING_LABELS_H_
#define TROUPE_PROFILING_LABELS_H_

#include <utility>

#include "troupe/scheduler/fiber_labels.h"

namespace troupe::profiling {

using ::troupe::FiberLabels;
using ::troupe::LabelPairs;
using ::troupe::LabelSet;
using ::troupe::LabelSetsRefused;
using ::troupe::MergedWithFiberLabels;
using ::troupe::SetFiberLabels;
using ::troupe::SetFiberName;

// Fiber context: the calling fiber's labels with `added` merged in (same key:
// `added` wins) for the duration of `body`, then the previous ones again.
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
