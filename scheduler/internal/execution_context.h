// ExecutionContext: one suspended or running stack of execution (a fiber's stack, or
// an OS thread's own stack), and the only place where troupe switches between them.
//
// It wraps Boost.Context's fcontext primitives (make_fcontext/jump_fcontext: a few
// register saves, no system call) and announces every switch to AddressSanitizer and
// ThreadSanitizer, which otherwise cannot follow a stack that changes under them.
//
// Caller rules: a context is switched to only while it is suspended, and only by one
// thread at a time; the scheduler guarantees both (see scheduler.cc).
#ifndef TROUPE_SCHEDULER_INTERNAL_EXECUTION_CONTEXT_H_
#define TROUPE_SCHEDULER_INTERNAL_EXECUTION_CONTEXT_H_

#include <cstddef>

namespace troupe::scheduler_internal {

class ExecutionContext {
 public:
  // The function a new context starts in. It receives the packet passed by the first
  // switch to it, and must never return (a finished fiber switches away for good).
  using EntryFunction = void (*)(void* packet);

  ExecutionContext() = default;
  ExecutionContext(const ExecutionContext&) = delete;
  ExecutionContext& operator=(const ExecutionContext&) = delete;
  ~ExecutionContext();

  // Makes this context start `entry` on the stack [stack_low, stack_low + stack_size)
  // the next time it is switched to. The stack must stay mapped until the context has
  // switched away for the last time.
  void PrepareFiber(void* stack_low, std::size_t stack_size, EntryFunction entry);

  // Makes this context stand for the calling thread's own stack, so that fibers can
  // switch back to it. Call on that thread, before the first SwitchTo from it.
  void AdoptCurrentThread();

  // Suspends the running context `*this` and resumes `to`, handing it `packet`.
  // Returns, once something switches back to `*this`, the packet that switcher passed.
  void* SwitchTo(ExecutionContext& to, void* packet);

  // Like SwitchTo, for a context that never runs again (a finished fiber). Its
  // stack may be reused as soon as `to` is running.
  [[noreturn]] void ExitTo(ExecutionContext& to, void* packet);

  // Releases what the sanitizers keep for a fiber that has finished (TSan limits how
  // many fibers may exist at once). Call from another context, after the last switch
  // away from this one; the next PrepareFiber sets it up again. A fiber prepared
  // again without this (parked at the top) keeps its state.
  void ReleaseSanitizerState();

  // For stack samplers (troupe/profiling), from any thread: where this context, while
  // suspended, saved its registers (Boost.Context's fcontext_t: on x86-64 the saved
  // rbp at +0x30 and the resume address at +0x38, on the context's own stack). Read
  // without synchronisation, so stale or changing while the context runs; the caller
  // validates what it read (a parked fiber's wait token unchanged across the read).
  // Not instrumented by the sanitizers: the read races with the next switch by design.
  const void* SavedRegistersForSampling() const;

  // Entered by the stack trampoline on a context's first run; not for other callers.
  [[noreturn]] static void RunFirstEntry(void* suspended_handle, void* raw_transfer);

 private:
  struct Transfer;
  // Runs in the context that was just resumed: records where the switcher stopped and
  // tells the sanitizers the switch is over. Returns the switcher's packet.
  static void* CompleteSwitch(void* suspended_handle, Transfer* transfer);
  void StartSwitchAnnotation(ExecutionContext& to, bool exiting);

  void* handle_ = nullptr;  // fcontext_t of this context while it is suspended.
  EntryFunction entry_ = nullptr;
#if defined(__SANITIZE_ADDRESS__)
  // The stack's bounds, for ASan's switch announcements.
  void* stack_low_ = nullptr;
  std::size_t stack_size_ = 0;
  void* asan_fake_stack_ = nullptr;
#endif
#if defined(__SANITIZE_THREAD__)
  void* tsan_fiber_ = nullptr;
  bool owns_tsan_fiber_ = false;
#endif
};

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_EXECUTION_CONTEXT_H_
