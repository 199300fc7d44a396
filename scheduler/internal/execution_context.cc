// ExecutionContext: the context switch and its sanitizer announcements.
//
// Boost.Context's fcontext API is used directly: jump_fcontext(to, data) saves the
// callee-saved registers on the current stack, switches to `to`, and returns in the
// resumed context a transfer_t {handle of the context just suspended, data}. The
// handle of a suspended context is therefore known only to whoever resumes next, so
// every switch carries a Transfer naming the switcher, and the resumed side writes the
// switcher's handle into it (CompleteSwitch) before doing anything else.
//
// Invariant: a context's `handle_` is valid exactly while it is suspended. The
// scheduler never resumes a fiber before the context that switched away from it has
// completed its switch (scheduler.cc, "after-switch actions"), so the handle is always
// written before anyone reads it.
//
// Sanitizers (Debian's Boost is built on fcontext, which makes no such calls itself):
//  - ASan: __sanitizer_start_switch_fiber before the jump with the target stack's
//    bounds, __sanitizer_finish_switch_fiber right after resuming. A thread's own stack
//    bounds are learned on its first switch away. A finished fiber passes a null
//    fake-stack slot so ASan frees its fake frames.
//  - TSan: each fiber has its own TSan fiber (__tsan_create_fiber); the switcher calls
//    __tsan_switch_to_fiber immediately before the jump. Flag 0 makes TSan order the
//    switcher's past before the resumed fiber's future, which is the truth: they run
//    one after the other on the same thread.
#include "troupe/scheduler/internal/execution_context.h"
#include "troupe/scheduler/internal/fatal.h"

#include <boost/context/detail/fcontext.hpp>

#include <cstdio>
#include <cstdlib>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define TROUPE_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define TROUPE_TSAN 1
#endif

namespace troupe::scheduler_internal {

namespace fctx = boost::context::detail;

struct ExecutionContext::Transfer {
  ExecutionContext* from;
  ExecutionContext* to;
  void* packet;
};

namespace {

void StackTrampoline(fctx::transfer_t transfer) {
  ExecutionContext::RunFirstEntry(transfer.fctx, transfer.data);
}

}  // namespace

ExecutionContext::~ExecutionContext() { ReleaseSanitizerState(); }

void ExecutionContext::ReleaseSanitizerState() {
#if TROUPE_TSAN
  if (owns_tsan_fiber_) __tsan_destroy_fiber(tsan_fiber_);
  owns_tsan_fiber_ = false;
  tsan_fiber_ = nullptr;
#endif
}

void ExecutionContext::PrepareFiber(void* stack_low, std::size_t stack_size,
                                    EntryFunction entry) {
  entry_ = entry;
#if TROUPE_ASAN
  stack_low_ = stack_low;
  stack_size_ = stack_size;
  asan_fake_stack_ = nullptr;
#endif
  handle_ = fctx::make_fcontext(static_cast<char*>(stack_low) + stack_size, stack_size,
                                &StackTrampoline);
#if TROUPE_TSAN
  // A fresh TSan fiber per fiber (its state is released when the fiber finishes): a
  // reused record or stack must not inherit the happens-before history of the fiber
  // that had it before. A fiber that parked at the top and starts again from its
  // entry (an idle actor woken) is the same fiber and keeps its TSan fiber, which
  // also spares it TSan's costly fiber creation at every wake-up.
  if (tsan_fiber_ == nullptr) {
    tsan_fiber_ = __tsan_create_fiber(0);
    owns_tsan_fiber_ = true;
  }
#endif
}

void ExecutionContext::AdoptCurrentThread() {
  handle_ = nullptr;
#if TROUPE_ASAN
  stack_low_ = nullptr;  // learned from ASan on the first switch away
  stack_size_ = 0;
#endif
#if TROUPE_TSAN
  tsan_fiber_ = __tsan_get_current_fiber();
  owns_tsan_fiber_ = false;
#endif
}

void ExecutionContext::StartSwitchAnnotation(ExecutionContext& to, bool exiting) {
#if TROUPE_ASAN
  __sanitizer_start_switch_fiber(exiting ? nullptr : &asan_fake_stack_, to.stack_low_,
                                 to.stack_size_);
#endif
#if TROUPE_TSAN
  __tsan_switch_to_fiber(to.tsan_fiber_, 0);
#endif
  (void)to;
  (void)exiting;
}

void* ExecutionContext::CompleteSwitch(void* suspended_handle, Transfer* transfer) {
  ExecutionContext* from = transfer->from;
  from->handle_ = suspended_handle;
#if TROUPE_ASAN
  const void* from_low = nullptr;
  std::size_t from_size = 0;
  __sanitizer_finish_switch_fiber(transfer->to->asan_fake_stack_, &from_low, &from_size);
  if (from->stack_low_ == nullptr) {  // a thread stack: remember its bounds
    from->stack_low_ = const_cast<void*>(from_low);
    from->stack_size_ = from_size;
  }
#endif
  return transfer->packet;
}

__attribute__((no_sanitize("address", "thread"))) const void*
ExecutionContext::SavedRegistersForSampling() const {
  return handle_;
}

void* ExecutionContext::SwitchTo(ExecutionContext& to, void* packet) {
  Transfer transfer{this, &to, packet};
  StartSwitchAnnotation(to, /*exiting=*/false);
  fctx::transfer_t resumed = fctx::jump_fcontext(to.handle_, &transfer);
  return CompleteSwitch(resumed.fctx, static_cast<Transfer*>(resumed.data));
}

void ExecutionContext::ExitTo(ExecutionContext& to, void* packet) {
  Transfer transfer{this, &to, packet};
  StartSwitchAnnotation(to, /*exiting=*/true);
  fctx::jump_fcontext(to.handle_, &transfer);
  Fatal("ExecutionContext::ExitTo", "a finished fiber was resumed");
}

void ExecutionContext::RunFirstEntry(void* suspended_handle, void* raw_transfer) {
  auto* transfer = static_cast<Transfer*>(raw_transfer);
  ExecutionContext* self = transfer->to;
  void* packet = CompleteSwitch(suspended_handle, transfer);
  self->entry_(packet);
  Fatal("ExecutionContext::RunFirstEntry", "entry returned");
}

}  // namespace troupe::scheduler_internal
