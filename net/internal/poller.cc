#include "net/internal/poller.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "scheduler/internal/scheduler.h"

namespace troupe::net_internal {

using scheduler_internal::ClaimWait;
using scheduler_internal::Fiber;
using scheduler_internal::FinishWake;
using scheduler_internal::SpinLockHolder;
using scheduler_internal::WaitNode;
using scheduler_internal::WakeReason;

Poller& Poller::Get() {
  static Poller* poller = new Poller();  // lives for the process
  return *poller;
}

Poller::Poller() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    std::fprintf(stderr, "troupe: fatal error in Poller: epoll/eventfd: %s\n", std::strerror(errno));
    std::abort();
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = nullptr;  // the wake-up fd
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event);
  thread_ = std::thread([this] { Run(); });
  thread_.detach();
}

absl::StatusOr<PollDescriptor*> Poller::Register(int fd) {
  auto* descriptor = new PollDescriptor();
  descriptor->fd.store(fd, std::memory_order_relaxed);  // published by epoll_ctl/return
  epoll_event event{};
  event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  event.data.ptr = descriptor;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    const int error = errno;
    delete descriptor;
    return absl::InternalError(absl::StrCat("epoll_ctl(ADD, ", fd, "): ", std::strerror(error)));
  }
  return descriptor;
}

void Poller::Release(PollDescriptor* descriptor) {
  int fd;
  {
    SpinLockHolder holder(descriptor->lock);
    fd = descriptor->fd.exchange(-1, std::memory_order_acq_rel);
  }
  if (fd < 0) return;  // released already
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  close(fd);
  // Wake anybody still parked: they find the descriptor closed.
  Dispatch(descriptor, EPOLLIN | EPOLLOUT);
}

void Poller::Retire(PollDescriptor* descriptor) {
  Release(descriptor);
  {
    std::lock_guard<std::mutex> lock(retired_mutex_);
    retired_.push_back(descriptor);
  }
  const uint64_t one = 1;
  ssize_t ignored = write(wake_fd_, &one, sizeof(one));
  (void)ignored;
}

void Poller::Dispatch(PollDescriptor* descriptor, uint32_t events) {
  Fiber* woken[2] = {nullptr, nullptr};
  {
    SpinLockHolder holder(descriptor->lock);
    const bool readable = events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
    const bool writable = events & (EPOLLOUT | EPOLLHUP | EPOLLERR);
    if (readable) {
      if (descriptor->reader != nullptr && ClaimWait(descriptor->reader->fiber, descriptor->reader->token)) {
        woken[0] = descriptor->reader->fiber;
      } else {
        descriptor->ready |= static_cast<uint32_t>(Direction::kRead);
      }
      descriptor->reader = nullptr;
    }
    if (writable) {
      if (descriptor->writer != nullptr && ClaimWait(descriptor->writer->fiber, descriptor->writer->token)) {
        woken[1] = descriptor->writer->fiber;
      } else {
        descriptor->ready |= static_cast<uint32_t>(Direction::kWrite);
      }
      descriptor->writer = nullptr;
    }
  }
  for (Fiber* fiber : woken) {
    if (fiber != nullptr) FinishWake(fiber, WakeReason::kSignaled);
  }
}

absl::Status Poller::Wait(PollDescriptor* descriptor, Direction direction,
                          scheduler_internal::ContextState* context) {
  const uint32_t bit = static_cast<uint32_t>(direction);
  WaitNode node;
  node.fiber = scheduler_internal::CurrentWaiter();
  {
    SpinLockHolder holder(descriptor->lock);
    if (descriptor->fd.load(std::memory_order_relaxed) < 0) {
      return absl::FailedPreconditionError("socket closed");
    }
    if (descriptor->ready & bit) {  // an edge came while nobody waited: try again
      descriptor->ready &= ~bit;
      return absl::OkStatus();
    }
    node.token = scheduler_internal::BeginWait(
        node.fiber, direction == Direction::kRead ? "socket read" : "socket write");
    (direction == Direction::kRead ? descriptor->reader : descriptor->writer) = &node;
  }
  scheduler_internal::external_event_waits.fetch_add(1, std::memory_order_relaxed);
  WaitNode context_node;
  context_node.fiber = node.fiber;
  context_node.token = node.token;
  const int64_t deadline = scheduler_internal::JoinContextWait(context, &context_node, 0);
  const WakeReason reason = scheduler_internal::CommitWait(node.fiber, node.token, deadline);
  scheduler_internal::LeaveContextWait(context, &context_node);
  scheduler_internal::external_event_waits.fetch_sub(1, std::memory_order_relaxed);
  if (reason == WakeReason::kSignaled) return absl::OkStatus();
  {
    SpinLockHolder holder(descriptor->lock);
    WaitNode*& slot = direction == Direction::kRead ? descriptor->reader : descriptor->writer;
    if (slot == &node) slot = nullptr;
  }
  return scheduler_internal::WaitOutcome(context, reason);
}

void Poller::Run() {
  constexpr int kBatch = 128;
  epoll_event events[kBatch];
  while (true) {
    const int count = epoll_wait(epoll_fd_, events, kBatch, -1);
    if (count < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "troupe: fatal error in Poller::Run: epoll_wait: %s\n", std::strerror(errno));
      std::abort();
    }
    for (int i = 0; i < count; ++i) {
      if (events[i].data.ptr == nullptr) {
        uint64_t drained;
        while (read(wake_fd_, &drained, sizeof(drained)) > 0) {
        }
        continue;
      }
      Dispatch(static_cast<PollDescriptor*>(events[i].data.ptr), events[i].events);
    }
    // After the batch: no event fetched later can name a descriptor released before.
    std::vector<PollDescriptor*> retired;
    {
      std::lock_guard<std::mutex> lock(retired_mutex_);
      retired.swap(retired_);
    }
    for (PollDescriptor* descriptor : retired) delete descriptor;
  }
}

}  // namespace troupe::net_internal
