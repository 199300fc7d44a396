// DynamicSelect: a select whose cases are chosen at run time, for fan-in over a set of
// channels that changes while the program runs (Go's reflect.Select).
//
//   troupe::DynamicSelect select;
//   for (const troupe::Channel<Event>& input : inputs) {
//     select.AddRecv(input, [&](std::optional<Event> event) {
//       if (!event) --open;   // closed and drained
//     });
//   }
//   select.AddDone(ctx, [&](absl::Status why) { open = 0; });
//   while (open > 0) select.Run();   // one case fires per Run
//
// The semantics are Select's (select.h): one ready case is chosen uniformly at random
// and its handler runs in the calling fiber; without a default case Run parks until
// one can fire. The set is kept between runs; Disable switches a case off (Go sets
// its channel to nil) and Enable on again. A send case sends the value it holds; once
// sent, it is disabled until SetSendValue gives it another.
//
// Any number of cases. A Run allocates nothing once the set has run at its size.
// Not thread-safe: one fiber builds and runs a DynamicSelect.
#ifndef TROUPE_SCHEDULER_DYNAMIC_SELECT_H_
#define TROUPE_SCHEDULER_DYNAMIC_SELECT_H_

#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/internal/select_engine.h"

namespace troupe {

class DynamicSelect {
 public:
  DynamicSelect() = default;
  DynamicSelect(const DynamicSelect&) = delete;
  DynamicSelect& operator=(const DynamicSelect&) = delete;

  // Each returns the new case's index, which Run returns when the case fires.

  // `handler(std::optional<T>)` gets the value, or nullopt once the channel is closed
  // and drained. A nil channel's case never fires.
  template <typename T, typename Handler>
  int AddRecv(const RecvChannel<T>& channel, Handler handler) {
    return Add(std::make_unique<RecvCase<T, Handler>>(channel, std::move(handler)));
  }
  template <typename T, typename Handler>
  int AddRecv(const Channel<T>& channel, Handler handler) {
    return AddRecv(RecvChannel<T>(channel), std::move(handler));
  }
  // `handler(absl::Status)` gets OK once `value` was sent, or FailedPrecondition if
  // the channel was closed (the case keeps the value).
  template <typename T, typename Handler>
  int AddSend(const SendChannel<T>& channel, T value, Handler handler) {
    return Add(std::make_unique<SendCase<T, Handler>>(channel, std::move(value),
                                                      std::move(handler)));
  }
  template <typename T, typename Handler>
  int AddSend(const Channel<T>& channel, T value, Handler handler) {
    return AddSend(SendChannel<T>(channel), std::move(value), std::move(handler));
  }
  // Fires once `context` is done; `handler(absl::Status)` gets its Err().
  template <typename Handler>
  int AddDone(const Context& context, Handler handler) {
    return Add(std::make_unique<DoneCase<Handler>>(context, std::move(handler)));
  }
  // Fires if no other case is ready when Run starts; Run then never parks.
  template <typename Handler>
  int AddDefault(Handler handler) {
    return Add(std::make_unique<SpecialCase<Handler>>(Kind::kDefault, absl::ZeroDuration(),
                                                      std::move(handler)));
  }
  // Fires if no other case fired within `timeout` of the start of a Run (each Run
  // waits afresh, like `case <-time.After(timeout)` in a Go loop).
  template <typename Handler>
  int AddTimeout(absl::Duration timeout, Handler handler) {
    return Add(std::make_unique<SpecialCase<Handler>>(Kind::kTimeout, timeout,
                                                      std::move(handler)));
  }

  // A case that is disabled does not take part in Runs until enabled again.
  void Disable(int index) { cases_[index]->enabled = false; }
  void Enable(int index) { cases_[index]->enabled = true; }
  bool enabled(int index) const { return cases_[index]->enabled; }
  // Gives send case `index` (of element type T) a value to send, and enables it.
  template <typename T>
  void SetSendValue(int index, T value) {
    cases_[index]->SetValue(&value);
    cases_[index]->enabled = true;
  }
  int size() const { return static_cast<int>(cases_.size()); }

  // Waits for one case and runs its handler; returns its index. -1 if none could
  // fire: every case disabled (or nil) with no timeout or default, while the runtime
  // shuts down.
  int Run();

 private:
  enum class Kind { kChannel, kDone, kDefault, kTimeout };

  struct CaseBase {
    virtual ~CaseBase() = default;
    // Fills `c` for the engine; false if this case cannot fire (nil channel).
    virtual bool Plan(scheduler_internal::SelectCase& c) = 0;
    virtual void Fire(int outcome) = 0;
    virtual void SetValue(void* value) { (void)value; }
    Kind kind = Kind::kChannel;
    bool enabled = true;
    absl::Duration timeout;  // kTimeout
  };

  template <typename T, typename Handler>
  struct RecvCase final : CaseBase {
    RecvCase(RecvChannel<T> channel, Handler handler)
        : channel(std::move(channel)), handler(std::move(handler)) {}
    bool Plan(scheduler_internal::SelectCase& c) override {
      c.channel = scheduler_internal::CoreOf(channel.channel());
      if (c.channel == nullptr) return false;
      c.kind = scheduler_internal::SelectCase::Kind::kRecv;
      c.slot = storage.address();
      return true;
    }
    void Fire(int outcome) override {
      if (outcome == scheduler_internal::kOutcomeDone) {
        handler(std::optional<T>(storage.Take()));
      } else {
        handler(std::optional<T>());
      }
    }
    RecvChannel<T> channel;
    Handler handler;
    typename Channel<T>::Storage storage;
  };

  template <typename T, typename Handler>
  struct SendCase final : CaseBase {
    SendCase(SendChannel<T> channel, T value, Handler handler)
        : channel(std::move(channel)), value(std::move(value)), handler(std::move(handler)) {}
    bool Plan(scheduler_internal::SelectCase& c) override {
      c.channel = scheduler_internal::CoreOf(channel.channel());
      if (c.channel == nullptr || !value.has_value()) return false;
      c.kind = scheduler_internal::SelectCase::Kind::kSend;
      c.slot = &*value;
      return true;
    }
    void Fire(int outcome) override {
      if (outcome == scheduler_internal::kOutcomeDone) {
        value.reset();  // moved into the channel
        enabled = false;
        handler(absl::OkStatus());
      } else {
        handler(Channel<T>::ClosedForSend());
      }
    }
    void SetValue(void* new_value) override { value.emplace(std::move(*static_cast<T*>(new_value))); }
    SendChannel<T> channel;
    std::optional<T> value;
    Handler handler;
  };

  template <typename Handler>
  struct DoneCase final : CaseBase {
    DoneCase(Context context, Handler handler)
        : context(std::move(context)), handler(std::move(handler)) {
      kind = Kind::kDone;
    }
    bool Plan(scheduler_internal::SelectCase& c) override {
      if (context.state() == nullptr) return false;  // Background: never done
      c.kind = scheduler_internal::SelectCase::Kind::kContextDone;
      c.context = context.state().get();
      return true;
    }
    void Fire(int) override { handler(context.Err()); }
    Context context;
    Handler handler;
  };

  template <typename Handler>
  struct SpecialCase final : CaseBase {
    SpecialCase(Kind special, absl::Duration after, Handler handler)
        : handler(std::move(handler)) {
      kind = special;
      timeout = after;
    }
    bool Plan(scheduler_internal::SelectCase&) override { return false; }
    void Fire(int) override { handler(); }
    Handler handler;
  };

  int Add(std::unique_ptr<CaseBase> c) {
    cases_.push_back(std::move(c));
    return static_cast<int>(cases_.size()) - 1;
  }

  std::vector<std::unique_ptr<CaseBase>> cases_;
  // Per Run, reused: the engine's cases and scratch, and which of ours each one is.
  std::vector<scheduler_internal::SelectCase> engine_cases_;
  std::vector<int> engine_to_case_;
  std::vector<scheduler_internal::WaitNode> nodes_;
  std::vector<int> order_;
  std::unique_ptr<bool[]> queued_;
  std::size_t queued_size_ = 0;
};

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_DYNAMIC_SELECT_H_
