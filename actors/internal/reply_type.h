// Reply<T>: the answer half of a request (reply.h documents the public use). Defined
// here, below actor.h, so that Actor::AskThen can make one; users include reply.h.
//
// A Reply answers either a blocking Ask, through a one-slot channel the asker waits
// on, or an AskThen, through a callback that hands the answer to the asking actor's
// mailbox. Either way it answers once: a Reply destroyed unanswered answers Aborted.
#ifndef TROUPE_ACTORS_INTERNAL_REPLY_TYPE_H_
#define TROUPE_ACTORS_INTERNAL_REPLY_TYPE_H_

#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "troupe/scheduler/channel.h"

namespace troupe {

template <typename T>
class Reply {
 public:
  using Slot = Channel<absl::StatusOr<T>>;
  using Callback = absl::AnyInvocable<void(absl::StatusOr<T>) &&>;

  // Answers into `slot` (capacity 1), for a blocking Ask.
  explicit Reply(Slot slot) : slot_(std::move(slot)) {}
  // Answers by calling `callback`, for AskThen.
  explicit Reply(Callback callback) : callback_(std::move(callback)) {}
  Reply(Reply&& other) noexcept = default;
  Reply& operator=(Reply&& other) noexcept {
    Abandon();
    slot_ = std::move(other.slot_);
    callback_ = std::move(other.callback_);
    return *this;
  }
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;
  // A request dropped without an answer fails the ask at once, rather than leaving
  // the asker waiting for its deadline.
  ~Reply() { Abandon(); }

  // Answers the request (once; later calls do nothing). Never parks.
  void Send(absl::StatusOr<T> answer) {
    if (!slot_.is_nil()) {
      (void)slot_.TrySend(std::move(answer));  // capacity 1, one answer: cannot be full
      slot_ = Slot();
    } else if (callback_) {
      Callback callback = std::move(callback_);
      callback_ = nullptr;
      std::move(callback)(std::move(answer));
    }
  }

  bool answered() const { return slot_.is_nil() && !callback_; }

 private:
  void Abandon() {
    if (!answered()) Send(absl::AbortedError("the actor dropped the request without replying"));
  }

  Slot slot_;           // nil once answered, or for a callback reply
  Callback callback_;   // empty once answered, or for a slot reply
};

}  // namespace troupe

#endif  // TROUPE_ACTORS_INTERNAL_REPLY_TYPE_H_
