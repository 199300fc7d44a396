#include "troupe/scheduler/internal/thread_parker.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#if defined(__SANITIZE_THREAD__)
#include <chrono>
#endif

#include "troupe/scheduler/internal/clock.h"

namespace troupe::scheduler_internal {

#if defined(__SANITIZE_THREAD__)

// The mutex orders the permit (see the header for why not a futex here).
bool ThreadParker::Park(int64_t deadline_ns) {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto given = [this] { return permit_; };
  if (deadline_ns == 0) {
    permit_given_.wait(lock, given);
  } else {
    // steady_clock is CLOCK_MONOTONIC, MonotonicNanos's clock.
    const std::chrono::steady_clock::time_point deadline{std::chrono::nanoseconds(deadline_ns)};
    if (!permit_given_.wait_until(lock, deadline, given)) return false;
  }
  permit_ = false;
  return true;
}

void ThreadParker::Unpark() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    permit_ = true;
  }
  permit_given_.notify_one();
}

#else

bool ThreadParker::Park(int64_t deadline_ns) {
  while (true) {
    // acquire; pairs with the release exchange in Unpark.
    if (permit_.exchange(0, std::memory_order_acquire) == 1) return true;
    timespec timeout;
    timespec* timeout_ptr = nullptr;
    if (deadline_ns != 0) {
      int64_t remaining = deadline_ns - MonotonicNanos();
      if (remaining <= 0) return false;
      timeout.tv_sec = remaining / 1'000'000'000;
      timeout.tv_nsec = remaining % 1'000'000'000;
      timeout_ptr = &timeout;
    }
    // Sleeps only while the word is still 0, so an Unpark between the exchange above
    // and this call is not lost.
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&permit_), FUTEX_WAIT_PRIVATE, 0,
            timeout_ptr, nullptr, 0);
  }
}

void ThreadParker::Unpark() {
  // release; pairs with the acquire exchange in Park.
  if (permit_.exchange(1, std::memory_order_release) == 0) {
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&permit_), FUTEX_WAKE_PRIVATE, 1,
            nullptr, nullptr, 0);
  }
}

#endif  // defined(__SANITIZE_THREAD__)

}  // namespace troupe::scheduler_internal
