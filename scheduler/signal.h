// NotifyContext: a context that ends when the process receives a signal — Go's
// signal.NotifyContext — so a service's main fiber can wait for SIGTERM the way it
// waits for anything else:
//
//   absl::Status status = runtime->Run([&] {
//     troupe::SignalContext signals =
//         troupe::NotifyContext(troupe::Context(), {SIGINT, SIGTERM});
//     StartServing(signals.context);
//     (void)signals.context.Wait();      // until SIGINT or SIGTERM
//     signals.stop.Stop();                // a second Ctrl-C kills the process again
//     shutdown.Run(absl::Seconds(10));
//   });
//
// The context is cancelled with Cancelled("received signal SIGTERM") when one of the
// signals arrives, when `parent` ends, or when the stop handle is used; the stop
// handle (also run by its destructor) gives the signals back to the dispositions they
// had before. While the context waits, a fiber of the runtime waits for the signal
// as for I/O (a pipe the handler writes to, watched by the netpoller), so the
// deadlock detector knows the wait can end and a main fiber parked on
// `context.Wait()` is not reported as a deadlock.
//
// Several NotifyContexts may watch the same signal at once; each is told. Up to
// kMaxNotifyContexts may be active at a time (ResourceExhausted beyond: the context
// is returned cancelled with that status).
#ifndef TROUPE_SCHEDULER_SIGNAL_H_
#define TROUPE_SCHEDULER_SIGNAL_H_

#include <initializer_list>
#include <memory>

#include "troupe/scheduler/context.h"

namespace troupe {

inline constexpr int kMaxNotifyContexts = 16;

namespace scheduler_internal {
class SignalWatch;
}  // namespace scheduler_internal

// Ends a NotifyContext: cancels its context and restores the signals' previous
// dispositions (once no other NotifyContext watches them). Idempotent; also run on
// destruction. Any fiber or thread.
class SignalStop {
 public:
  SignalStop() = default;
  explicit SignalStop(std::shared_ptr<scheduler_internal::SignalWatch> watch);
  SignalStop(SignalStop&&) noexcept = default;
  SignalStop& operator=(SignalStop&& other) noexcept;
  SignalStop(const SignalStop&) = delete;
  SignalStop& operator=(const SignalStop&) = delete;
  ~SignalStop();

  void Stop();

 private:
  std::shared_ptr<scheduler_internal::SignalWatch> watch_;
};

struct SignalContext {
  Context context;
  SignalStop stop;
};

// From a fiber: the watching fiber runs on the caller's runtime. Signals must be
// catchable (not SIGKILL or SIGSTOP) and in [1, NSIG); others make the context
// cancelled at once with InvalidArgument saying which.
SignalContext NotifyContext(const Context& parent, std::initializer_list<int> signals);

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_SIGNAL_H_
