// Fiber-local state, and a guard for thread-local state held across a switch.
//
// A fiber may resume on another OS thread after anything that can park or yield, so a
// thread_local read before a Recv may be another thread's after it — the hazard the
// README warns about (gtest's SCOPED_TRACE, which keeps a thread-local stack, crashes
// that way in a fiber that parks inside it). Two tools:
//
//   FiberLocal<T>: one T per fiber (and per plain thread), as thread_local is one per
//   thread. Built on first use in each fiber, destroyed when the fiber finishes (on
//   its own stack), whatever threads it ran on in between. An idle actor keeps its
//   fiber's values across the messages it handles.
//
//     troupe::FiberLocal<RequestLog> log;   // e.g. a static or a member
//     log->Add("parsed");                   // this fiber's RequestLog
//
//   ThreadBound<T>: a reference to a thread-local object that, in debug builds
//   (!NDEBUG), stops the process naming the culprit if it is used on another thread
//   than the one it was taken on — that is, after the fiber moved. In release builds
//   it is a plain pointer.
//
//     troupe::ThreadBound<Cache> cache(thread_cache);  // thread_local Cache thread_cache;
//     channel.Recv();                                   // may move the fiber
//     cache->Get(key);                                  // debug: fatal error, not a race
#ifndef TROUPE_SCHEDULER_FIBER_LOCAL_H_
#define TROUPE_SCHEDULER_FIBER_LOCAL_H_

#include <cstdint>
#include <thread>

#include "troupe/scheduler/internal/fiber_locals.h"

namespace troupe {

namespace scheduler_internal {

// The calling fiber's (or plain thread's) slot for `key`, empty the first time; the
// caller stores the value and its destroyer there.
FiberLocalSlot& FiberLocalSlotFor(uint64_t key);
uint64_t NewFiberLocalKey();
[[noreturn]] void ThreadBoundMisuse(const void* object);

}  // namespace scheduler_internal

template <typename T>
class FiberLocal {
 public:
  FiberLocal() : key_(scheduler_internal::NewFiberLocalKey()) {}
  FiberLocal(const FiberLocal&) = delete;
  FiberLocal& operator=(const FiberLocal&) = delete;

  // The calling fiber's T, default-constructed on its first use. Never parks. The
  // reference stays valid until the fiber finishes, on whatever thread.
  T& Get() const {
    scheduler_internal::FiberLocalSlot& slot = scheduler_internal::FiberLocalSlotFor(key_);
    if (slot.value == nullptr) {
      slot.value = new T();
      slot.destroy = [](void* value) { delete static_cast<T*>(value); };
    }
    return *static_cast<T*>(slot.value);
  }
  T* operator->() const { return &Get(); }
  T& operator*() const { return Get(); }

 private:
  const uint64_t key_;
};

template <typename T>
class ThreadBound {
 public:
  explicit ThreadBound(T& thread_local_object)
      : object_(&thread_local_object)
#ifndef NDEBUG
        ,
        thread_(std::this_thread::get_id())
#endif
  {
  }

  T& get() const {
#ifndef NDEBUG
    if (std::this_thread::get_id() != thread_) scheduler_internal::ThreadBoundMisuse(object_);
#endif
    return *object_;
  }
  T* operator->() const { return &get(); }
  T& operator*() const { return get(); }

 private:
  T* object_;
#ifndef NDEBUG
  std::thread::id thread_;
#endif
};

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_FIBER_LOCAL_H_
