// NotifyContext: design notes.
//
// One process-wide signal handler serves every NotifyContext. Each active one owns a
// slot of `g_slots`: the signals it watches (a bit mask) and the write end of its own
// non-blocking pipe. The handler writes the signal's number to the pipe of every
// slot watching it — write(2) is async-signal-safe — and a fiber per NotifyContext
// waits for the read end through the netpoller, so the runtime sees a fiber waiting
// for I/O (not a deadlock). On a byte it cancels the context.
//
// Invariants:
//  1. A slot is published by storing its pipe first, then its mask (release); the
//     handler loads the mask, then the pipe (acquire), so it never writes to a pipe
//     the slot does not own yet.
//  2. A slot is retired by clearing its mask and pipe, then waiting until no handler
//     is running (`g_handlers_running`), then closing the pipe: a handler that read
//     the old pipe finishes its write before the descriptor is closed (and could be
//     reused by an unrelated file).
//  3. Dispositions change under `g_mutex`: the first watcher of a signal installs the
//     handler and saves what was there; the last one restores it.
#include "troupe/scheduler/signal.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "troupe/scheduler/internal/net_poller.h"
#include "troupe/scheduler/runtime.h"

namespace troupe {
namespace scheduler_internal {
namespace {

constexpr int kMaxSignal = 64;  // Linux: real-time signals end at 64

struct Slot {
  std::atomic<uint64_t> signals{0};  // bit (signal - 1)
  std::atomic<int> write_fd{-1};
};

std::array<Slot, kMaxNotifyContexts> g_slots;
std::atomic<int> g_handlers_running{0};

std::mutex g_mutex;  // guards the two below, and slot allocation
std::array<int, kMaxSignal + 1> g_watchers{};  // NotifyContexts watching each signal
std::array<struct sigaction, kMaxSignal + 1> g_previous{};
std::array<bool, kMaxNotifyContexts> g_slot_taken{};

uint64_t Bit(int signal) { return uint64_t{1} << (signal - 1); }

void OnSignal(int signal) {
  const int saved_errno = errno;
  // seq_cst, both: pairs with the retirement in Unsubscribe (invariant 2).
  g_handlers_running.fetch_add(1, std::memory_order_seq_cst);
  for (Slot& slot : g_slots) {
    // acquire; pairs with the release in Subscribe (invariant 1).
    if ((slot.signals.load(std::memory_order_acquire) & Bit(signal)) == 0) continue;
    const int fd = slot.write_fd.load(std::memory_order_acquire);
    if (fd < 0) continue;
    const unsigned char number = static_cast<unsigned char>(signal);
    (void)!write(fd, &number, 1);  // a full pipe already holds a wake-up
  }
  g_handlers_running.fetch_sub(1, std::memory_order_seq_cst);
  errno = saved_errno;
}

std::string SignalName(int signal) {
  const char* abbreviation = sigabbrev_np(signal);
  return abbreviation != nullptr ? absl::StrCat("SIG", abbreviation) : absl::StrCat(signal);
}

}  // namespace

// One NotifyContext: its slot, its pipe, its context and the fiber watching the pipe.
class SignalWatch {
 public:
  SignalWatch(ContextWithCancel context, uint64_t signals)
      : context_(std::move(context)), signals_(signals) {}

  // Takes a slot and installs the handler; on failure the context is cancelled with
  // the reason and nothing is left behind.
  absl::Status Subscribe() {
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
      return absl::ResourceExhaustedError(
          absl::StrCat("NotifyContext: pipe2 failed: ", strerror(errno)));
    }
    absl::StatusOr<PollDescriptor*> registered = NetPoller::Get().Register(fds[0]);
    if (!registered.ok()) {
      close(fds[0]);
      close(fds[1]);
      return registered.status();
    }
    descriptor_ = *registered;
    write_fd_ = fds[1];
    std::lock_guard<std::mutex> lock(g_mutex);
    for (int i = 0; i < kMaxNotifyContexts; ++i) {
      if (!g_slot_taken[i]) {
        slot_ = i;
        break;
      }
    }
    if (slot_ < 0) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "NotifyContext: at most ", kMaxNotifyContexts, " may be active at once"));
    }
    g_slot_taken[slot_] = true;
    g_slots[slot_].write_fd.store(write_fd_, std::memory_order_relaxed);
    g_slots[slot_].signals.store(signals_, std::memory_order_release);  // invariant 1
    for (int signal = 1; signal <= kMaxSignal; ++signal) {
      if ((signals_ & Bit(signal)) == 0 || g_watchers[signal]++ > 0) continue;
      struct sigaction action {};
      action.sa_handler = &OnSignal;
      sigemptyset(&action.sa_mask);
      action.sa_flags = SA_RESTART;
      sigaction(signal, &action, &g_previous[signal]);
    }
    return absl::OkStatus();
  }

  // The watching fiber's body.
  void Watch() {
    while (true) {
      unsigned char number = 0;
      const ssize_t got = read(descriptor_->fd.load(std::memory_order_relaxed), &number, 1);
      if (got == 1) {
        context_.cancel.Cancel(
            absl::CancelledError(absl::StrCat("received signal ", SignalName(number))));
        break;
      }
      if (got < 0 && errno == EINTR) continue;
      if (got < 0 && errno == EAGAIN) {
        // Ends when the context does (a signal, the parent, Stop) or the runtime goes.
        if (NetPoller::Get()
                .Wait(descriptor_, Direction::kRead, 0, context_.context.state().get())
                .ok()) {
          continue;
        }
      }
      break;
    }
    NetPoller::Get().Retire(descriptor_);  // closes the read end
    descriptor_ = nullptr;
  }

  // Idempotent; any fiber or thread.
  void Stop() {
    if (stopped_.exchange(true, std::memory_order_acq_rel)) return;
    context_.cancel.Cancel(absl::CancelledError("NotifyContext stopped"));
    Unsubscribe();
  }

  // Only when Subscribe failed, before any fiber was started.
  void Abandon(const absl::Status& why) {
    stopped_.store(true, std::memory_order_relaxed);
    context_.cancel.Cancel(why);
    Unsubscribe();
    if (descriptor_ != nullptr) NetPoller::Get().Retire(descriptor_);
  }

  const Context& context() const { return context_.context; }

 private:
  void Unsubscribe() {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (slot_ >= 0) {
      for (int signal = 1; signal <= kMaxSignal; ++signal) {
        if ((signals_ & Bit(signal)) == 0 || --g_watchers[signal] > 0) continue;
        sigaction(signal, &g_previous[signal], nullptr);
      }
      g_slots[slot_].signals.store(0, std::memory_order_seq_cst);
      g_slots[slot_].write_fd.store(-1, std::memory_order_seq_cst);
      // Invariant 2: a handler that saw our pipe is done with it after this.
      while (g_handlers_running.load(std::memory_order_seq_cst) != 0) std::this_thread::yield();
      g_slot_taken[slot_] = false;
      slot_ = -1;
    }
    if (write_fd_ >= 0) close(write_fd_);
    write_fd_ = -1;
  }

  ContextWithCancel context_;
  const uint64_t signals_;
  int slot_ = -1;            // under g_mutex
  int write_fd_ = -1;        // Subscribe, then Unsubscribe
  PollDescriptor* descriptor_ = nullptr;  // the watching fiber's, once started
  std::atomic<bool> stopped_{false};
};

}  // namespace scheduler_internal

using scheduler_internal::SignalWatch;

SignalStop::SignalStop(std::shared_ptr<SignalWatch> watch) : watch_(std::move(watch)) {}

SignalStop& SignalStop::operator=(SignalStop&& other) noexcept {
  if (this != &other) {
    Stop();
    watch_ = std::move(other.watch_);
  }
  return *this;
}

SignalStop::~SignalStop() { Stop(); }

void SignalStop::Stop() {
  if (watch_ != nullptr) watch_->Stop();
  watch_ = nullptr;
}

SignalContext NotifyContext(const Context& parent, std::initializer_list<int> signals) {
  scheduler_internal::Scheduler& scheduler =
      scheduler_internal::CurrentSchedulerOrDie("troupe::NotifyContext");
  uint64_t mask = 0;
  absl::Status invalid;
  for (int signal : signals) {
    if (signal < 1 || signal > scheduler_internal::kMaxSignal || signal == SIGKILL ||
        signal == SIGSTOP) {
      invalid = absl::InvalidArgumentError(absl::StrCat(
          "NotifyContext: signal ", signal,
          " cannot be caught; use signals in [1, 64] other than SIGKILL and SIGSTOP"));
      break;
    }
    mask |= scheduler_internal::Bit(signal);
  }
  auto watch = std::make_shared<SignalWatch>(WithCancel(parent), mask);
  absl::Status subscribed = invalid.ok() ? watch->Subscribe() : invalid;
  if (!subscribed.ok()) {
    watch->Abandon(subscribed);
    return SignalContext{watch->context(), SignalStop()};
  }
  scheduler_internal::SpawnOn(scheduler, [watch] { watch->Watch(); });
  return SignalContext{watch->context(), SignalStop(watch)};
}

}  // namespace troupe
