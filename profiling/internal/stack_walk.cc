#include "troupe/profiling/internal/stack_walk.h"

#include <pthread.h>

#include "troupe/scheduler/internal/wait_protocol.h"

namespace troupe::profiling_internal {

// The reads below race, by design, with the threads that own these stacks and fiber
// records; the sanitizers are told not to watch them (their bounds are checked here).
#define TROUPE_UNWATCHED_READS __attribute__((no_sanitize("address", "thread")))

namespace {

// A word of stack memory, whatever type the frame stored there.
using StackWord = uint64_t __attribute__((may_alias));

TROUPE_UNWATCHED_READS uint64_t ReadWord(uint64_t address) {
  return *reinterpret_cast<const StackWord*>(address);
}

// Boost.Context's x86-64 System V fcontext: jump_fcontext pushes the return address,
// then reserves 0x38 bytes holding (from the bottom) MXCSR/x87 control words, r12,
// r13, r14, r15, rbx, rbp. The handle points at the bottom.
constexpr uint64_t kSavedFramePointerOffset = 0x30;
constexpr uint64_t kSavedReturnAddressOffset = 0x38;
constexpr uint64_t kSavedContextBytes = 0x40;

}  // namespace

TROUPE_UNWATCHED_READS StackRange FiberStackRange(const scheduler_internal::Fiber& fiber) {
  scheduler_internal::Stack stack;
  stack.mapping = fiber.stack.mapping;
  stack.mapping_size = fiber.stack.mapping_size;
  if (stack.mapping == nullptr) return {};
  const uint64_t low = reinterpret_cast<uint64_t>(stack.low());
  return {low, low + stack.usable_size()};
}

int WalkFrames(uint64_t pc, uint64_t frame_pointer, uint64_t stack_pointer, StackRange stack,
               uint64_t* out, int max) {
  if (max <= 0) return 0;
  int depth = 0;
  out[depth++] = pc;
#if defined(__x86_64__)
  // Each frame: [fp] = the caller's fp, [fp + 8] = the return address. Frames grow
  // down, so each caller's frame lies strictly above its callee's.
  StackRange live{stack_pointer > stack.low ? stack_pointer : stack.low, stack.high};
  uint64_t fp = frame_pointer;
  while (depth < max && fp % sizeof(uint64_t) == 0 && live.Contains(fp, 2 * sizeof(uint64_t))) {
    const uint64_t caller_fp = ReadWord(fp);
    const uint64_t return_address = ReadWord(fp + sizeof(uint64_t));
    if (return_address == 0) break;
    out[depth++] = return_address - 1;
    if (caller_fp <= fp) break;
    fp = caller_fp;
  }
#else
  (void)frame_pointer;
  (void)stack_pointer;
  (void)stack;
#endif
  return depth;
}

int WalkCallersOfFrame(const void* frame, StackRange stack, uint64_t* out, int max) {
#if defined(__x86_64__)
  const uint64_t fp = reinterpret_cast<uint64_t>(frame);
  if (max <= 0 || fp % sizeof(uint64_t) != 0 || !stack.Contains(fp, 2 * sizeof(uint64_t))) {
    return 0;
  }
  const uint64_t return_address = ReadWord(fp + sizeof(uint64_t));
  if (return_address == 0) return 0;
  return WalkFrames(return_address - 1, ReadWord(fp), fp, stack, out, max);
#else
  (void)frame;
  (void)stack;
  (void)out;
  (void)max;
  return 0;
#endif
}

StackRange CurrentStackRange() {
  if (const scheduler_internal::Fiber* fiber = scheduler_internal::CurrentFiber()) {
    return FiberStackRange(*fiber);
  }
  thread_local const StackRange thread_stack = [] {
    pthread_attr_t attributes;
    if (pthread_getattr_np(pthread_self(), &attributes) != 0) return StackRange{};
    void* low = nullptr;
    size_t size = 0;
    const bool known = pthread_attr_getstack(&attributes, &low, &size) == 0;
    pthread_attr_destroy(&attributes);
    if (!known) return StackRange{};
    const uint64_t start = reinterpret_cast<uint64_t>(low);
    return StackRange{start, start + size};
  }();
  return thread_stack;
}

int WalkSuspendedFiber(const scheduler_internal::Fiber& fiber, uint64_t* out, int max) {
#if defined(__x86_64__)
  const StackRange stack = FiberStackRange(fiber);
  const uint64_t saved = reinterpret_cast<uint64_t>(fiber.context.SavedRegistersForSampling());
  if (!stack.Contains(saved, kSavedContextBytes)) return 0;
  const uint64_t return_address = ReadWord(saved + kSavedReturnAddressOffset);
  if (return_address == 0) return 0;
  return WalkFrames(return_address - 1, ReadWord(saved + kSavedFramePointerOffset),
                    saved + kSavedContextBytes, stack, out, max);
#else
  (void)fiber;
  (void)out;
  (void)max;
  return 0;
#endif
}

}  // namespace troupe::profiling_internal
