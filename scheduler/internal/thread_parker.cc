#include "troupe/scheduler/internal/thread_parker.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "troupe/scheduler/internal/clock.h"

namespace troupe::scheduler_internal {

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

}  // namespace troupe::scheduler_internal
