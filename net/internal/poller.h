// Poller: the netpoller. One epoll instance and one thread for the process; fibers
// that find a socket not ready park on its PollDescriptor and are woken when epoll
// reports it ready. No OS thread ever blocks in read, write or accept.
//
// Each socket is registered once, edge-triggered, for both directions. A descriptor
// keeps one parked reader and one parked writer, and a "ready" bit per direction for
// an edge that arrived while nobody was parked, so a waiter that checks the bits under
// the descriptor's lock before parking cannot miss an edge (the poller sets bits and
// picks waiters under the same lock).
//
// Descriptors are freed by the poller thread itself (Retire), after the epoll batch
// that may still mention them, so an event never reaches freed memory.
//
// Not yet as in Go: the poller is its own thread rather than being polled by idle
// processors before they park. It costs one extra thread and one hand-off per
// readiness event.
#ifndef TROUPE_NET_INTERNAL_POLLER_H_
#define TROUPE_NET_INTERNAL_POLLER_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "scheduler/internal/context_state.h"
#include "scheduler/internal/spin_lock.h"
#include "scheduler/internal/wait_queue.h"

namespace troupe::net_internal {

enum class Direction : uint8_t { kRead = 1, kWrite = 2 };

struct PollDescriptor {
  // -1 once released (closed); read without the lock by operations in flight.
  std::atomic<int> fd{-1};
  scheduler_internal::SpinLock lock;
  uint32_t ready = 0;  // Direction bits; guarded by lock
  scheduler_internal::WaitNode* reader = nullptr;  // guarded by lock
  scheduler_internal::WaitNode* writer = nullptr;  // guarded by lock
};

class Poller {
 public:
  // The process's poller, started on first use.
  static Poller& Get();

  // Registers non-blocking `fd`. The descriptor stays valid until Retire.
  absl::StatusOr<PollDescriptor*> Register(int fd);
  // Deregisters and closes the fd; wakes parked waiters (they see it closed).
  // Idempotent.
  void Release(PollDescriptor* descriptor);
  // Releases if needed, then frees the descriptor once the poller thread can no
  // longer be holding an event for it. No operation may be using it any more.
  void Retire(PollDescriptor* descriptor);

  // Parks until `direction` is ready (OK; retry the system call), or until
  // `context` (may be null) is done (its error).
  absl::Status Wait(PollDescriptor* descriptor, Direction direction,
                    scheduler_internal::ContextState* context);

 private:
  Poller();
  void Run();
  void Dispatch(PollDescriptor* descriptor, uint32_t events);

  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: wakes the poller thread to free descriptors
  std::mutex retired_mutex_;
  std::vector<PollDescriptor*> retired_ ABSL_GUARDED_BY(retired_mutex_);
  std::thread thread_;
};

}  // namespace troupe::net_internal

#endif  // TROUPE_NET_INTERNAL_POLLER_H_
