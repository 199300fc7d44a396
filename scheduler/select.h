// Select: wait for the first of several channel operations (and other events), as
// Go's `select` statement.
//
//   int fired = troupe::Select(
//       troupe::OnRecv(requests, [&](std::optional<Request> r) { ... }),  // nullopt: closed
//       troupe::OnSend(results, result, [&](absl::Status s) { ... }),     // s: OK or closed
//       troupe::OnDone(ctx, [&](absl::Status why) { ... }),               // cancelled
//       troupe::OnJoin(worker, [&](absl::Status joined) { ... }),         // fiber done
//       troupe::OnTimeout(absl::Milliseconds(5), [&] { ... }),
//       troupe::OnDefault([&] { ... }));                                  // don't wait
//
// Exactly one case fires: its operation is performed and its handler runs (in the
// calling fiber, after the select has finished waiting). Select returns the index of
// that case, in argument order. When several cases are ready at once, one is chosen
// uniformly at random, so no case starves. Without OnDefault, Select parks the
// calling fiber (blocks a plain thread) until a case can fire. A send case whose
// channel is closed fires with an error status; a send case that does not fire
// leaves its value untouched (it is taken by reference and moved from only if sent).
//
// At most 64 cases; at most one OnDefault; several timeouts act as the earliest. A case
// on a nil channel is never chosen; Select() with no case at all parks for good, as
// Go's `select {}` (until the runtime shuts down). For a set of cases built at run
// time: DynamicSelect (dynamic_select.h).
#ifndef TROUPE_SCHEDULER_SELECT_H_
#define TROUPE_SCHEDULER_SELECT_H_

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/join_handle.h"
#include "troupe/scheduler/internal/deadline.h"
#include "troupe/scheduler/internal/select_engine.h"

namespace troupe {

namespace scheduler_internal {

// What the cases of one Select fill in before it runs.
struct SelectPlan {
  SelectCase* cases;
  int engine_cases = 0;
  bool has_default = false;
  int64_t deadline_ns = 0;
  bool deadline_passed = false;
};

}  // namespace scheduler_internal

template <typename T, typename Handler>
class RecvCase {
 public:
  RecvCase(const Channel<T>& channel, Handler handler)
      : core_(scheduler_internal::CoreOf(channel)), handler_(std::move(handler)) {}
  void Plan(scheduler_internal::SelectPlan& plan) {
    if (core_ == nullptr) return;  // the nil channel: never chosen
    slot_ = plan.engine_cases++;
    scheduler_internal::SelectCase& c = plan.cases[slot_];
    c.kind = scheduler_internal::SelectCase::Kind::kRecv;
    c.channel = core_;
    c.slot = storage_.address();
  }
  int engine_slot() const { return slot_; }
  void Fire(const scheduler_internal::SelectPlan& plan, int fired_slot) {
    if (plan.cases[fired_slot].outcome == scheduler_internal::kOutcomeDone) {
      handler_(std::optional<T>(storage_.Take()));
    } else {
      handler_(std::optional<T>());
    }
  }

 private:
  scheduler_internal::ChannelCore* core_;
  Handler handler_;
  typename Channel<T>::Storage storage_;
  int slot_ = -1;
};

// A send case over a value the caller owns (moved from only if sent), or over one
// the case owns (a temporary given to OnSend).
template <typename T, typename Handler, bool kOwnsValue>
class SendCase {
 public:
  using ValueRef = std::conditional_t<kOwnsValue, T, T&>;

  template <typename V>
  SendCase(const Channel<T>& channel, V&& value, Handler handler)
      : core_(scheduler_internal::CoreOf(channel)),
        value_(std::forward<V>(value)),
        handler_(std::move(handler)) {}
  void Plan(scheduler_internal::SelectPlan& plan) {
    if (core_ == nullptr) return;  // the nil channel: never chosen
    slot_ = plan.engine_cases++;
    scheduler_internal::SelectCase& c = plan.cases[slot_];
    c.kind = scheduler_internal::SelectCase::Kind::kSend;
    c.channel = core_;
    c.slot = &value_;
  }
  int engine_slot() const { return slot_; }
  void Fire(const scheduler_internal::SelectPlan& plan, int fired_slot) {
    handler_(plan.cases[fired_slot].outcome == scheduler_internal::kOutcomeDone
                 ? absl::OkStatus()
                 : Channel<T>::ClosedForSend());
  }

 private:
  scheduler_internal::ChannelCore* core_;
  ValueRef value_;
  Handler handler_;
  int slot_ = -1;
};

template <typename Handler>
class DoneCase {
 public:
  DoneCase(Context context, Handler handler)
      : context_(std::move(context)), handler_(std::move(handler)) {}
  void Plan(scheduler_internal::SelectPlan& plan) {
    if (context_.state() == nullptr) return;  // Background: never fires
    slot_ = plan.engine_cases++;
    scheduler_internal::SelectCase& c = plan.cases[slot_];
    c.kind = scheduler_internal::SelectCase::Kind::kContextDone;
    c.context = context_.state().get();  // its deadline bounds the wait (RunSelect)
  }
  int engine_slot() const { return slot_; }
  void Fire(const scheduler_internal::SelectPlan&, int) { handler_(context_.Err()); }

 private:
  Context context_;
  Handler handler_;
  int slot_ = -1;
};

template <typename Handler>
class JoinCase {
 public:
  JoinCase(JoinHandle& handle, Handler handler) : handle_(handle), handler_(std::move(handler)) {}
  void Plan(scheduler_internal::SelectPlan& plan) {
    slot_ = plan.engine_cases++;
    scheduler_internal::SelectCase& c = plan.cases[slot_];
    c.kind = scheduler_internal::SelectCase::Kind::kJoin;
    c.fiber = handle_.fiber();
  }
  int engine_slot() const { return slot_; }
  // The fiber has finished: joining it does not park.
  void Fire(const scheduler_internal::SelectPlan&, int) { handler_(handle_.Join()); }

 private:
  JoinHandle& handle_;
  Handler handler_;
  int slot_ = -1;
};

template <typename Handler>
class TimeoutCase {
 public:
  TimeoutCase(absl::Time deadline, Handler handler)
      : deadline_(deadline), handler_(std::move(handler)) {}
  void Plan(scheduler_internal::SelectPlan& plan) {
    const int64_t ns = scheduler_internal::ToMonotonicDeadline(deadline_);
    if (ns == scheduler_internal::kNoDeadline) return;
    if (ns == scheduler_internal::kDeadlinePassed) {
      plan.deadline_passed = true;
      return;
    }
    plan.deadline_ns = plan.deadline_ns == 0 ? ns : std::min(plan.deadline_ns, ns);
  }
  static constexpr bool kIsTimeout = true;
  void Fire() { handler_(); }

 private:
  absl::Time deadline_;
  Handler handler_;
};

template <typename Handler>
class DefaultCase {
 public:
  explicit DefaultCase(Handler handler) : handler_(std::move(handler)) {}
  void Plan(scheduler_internal::SelectPlan& plan) { plan.has_default = true; }
  static constexpr bool kIsDefault = true;
  void Fire() { handler_(); }

 private:
  Handler handler_;
};

template <typename T, typename Handler>
RecvCase<T, Handler> OnRecv(const Channel<T>& channel, Handler handler) {
  return RecvCase<T, Handler>(channel, std::move(handler));
}
template <typename T, typename Handler>
RecvCase<T, Handler> OnRecv(const RecvChannel<T>& channel, Handler handler) {
  return RecvCase<T, Handler>(channel.channel(), std::move(handler));
}

namespace scheduler_internal {
// An lvalue T is sent in place (moved from only if sent); anything else is converted
// to a T the case owns.
template <typename T, typename V, typename Handler>
using SendCaseFor =
    SendCase<T, Handler,
             !(std::is_lvalue_reference_v<V> && std::is_same_v<std::remove_reference_t<V>, T>)>;
}  // namespace scheduler_internal

// `value` is evaluated, like every argument of Select, before Select begins: in the
// order C++ evaluates function arguments, which is unspecified (Go evaluates a
// select's expressions in source order). Compute values into named variables first
// if their order matters.
template <typename T, typename V, typename Handler>
scheduler_internal::SendCaseFor<T, V, Handler> OnSend(const Channel<T>& channel, V&& value,
                                                      Handler handler) {
  return scheduler_internal::SendCaseFor<T, V, Handler>(channel, std::forward<V>(value),
                                                        std::move(handler));
}
template <typename T, typename V, typename Handler>
scheduler_internal::SendCaseFor<T, V, Handler> OnSend(const SendChannel<T>& channel,
                                                      V&& value, Handler handler) {
  return scheduler_internal::SendCaseFor<T, V, Handler>(
      channel.channel(), std::forward<V>(value), std::move(handler));
}
template <typename Handler>
DoneCase<Handler> OnDone(const Context& context, Handler handler) {
  return DoneCase<Handler>(context, std::move(handler));
}
// Fires when the fiber of `handle` has finished; the handler gets what Join returns
// (the handle is joined). Precondition: `handle` is joinable.
template <typename Handler>
JoinCase<Handler> OnJoin(JoinHandle& handle, Handler handler) {
  return JoinCase<Handler>(handle, std::move(handler));
}
template <typename Handler>
TimeoutCase<Handler> OnDeadline(absl::Time deadline, Handler handler) {
  return TimeoutCase<Handler>(deadline, std::move(handler));
}
template <typename Handler>
TimeoutCase<Handler> OnTimeout(absl::Duration timeout, Handler handler) {
  return TimeoutCase<Handler>(absl::Now() + timeout, std::move(handler));
}
template <typename Handler>
DefaultCase<Handler> OnDefault(Handler handler) {
  return DefaultCase<Handler>(std::move(handler));
}

namespace scheduler_internal {

template <typename Case, typename = void>
struct IsTimeoutCase : std::false_type {};
template <typename Case>
struct IsTimeoutCase<Case, std::void_t<decltype(Case::kIsTimeout)>> : std::true_type {};
template <typename Case, typename = void>
struct IsDefaultCase : std::false_type {};
template <typename Case>
struct IsDefaultCase<Case, std::void_t<decltype(Case::kIsDefault)>> : std::true_type {};

// Fires `c` if the engine's result designates it.
template <typename Case>
bool FireIfChosen(Case& c, const SelectPlan& plan, int result) {
  using Decayed = std::decay_t<Case>;
  if constexpr (IsDefaultCase<Decayed>::value) {
    if (result != kSelectDefault) return false;
    c.Fire();
    return true;
  } else if constexpr (IsTimeoutCase<Decayed>::value) {
    if (result != kSelectTimeout) return false;
    c.Fire();
    return true;
  } else {
    if (result < 0 || c.engine_slot() != result) return false;
    c.Fire(plan, result);
    return true;
  }
}

}  // namespace scheduler_internal

template <typename... Cases>
int Select(Cases&&... cases) {
  constexpr int kCount = sizeof...(Cases);
  static_assert(kCount <= 64, "Select takes at most 64 cases");
  constexpr int kArrays = kCount == 0 ? 1 : kCount;  // Select() waits forever
  scheduler_internal::SelectCase engine_cases[kArrays];
  scheduler_internal::WaitNode nodes[kArrays];
  int order[kArrays];
  bool queued[kArrays];
  const scheduler_internal::SelectScratch scratch{nodes, order, queued};
  scheduler_internal::SelectPlan plan{engine_cases};
  (cases.Plan(plan), ...);
  int result;
  if (plan.deadline_passed) {
    // An expired timeout behaves as a default that loses to ready cases.
    result = scheduler_internal::RunSelect(engine_cases, scratch, plan.engine_cases,
                                           /*has_default=*/true, 0);
    if (result == scheduler_internal::kSelectDefault && !plan.has_default) {
      result = scheduler_internal::kSelectTimeout;
    }
  } else {
    result = scheduler_internal::RunSelect(engine_cases, scratch, plan.engine_cases,
                                           plan.has_default, plan.deadline_ns);
  }
  int index = 0;
  int fired_index = -1;
  auto fire = [&](auto& c) {
    if (fired_index < 0 && scheduler_internal::FireIfChosen(c, plan, result)) {
      fired_index = index;
    }
    ++index;
  };
  (fire(cases), ...);
  (void)fire;  // Select() has no case to fire
  return fired_index;
}

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_SELECT_H_
