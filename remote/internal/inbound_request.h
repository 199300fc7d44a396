// The steps a subscription handler takes with a request for a local actor — a
// published actor's (endpoint.h) or a pool worker's (work_handler.h) — on the NATS
// client's delivery thread: check the frame, drop work whose asker's deadline has
// passed, decode the message, make the Reply that publishes the answer, count what
// the actor's Tell did. Nothing rejected is silent: each case is counted
// (NodeCounters) and an ask gets an error reply.
#ifndef TROUPE_REMOTE_INTERNAL_INBOUND_REQUEST_H_
#define TROUPE_REMOTE_INTERNAL_INBOUND_REQUEST_H_

#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "troupe/actors/reply.h"
#include "troupe/remote/codec.h"
#include "troupe/remote/internal/node_core.h"
#include "troupe/remote/internal/transport.h"
#include "troupe/remote/internal/wire.h"
#include "troupe/scheduler/context.h"

namespace troupe::remote_internal {

// "<W's type name>\n<R's>" (R's empty for NoReply): what Lookup checks.
template <typename W, typename R>
std::string TypeNames() {
  if constexpr (std::is_same_v<R, NoReply>) {
    return Codec<W>::TypeName() + "\n";
  } else {
    return Codec<W>::TypeName() + "\n" + Codec<R>::TypeName();
  }
}

// The frame of an answer: the reply's bytes, or the error.
template <typename R>
std::string AnswerFrame(const absl::StatusOr<R>& answer, uint64_t sender) {
  std::string frame;
  AppendHeader(Header{answer.ok() ? Kind::kReply : Kind::kError, std::nullopt, sender}, &frame);
  if (answer.ok()) {
    Codec<R>::Encode(*answer, &frame);
  } else {
    AppendStatus(answer.status(), &frame);
  }
  return frame;
}

// Splits the frame; one that is not troupe's is counted, answered InvalidArgument,
// and false.
inline bool ParseRequest(NodeCore& core, const Inbound& inbound, Header* header,
                         absl::string_view* payload) {
  if (ParseFrame(inbound.data, header, payload)) return true;
  core.counters().Count(core.counters().rejected);
  core.SendError(inbound.reply, std::nullopt,
                 absl::InvalidArgumentError("not a troupe frame (or another version)"));
  return false;
}

// True when the asker has given up (its deadline passed): counted; the work is
// dropped undecoded and not answered (nobody waits).
inline bool AskerGaveUp(NodeCore& core, const Header& header) {
  if (!header.deadline || absl::Now() < *header.deadline) return false;
  core.counters().Count(core.counters().expired_dropped);
  return true;
}

// Decodes the payload as W; one that does not decode is counted, answered
// InvalidArgument, and false.
template <typename W>
bool DecodeRequest(NodeCore& core, const Inbound& inbound, const Header& header,
                   absl::string_view payload, W* message) {
  if (Codec<W>::Decode(payload, message)) return true;
  core.counters().Count(core.counters().rejected);
  core.SendError(inbound.reply, header.deadline,
                 absl::InvalidArgumentError(
                     absl::StrCat("the payload does not decode as ", Codec<W>::TypeName())));
  return false;
}

// The context the actor's Tell runs under: the asker's deadline, if any.
inline Context RequestContext(const Header& header) {
  if (!header.deadline) return Context();
  return WithDeadline(Context(), *header.deadline).context;
}

// A Reply callback: runs `before()`, publishes the answer to `reply_subject` if it
// returned true and the asker's deadline has not passed, then runs `after()` (on
// the answering thread).
template <typename R, typename Before, typename After>
typename Reply<R>::Callback AnswerTo(NodeCore& core, absl::string_view reply_subject,
                                     std::optional<absl::Time> deadline, Before before,
                                     After after) {
  return [core = core.shared_from_this(), subject = std::string(reply_subject), deadline,
          before = std::move(before), after = std::move(after)](absl::StatusOr<R> result) mutable {
    if (before()) core->SendReply(subject, deadline, AnswerFrame(result, core->id()));
    after();
  };
}

// Counts what the actor's Tell did with a request. A message Tell did not take is
// not moved from: its Reply, destroyed by the caller, answers the asker Aborted
// (unless its deadline passed: then nothing).
inline void CountTold(NodeCore& core, const absl::Status& told) {
  NodeCounters& counters = core.counters();
  if (told.ok()) {
    counters.Count(counters.delivered);
  } else if (told.code() == absl::StatusCode::kDeadlineExceeded) {
    counters.Count(counters.expired_dropped);
  } else {
    counters.Count(counters.undeliverable);
  }
}

}  // namespace troupe::remote_internal

#endif  // TROUPE_REMOTE_INTERNAL_INBOUND_REQUEST_H_
