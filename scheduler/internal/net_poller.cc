#include "troupe/scheduler/internal/net_poller.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

#include "absl/strings/str_cat.h"
#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/internal/fatal.h"
#include "troupe/scheduler/internal/fiber.h"

namespace troupe::scheduler_internal {

namespace {

constexpr int kSequenceShift = 48;  // event data: sequence << 48 | descriptor pointer
constexpr uint64_t kPointerMask = (uint64_t{1} << kSequenceShift) - 1;
constexpr uint64_t kWakeFdData = 0;  // no descriptor lives at address 0

std::atomic<NetPoller*> started_poller{nullptr};

// The live schedulers (NetPoller::AttachScheduler). Lock order: this mutex, then a
// scheduler's idle lock.
std::mutex schedulers_mutex;
struct AttachedScheduler {
  const void* key;
  PollingScheduler* scheduler;
};
std::vector<AttachedScheduler>& Schedulers() {
  // guarded by schedulers_mutex
  static auto* schedulers = new std::vector<AttachedScheduler>();
  return *schedulers;
}

}  // namespace

NetPoller& NetPoller::Get() {
  static NetPoller* poller = [] {
    auto* created = new NetPoller();  // lives for the process
    started_poller.store(created, std::memory_order_release);
    return created;
  }();
  return *poller;
}

NetPoller* NetPoller::IfStarted() { return started_poller.load(std::memory_order_acquire); }

NetPoller::NetPoller() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    Fatal("NetPoller::NetPoller", "epoll_create1/eventfd: %s", std::strerror(errno));
  }
  epoll_event event{};
  event.events = EPOLLIN;  // level-triggered: every blocker sees an Interrupt
  event.data.u64 = kWakeFdData;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event) != 0) {
    Fatal("NetPoller::NetPoller", "epoll_ctl: %s", std::strerror(errno));
  }
  // epoll_pwait2 (Linux 5.11) takes a nanosecond timeout; older kernels round the
  // sleep up to whole milliseconds instead. So does a ThreadSanitizer build: TSan
  // intercepts epoll_wait but not epoll_pwait2, and runs a signal's handler at once
  // only in a blocking call it intercepts (thread_parker.h says why that matters).
#if defined(__SANITIZE_THREAD__)
  have_epoll_pwait2_ = false;
#else
  const timespec zero{0, 0};
  epoll_event ignored[1];
  have_epoll_pwait2_ = !(epoll_pwait2(epoll_fd_, ignored, 1, &zero, nullptr) < 0 &&
                         errno == ENOSYS);
#endif
}

// ---------------------------------------------------------------------------------
// Sockets.

absl::StatusOr<PollDescriptor*> NetPoller::Register(int fd) {
  PollDescriptor* descriptor;
  {
    std::lock_guard<std::mutex> lock(free_mutex_);
    descriptor = free_descriptors_;
    if (descriptor != nullptr) free_descriptors_ = descriptor->next_free;
  }
  if (descriptor == nullptr) {
    descriptor = new PollDescriptor();  // pooled for the process: see the header
    if ((reinterpret_cast<uintptr_t>(descriptor) & ~kPointerMask) != 0) {
      Fatal("NetPoller::Register", "descriptor address %p does not fit in 48 bits",
            static_cast<void*>(descriptor));
    }
  }
  uint16_t sequence;
  {
    SpinLockHolder holder(descriptor->lock);
    sequence = ++descriptor->sequence;
    descriptor->ready = 0;
    descriptor->hung_up = 0;
    descriptor->reader = nullptr;
    descriptor->writer = nullptr;
    descriptor->fd.store(fd, std::memory_order_release);
  }
  epoll_event event{};
  event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  event.data.u64 = (uint64_t{sequence} << kSequenceShift) | reinterpret_cast<uintptr_t>(descriptor);
  // seq_cst: ordered before the load of blocked_poller_ below; an M decides whether
  // to block in epoll after loading registered_. Either it sees the socket, or we
  // see no blocker and start an idle P, which polls and then blocks in epoll. So
  // while sockets exist, an idle M waits in epoll rather than on its futex, and
  // the sockets' waiters are not left to the monitor's 10 ms poll.
  registered_.fetch_add(1, std::memory_order_seq_cst);
  registrations_published_.fetch_add(1, std::memory_order_release);
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    const int error = errno;
    {
      SpinLockHolder holder(descriptor->lock);
      descriptor->fd.store(-1, std::memory_order_release);
    }
    registered_.fetch_sub(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(free_mutex_);
    descriptor->next_free = free_descriptors_;
    free_descriptors_ = descriptor;
    return absl::InternalError(absl::StrCat("epoll_ctl(ADD, ", fd, "): ", std::strerror(error)));
  }
  if (!blocked_poller_.load(std::memory_order_seq_cst)) {
    Fiber* self = CurrentFiber();
    RequestPoller(self != nullptr ? self->scheduler : nullptr);
  }
  return descriptor;
}

void NetPoller::Release(PollDescriptor* descriptor) {
  int fd;
  uint16_t sequence;
  {
    SpinLockHolder holder(descriptor->lock);
    fd = descriptor->fd.exchange(-1, std::memory_order_acq_rel);
    sequence = descriptor->sequence;
  }
  if (fd < 0) return;  // released already
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  close(fd);
  registered_.fetch_sub(1, std::memory_order_relaxed);
  // Wake anybody still parked: they find the descriptor closed.
  Dispatch(descriptor, sequence, EPOLLIN | EPOLLOUT);
}

void NetPoller::Retire(PollDescriptor* descriptor) {
  Release(descriptor);
  std::lock_guard<std::mutex> lock(free_mutex_);
  descriptor->next_free = free_descriptors_;
  free_descriptors_ = descriptor;
}

int NetPoller::Dispatch(PollDescriptor* descriptor, uint16_t sequence, uint32_t events) {
  Fiber* woken[2] = {nullptr, nullptr};
  {
    SpinLockHolder holder(descriptor->lock);
    if (descriptor->sequence != sequence) return 0;  // an event for an earlier socket
    // The parked waiter of one direction is claimed (woken below, unlocked), or the
    // edge is kept in `ready` for the next waiter.
    auto ready = [descriptor](WaitNode*& waiter, Direction direction, Fiber** woken_fiber) {
      if (waiter != nullptr && ClaimWait(waiter->fiber, waiter->token)) {
        *woken_fiber = waiter->fiber;
      } else {
        descriptor->ready |= static_cast<uint32_t>(direction);
      }
      waiter = nullptr;
    };
    // The peer's close never comes as a second edge: remember it (see the header).
    if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
      descriptor->hung_up |= static_cast<uint32_t>(Direction::kRead);
    }
    if (events & (EPOLLHUP | EPOLLERR)) {
      descriptor->hung_up |= static_cast<uint32_t>(Direction::kWrite);
    }
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
      ready(descriptor->reader, Direction::kRead, &woken[0]);
    }
    if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
      ready(descriptor->writer, Direction::kWrite, &woken[1]);
    }
  }
  int count = 0;
  for (Fiber* fiber : woken) {
    if (fiber == nullptr) continue;
    FinishWake(fiber, WakeReason::kSignaled);
    ++count;
  }
  return count;
}

absl::Status NetPoller::Wait(PollDescriptor* descriptor, Direction direction,
                             int64_t deadline_ns, ContextState* context) {
  const uint32_t bit = static_cast<uint32_t>(direction);
  WaitNode node;
  node.fiber = CurrentWaiter();
  if (node.fiber->is_thread && !AnySchedulerAttached()) {
    return absl::FailedPreconditionError(
        "a plain thread waited on a socket while no troupe Runtime exists in the "
        "process; sockets are polled by a Runtime's threads, so create one first");
  }
  {
    SpinLockHolder holder(descriptor->lock);
    if (descriptor->fd.load(std::memory_order_relaxed) < 0) {
      return absl::FailedPreconditionError("socket closed");
    }
    if (descriptor->ready & bit) {  // an edge came while nobody waited: try again
      descriptor->ready &= ~bit;
      return absl::OkStatus();
    }
    // The peer closed (or the socket failed): the system call will say so, and no
    // edge would ever wake a parked waiter.
    if (descriptor->hung_up & bit) return absl::OkStatus();
    WaitNode*& slot = direction == Direction::kRead ? descriptor->reader : descriptor->writer;
    if (slot != nullptr) {
      // One waiter per direction: a second would take the first one's place, and
      // the first would never be woken.
      return absl::FailedPreconditionError(absl::StrCat(
          "another fiber or thread is already waiting to ",
          direction == Direction::kRead ? "read from (or accept on)" : "write to",
          " this socket; take turns (net/tcp.h does)"));
    }
    node.token = BeginWait(node.fiber, direction == Direction::kRead ? "socket read"
                                                                     : "socket write");
    slot = &node;
  }
  waiters_.fetch_add(1, std::memory_order_relaxed);  // read by pollers and the monitor
  // A fiber needs no help: its P polls when it runs dry, and its M blocks in epoll
  // when idle. A plain thread has no P: unless a thread is blocked in epoll
  // already, have an idle P start (it polls, then blocks in epoll). Asking on every
  // fiber's wait would wake an idle P per read, which then takes the epoll role
  // from the M that was about to poll for itself: a futex wake and a thread hop per
  // message. (seq_cst: see Register.)
  if (node.fiber->is_thread && !blocked_poller_.load(std::memory_order_seq_cst)) {
    RequestPoller(nullptr);
  }
  WaitNode context_node;
  context_node.fiber = node.fiber;
  context_node.token = node.token;
  const int64_t deadline = JoinContextWait(context, &context_node, deadline_ns);
  const WakeReason reason = CommitWait(node.fiber, node.token, deadline);
  LeaveContextWait(context, &context_node);
  waiters_.fetch_sub(1, std::memory_order_relaxed);
  if (reason == WakeReason::kSignaled) return absl::OkStatus();
  {
    SpinLockHolder holder(descriptor->lock);
    WaitNode*& slot = direction == Direction::kRead ? descriptor->reader : descriptor->writer;
    if (slot == &node) slot = nullptr;
  }
  return WaitOutcome(context, reason);
}

// ---------------------------------------------------------------------------------
// Polling.

void NetPoller::AttachScheduler(const void* key, PollingScheduler* scheduler) {
  std::lock_guard<std::mutex> lock(schedulers_mutex);
  Schedulers().push_back(AttachedScheduler{key, scheduler});
}

void NetPoller::DetachScheduler(const void* key) {
  {
    std::lock_guard<std::mutex> lock(schedulers_mutex);
    std::vector<AttachedScheduler>& schedulers = Schedulers();
    schedulers.erase(std::remove_if(schedulers.begin(), schedulers.end(),
                                    [key](const AttachedScheduler& attached) {
                                      return attached.key == key;
                                    }),
                     schedulers.end());
  }
  // Its M may be the one blocked in epoll.
  if (NetPoller* poller = IfStarted()) poller->Interrupt();
}

bool NetPoller::AnySchedulerAttached() {
  std::lock_guard<std::mutex> lock(schedulers_mutex);
  return !Schedulers().empty();
}

void NetPoller::RequestPoller(const void* preferred) {
  // Holding the lock keeps the target from being destroyed under us
  // (DetachScheduler takes it).
  std::lock_guard<std::mutex> lock(schedulers_mutex);
  const std::vector<AttachedScheduler>& schedulers = Schedulers();
  if (schedulers.empty()) return;
  PollingScheduler* target = schedulers.front().scheduler;
  for (const AttachedScheduler& attached : schedulers) {
    if (attached.key == preferred) target = attached.scheduler;
  }
  target->WakeIdleProcessorToPoll();
}

bool NetPoller::WorthPolling() const {
  return waiters_.load(std::memory_order_relaxed) != 0 &&
         !blocked_poller_.load(std::memory_order_relaxed);
}

bool NetPoller::WorthBlocking() const {
  // seq_cst: see Wait.
  return registered_.load(std::memory_order_seq_cst) != 0 &&
         !blocked_poller_.load(std::memory_order_relaxed);
}

int NetPoller::Fetch(ReadyEvents& ready, const timespec* timeout) {
  int count;
  do {
    if (have_epoll_pwait2_) {
      count = epoll_pwait2(epoll_fd_, ready.events, ReadyEvents::kCapacity, timeout, nullptr);
    } else {
      int timeout_ms = -1;
      if (timeout != nullptr) {
        const int64_t ns = timeout->tv_sec * 1'000'000'000 + timeout->tv_nsec;
        timeout_ms = static_cast<int>(std::min<int64_t>((ns + 999'999) / 1'000'000, 1 << 30));
      }
      count = epoll_wait(epoll_fd_, ready.events, ReadyEvents::kCapacity, timeout_ms);
    }
  } while (count < 0 && errno == EINTR);
  if (count < 0) Fatal("NetPoller::Fetch", "epoll_wait: %s", std::strerror(errno));
  if (count > 0) registrations_published_.load(std::memory_order_acquire);  // see header
  last_poll_ns_.store(MonotonicNanos(), std::memory_order_relaxed);
  ready.count = count;
  return count;
}

int NetPoller::PollAndWake() {
  ReadyEvents ready;
  const timespec zero{0, 0};
  if (Fetch(ready, &zero) == 0) return 0;
  return Wake(ready);
}

bool NetPoller::BlockUntilReady(int64_t deadline_ns, const std::atomic<bool>& stop,
                                ReadyEvents& ready) {
  bool expected = false;
  if (!blocked_poller_.compare_exchange_strong(expected, true, std::memory_order_seq_cst)) {
    return false;
  }
  // seq_cst: if the stopper's store precedes this load we see it; otherwise its
  // Interrupt comes after we hold blocked_poller_, and only a blocker drains the
  // wake-up fd, so the Interrupt wakes us.
  if (stop.load(std::memory_order_seq_cst)) {
    blocked_poller_.store(false, std::memory_order_seq_cst);
    ready.count = 0;
    return true;
  }
  timespec timeout{0, 0};
  if (deadline_ns != 0) {
    const int64_t remaining = std::max<int64_t>(0, deadline_ns - MonotonicNanos());
    timeout.tv_sec = remaining / 1'000'000'000;
    timeout.tv_nsec = remaining % 1'000'000'000;
  }
  Fetch(ready, deadline_ns != 0 ? &timeout : nullptr);
  // Only blockers drain the wake-up fd: a non-blocking poll that saw it must not
  // swallow an Interrupt meant for a blocked thread.
  for (int i = 0; i < ready.count; ++i) {
    if (ready.events[i].data.u64 != kWakeFdData) continue;
    uint64_t drained;
    while (read(wake_fd_, &drained, sizeof(drained)) > 0) {
    }
  }
  blocked_poller_.store(false, std::memory_order_seq_cst);
  return true;
}

int NetPoller::Wake(const ReadyEvents& ready) {
  int woken = 0;
  for (int i = 0; i < ready.count; ++i) {
    const uint64_t data = ready.events[i].data.u64;
    if (data == kWakeFdData) continue;
    auto* descriptor = reinterpret_cast<PollDescriptor*>(data & kPointerMask);
    woken += Dispatch(descriptor, static_cast<uint16_t>(data >> kSequenceShift),
                      ready.events[i].events);
  }
  return woken;
}

void NetPoller::Interrupt() {
  const uint64_t one = 1;
  ssize_t ignored = write(wake_fd_, &one, sizeof(one));
  (void)ignored;
}

}  // namespace troupe::scheduler_internal
