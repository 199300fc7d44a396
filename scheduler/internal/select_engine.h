// The non-template engine behind troupe::Select (select.h).
#ifndef TROUPE_SCHEDULER_INTERNAL_SELECT_ENGINE_H_
#define TROUPE_SCHEDULER_INTERNAL_SELECT_ENGINE_H_

#include <cstdint>

#include "troupe/scheduler/internal/channel_core.h"
#include "troupe/scheduler/internal/context_state.h"
#include "troupe/scheduler/internal/wait_queue.h"

namespace troupe::scheduler_internal {

struct SelectCase {
  enum class Kind : uint8_t { kSend, kRecv, kContextDone, kJoin };
  Kind kind = Kind::kRecv;
  ChannelCore* channel = nullptr;  // kSend, kRecv
  void* slot = nullptr;            // kSend: the value; kRecv: raw storage for one
  ContextState* context = nullptr;  // kContextDone
  Fiber* fiber = nullptr;           // kJoin: the fiber waited for
  int outcome = 0;  // once fired: kOutcomeDone or kOutcomeClosed (channels), 1 (context)
};

inline constexpr int kSelectDefault = -1;
inline constexpr int kSelectTimeout = -2;

inline constexpr int kSelectShutdown = -4;

// Scratch for RunSelect, `count` entries each: the caller's stack for Select (at most
// 64 cases), vectors for DynamicSelect.
struct SelectScratch {
  WaitNode* nodes;
  int* order;
  bool* queued;
};

// Runs one select over `cases[0, count)`. Returns the index of the case that fired
// (its `outcome` says how), kSelectDefault (`has_default` and nothing was ready),
// kSelectTimeout (`deadline_ns` passed; 0 means none), or kSelectShutdown (the
// runtime is shutting down and unwinding its fibers). Parks the caller while nothing
// is ready; with no cases, until a timeout or shutdown.
int RunSelect(SelectCase* cases, const SelectScratch& scratch, int count, bool has_default,
              int64_t deadline_ns);

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_SELECT_ENGINE_H_
