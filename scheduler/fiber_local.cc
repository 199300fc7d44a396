#include "troupe/scheduler/fiber_local.h"

#include <atomic>

#include "troupe/scheduler/internal/fatal.h"
#include "troupe/scheduler/internal/fiber.h"
#include "troupe/scheduler/internal/wait_protocol.h"

namespace troupe::scheduler_internal {

namespace {

std::atomic<uint64_t> next_key{1};

// A plain thread's values, destroyed when the thread exits.
struct ThreadLocals {
  FiberLocals* locals = nullptr;
  ~ThreadLocals() { DestroyFiberLocals(locals); }
};

// Out of line: the caller may be a fiber that moves between threads.
__attribute__((noinline)) FiberLocals*& ThreadLocalsOfThisThread() {
  thread_local ThreadLocals thread_locals;
  return thread_locals.locals;
}

}  // namespace

uint64_t NewFiberLocalKey() {
  return next_key.fetch_add(1, std::memory_order_relaxed);  // relaxed: uniqueness only
}

FiberLocalSlot& FiberLocalSlotFor(uint64_t key) {
  Fiber* self = CurrentFiber();
  // Only the fiber itself touches its locals.
  return SlotFor(self != nullptr ? self->locals : ThreadLocalsOfThisThread(), key);
}

void ThreadBoundMisuse(const void* object) {
  Fatal("ThreadBound::get",
        "the thread-local object at %p was taken on another thread: the fiber moved to "
        "this thread since (it parked or yielded in between). Use troupe::FiberLocal for "
        "state that must follow the fiber",
        object);
}

}  // namespace troupe::scheduler_internal
