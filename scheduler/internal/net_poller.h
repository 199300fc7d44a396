// NetPoller: the netpoller, woven into the scheduler as Go does it. One epoll
// instance for the process and no thread of its own: a fiber that finds a socket not
// ready parks on the socket's PollDescriptor, and the scheduler's own threads collect
// readiness and make the parked fibers runnable.
//
// Who polls (scheduler.cc, monitor.cc):
//  - A P that has run out of work polls without blocking before it tries to steal,
//    if any fiber waits for I/O and no thread is blocked in epoll already.
//  - An M about to sleep without a P blocks in epoll_wait instead of on its futex,
//    if sockets are registered and no other thread is blocked in epoll (at most one
//    is). It wakes for ready I/O, for its scheduler's earliest timer, or for an
//    Interrupt (shutdown). On ready I/O it takes an idle P first and then wakes the
//    fibers, so they run on that M with no hand-off to another thread.
//  - Each runtime's monitor polls when no thread has polled for kMonitorPollNs, so
//    Ps that never run dry cannot starve I/O.
//  - Registering a socket, or a plain thread parking on one, while no thread is
//    blocked in epoll asks a scheduler to start an idle P (which polls, then blocks
//    in epoll), so Ms that went to sleep before any socket existed do not leave
//    ready sockets to the monitor. A fiber's wait asks nothing: its own P polls when
//    it runs dry. A plain thread may wait on a socket only while a troupe Runtime
//    exists in the process to poll for it; without one, Wait says so.
//
// Each socket is registered once, edge-triggered, for both directions. A descriptor
// keeps one parked reader and one parked writer (callers of one direction take turns,
// as net/tcp.h does; a second waiter is refused with a status, never queued over the
// first), and a "ready" bit per direction for an edge that arrived while nobody was
// parked, so a waiter that checks the bits under the descriptor's lock before parking
// cannot miss an edge (pollers set bits and pick waiters under the same lock).
//
// An edge reports a change, but the peer's close is a state: once EPOLLRDHUP (the
// peer shut down its sending side) or EPOLLHUP/EPOLLERR has been seen, no later edge
// will announce it again. A reader that consumed that edge to read the last bytes,
// and then waits before its next read(2) (net/tcp.h does after a short read), would
// park forever. So those events also set a sticky bit per direction ("hung_up"),
// cleared only by a new registration: a Wait for a hung-up direction returns at once
// and the caller's system call reports the end of stream or the error. Hence a
// socket is registered only once it is listening, connecting or connected: Linux
// reports a TCP socket that is none of these as hung up.
//
// Descriptors are pooled and never freed: an event fetched by one thread may be
// dispatched after another thread has released (even re-registered) its socket. Every
// registration bumps the descriptor's sequence number, each epoll event carries the
// sequence it was registered with in the top 16 bits of its data, and a dispatch
// whose sequence no longer matches is dropped. (Go tags its pollDesc pointers the
// same way.)
#ifndef TROUPE_SCHEDULER_INTERNAL_NET_POLLER_H_
#define TROUPE_SCHEDULER_INTERNAL_NET_POLLER_H_

#include <sys/epoll.h>

#include <atomic>
#include <cstdint>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/internal/context_state.h"
#include "troupe/scheduler/internal/fiber.h"
#include "troupe/scheduler/internal/spin_lock.h"
#include "troupe/scheduler/internal/wait_queue.h"

namespace troupe::scheduler_internal {

// What a scheduler offers the poller (Scheduler implements it): start an idle P,
// which polls before it sleeps.
class PollingScheduler {
 public:
  virtual void WakeIdleProcessorToPoll() = 0;

 protected:
  ~PollingScheduler() = default;
};

enum class Direction : uint8_t { kRead = 1, kWrite = 2 };

struct PollDescriptor {
  // -1 once released (closed); read without the lock by operations in flight.
  std::atomic<int> fd{-1};
  SpinLock lock;
  uint16_t sequence = 0;           // guarded by lock; bumped by each Register
  uint32_t ready = 0;              // Direction bits; guarded by lock
  uint32_t hung_up = 0;            // Direction bits, sticky (see above); guarded by lock
  WaitNode* reader = nullptr;      // guarded by lock
  WaitNode* writer = nullptr;      // guarded by lock
  PollDescriptor* next_free = nullptr;  // guarded by NetPoller::free_mutex_
};

class NetPoller {
 public:
  // Events fetched by one epoll_wait, waiting to be dispatched.
  struct ReadyEvents {
    static constexpr int kCapacity = 128;
    epoll_event events[kCapacity];
    int count = 0;
  };

  // The monitor polls when no thread has for this long (Go's sysmon uses 10 ms).
  static constexpr int64_t kMonitorPollNs = 10'000'000;

  // The process's poller, created on first use.
  static NetPoller& Get();
  // The poller if anything has used it yet, else null (one atomic load): the
  // scheduler's idle paths cost nothing in programs without sockets.
  static NetPoller* IfStarted();

  // ---- Sockets (//net). ----
  // Registers non-blocking `fd`. The descriptor stays valid until Retire.
  absl::StatusOr<PollDescriptor*> Register(int fd);
  // Deregisters and closes the fd; wakes parked waiters (they see it closed).
  // Idempotent.
  void Release(PollDescriptor* descriptor);
  // Releases if needed and returns the descriptor to the pool. No operation may be
  // using it any more.
  void Retire(PollDescriptor* descriptor);
  // Parks until `direction` is ready or hung up (OK; retry the system call), until
  // `deadline_ns` (MonotonicNanos; 0 = none) passes (DeadlineExceeded), or until
  // `context` (may be null) is done (its error). FailedPrecondition if the socket
  // was closed, if another waiter is parked for the same direction (callers take
  // turns), or if a plain thread waits while no Runtime exists to poll.
  absl::Status Wait(PollDescriptor* descriptor, Direction direction, int64_t deadline_ns,
                    ContextState* context);

  // ---- The scheduler's side. ----
  // Every live scheduler is attached, so that waiters can ask one to poll; `key` is
  // the value fibers of that scheduler carry in Fiber::scheduler. These do not
  // create the poller.
  static void AttachScheduler(const void* key, PollingScheduler* scheduler);
  static void DetachScheduler(const void* key);
  // Fibers and threads parked on sockets (the deadlock detector reads it).
  int waiters() const { return waiters_.load(std::memory_order_acquire); }
  // Worth a non-blocking poll: somebody waits and no thread is blocked in epoll.
  bool WorthPolling() const;
  // Worth blocking in epoll rather than on a futex: sockets are registered and no
  // other thread is blocked in epoll.
  bool WorthBlocking() const;
  int64_t last_poll_ns() const { return last_poll_ns_.load(std::memory_order_relaxed); }
  // Non-blocking: fetches ready events and wakes their waiters. Returns the number
  // of waiters woken.
  int PollAndWake();
  // For an M about to sleep: false at once if another thread is blocked in epoll.
  // Otherwise blocks until I/O is ready, `deadline_ns` (MonotonicNanos; 0 = none)
  // passes or Interrupt is called, fills `ready`, and returns true. The caller then
  // takes a P if it can and calls Wake(ready). `stop` is checked after this thread
  // became the blocker and before it blocks: whoever sets it and then calls
  // Interrupt cannot be missed.
  bool BlockUntilReady(int64_t deadline_ns, const std::atomic<bool>& stop, ReadyEvents& ready);
  // Wakes the waiters of fetched events. Returns how many were woken.
  int Wake(const ReadyEvents& ready);
  // Makes a blocked BlockUntilReady return (or the next one, if none is blocked).
  void Interrupt();

 private:
  NetPoller();
  int Fetch(ReadyEvents& ready, const struct timespec* timeout);
  int Dispatch(PollDescriptor* descriptor, uint16_t sequence, uint32_t events);
  // A parked waiter needs somebody to poll for it: start an idle P of the scheduler
  // keyed `preferred` (its own) or of any attached one.
  static void RequestPoller(const void* preferred);
  static bool AnySchedulerAttached();

  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd for Interrupt, level-triggered; drained by blockers
  bool have_epoll_pwait2_ = true;  // set once at construction

  std::atomic<int> registered_{0};  // live registrations
  // Bumped (release) by each registration before epoll_ctl and read (acquire) after
  // each epoll_wait: the kernel already orders a descriptor's initialisation before
  // any event naming it, but ThreadSanitizer cannot see through the kernel.
  std::atomic<uint64_t> registrations_published_{0};
  std::atomic<int> waiters_{0};
  std::atomic<bool> blocked_poller_{false};  // a thread is in BlockUntilReady
  std::atomic<int64_t> last_poll_ns_{0};

  std::mutex free_mutex_;
  PollDescriptor* free_descriptors_ ABSL_GUARDED_BY(free_mutex_) = nullptr;
};

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_NET_POLLER_H_
