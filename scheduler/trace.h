// Scheduling traces: which fiber ran on which OS thread, and when
// (Runtime::StartTrace / StopTrace). Meant for short runs: every slice is kept in
// memory until StopTrace, up to kMaxSlicesPerThread per thread (later ones are
// dropped and counted). Each slice names its fiber (TraceSlice::labels), and
// TraceSliceName gives the name a trace viewer shows.
#ifndef TROUPE_SCHEDULER_TRACE_H_
#define TROUPE_SCHEDULER_TRACE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace troupe {

class LabelSet;

struct TraceSlice {
  int thread = 0;         // the machine (OS thread) index within the runtime
  uint64_t fiber = 0;     // the fiber's id
  // The fiber's labels when the slice ended (its name, actor, stage; immortal:
  // fiber_labels.h), or null for an unnamed fiber.
  const LabelSet* labels = nullptr;
  int64_t start_ns = 0;   // a monotonic clock: compare slices only with each other
  int64_t end_ns = 0;
};

struct Trace {
  static constexpr std::size_t kMaxSlicesPerThread = 1'000'000;
  std::vector<TraceSlice> slices;
  uint64_t dropped = 0;
};

// "fiber 12", or "fiber 12 actor room-general (chat::RoomActor)" for a labelled fiber:
// the name of the slice in a Chrome trace (chrome://tracing, Perfetto).
std::string TraceSliceName(const TraceSlice& slice);

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_TRACE_H_
