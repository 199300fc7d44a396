// Stack walking by frame pointers, for profilers: async-signal-safe (no locks, no
// allocation), and safe on a stack that changes under it — every read is checked to
// lie inside the stack's known bounds, so a garbage frame pointer ends the walk
// instead of faulting. troupe's fiber stacks stay mapped while the runtime lives
// (stack_pool.h), which is what makes reading a stack another thread may be running
// on memory-safe; the caller decides whether what it read is consistent.
//
// Stacks are complete only through code built with frame pointers
// (-fno-omit-frame-pointer; troupe's .bazelrc builds everything so); a frame without
// one (Debian's prebuilt libraries) ends the walk or, at worst, skips callers.
// x86-64 only; elsewhere the walks return the innermost address alone.
#ifndef TROUPE_PROFILING_INTERNAL_STACK_WALK_H_
#define TROUPE_PROFILING_INTERNAL_STACK_WALK_H_

#include <cstdint>

#include "troupe/scheduler/internal/fiber.h"

namespace troupe::profiling_internal {

// The usable range [low, high) of a stack.
struct StackRange {
  uint64_t low = 0;
  uint64_t high = 0;
  bool Contains(uint64_t address, uint64_t size) const {
    return address >= low && address <= high && high - address >= size;
  }
};

// The stack `fiber` runs on, read without synchronisation; empty (low == high) if it
// holds none (not started, or an idle actor parked at the top of its loop).
StackRange FiberStackRange(const scheduler_internal::Fiber& fiber);

// Writes `pc` and then the callers found by following the frame pointer chain from
// `frame_pointer` (each caller as its return address minus one: inside its call
// instruction) into out[0..max); returns how many. Reads only inside `stack`, at or
// above `stack_pointer`.
int WalkFrames(uint64_t pc, uint64_t frame_pointer, uint64_t stack_pointer, StackRange stack,
               uint64_t* out, int max);

// The callers of the function whose frame address (__builtin_frame_address(0)) is
// `frame`, innermost first, as WalkFrames writes them: the first is inside the
// function that called it. The calling code must run on `stack`. Returns 0 if
// `frame` lies outside `stack`.
int WalkCallersOfFrame(const void* frame, StackRange stack, uint64_t* out, int max);

// The stack the calling code runs on: its fiber's, or the plain thread's (from
// pthread_getattr_np, cached per thread; empty if that fails). Fiber context or
// plain thread; not for signal handlers.
StackRange CurrentStackRange();

// The stack of a suspended fiber, from the registers its last switch saved (innermost
// first: the switch itself, then the scheduler's park, then the caller's frames).
// Returns 0 if the fiber has no stack or its saved registers lie outside it. May read
// a stack that is running meanwhile: validate with the fiber's wait token.
int WalkSuspendedFiber(const scheduler_internal::Fiber& fiber, uint64_t* out, int max);

}  // namespace troupe::profiling_internal

#endif  // TROUPE_PROFILING_INTERNAL_STACK_WALK_H_
