// FiberLocals: the values of FiberLocal<T> variables (fiber_local.h) that one fiber
// (or plain thread) has used, found by the variable's key. Most fibers use none and
// have none (a null pointer in the record); the few that do keep a short vector,
// searched linearly.
#ifndef TROUPE_SCHEDULER_INTERNAL_FIBER_LOCALS_H_
#define TROUPE_SCHEDULER_INTERNAL_FIBER_LOCALS_H_

#include <cstdint>
#include <utility>
#include <vector>

namespace troupe::scheduler_internal {

struct FiberLocalSlot {
  void* value = nullptr;
  void (*destroy)(void*) = nullptr;
};

struct FiberLocals {
  std::vector<std::pair<uint64_t, FiberLocalSlot>> slots;
};

// The slot for `key` in `*locals`, made (and *locals with it) if missing.
FiberLocalSlot& SlotFor(FiberLocals*& locals, uint64_t key);
// Destroys every value and *locals itself; *locals becomes null.
void DestroyFiberLocals(FiberLocals*& locals);

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_FIBER_LOCALS_H_
