// StoredInbox (see stored_inbox.h for the protocol, invariants and the duplicate
// window).
//
// A message's life here, as ordered steps:
//   1. The fetch thread waits for room (invariant 3), fetches a batch, and for each
//      message reads its seq from the JetStream metadata.
//   2. Under mutex_: a seq in the handled window is acknowledged again and dropped;
//      a seq in flight gets "in progress" and replaces the held copy; a new seq
//      enters in_flight_. Then, outside the lock, the handler gets the frame.
//   3. The handler's StoredDone (from the actor's Reply, on whatever thread answers
//      it) takes the seq out of in_flight_ under mutex_; handled: acknowledge,
//      remember in the handled window; not handled: release the message
//      unacknowledged (the server hands it over again after ack_wait).
// Acknowledgements are sent under mutex_, so Stop can release what is held without
// racing one (invariant 4).
//
// Rejected: acknowledging when the message enters the mailbox (as a RemoteChannel's
// Recv does) — a node dying with a full mailbox would lose it all; a push consumer —
// it binds to one node's subscription, and a node killed with -9 leaves it bound
// until the server notices the dead connection, so the next node could not take
// over at once; a handled record kept in the stream (a key-value bucket): a write
// per message, and still not atomic with the handler's own effects.
#include "troupe/remote/internal/stored_inbox.h"

#include <nats/nats.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "troupe/remote/internal/jetstream.h"
#include "troupe/remote/internal/node_core.h"
#include "troupe/scheduler/blocking.h"
#include "troupe/scheduler/log.h"

namespace troupe::remote_internal {

namespace {
constexpr char kConsumer[] = "handler";
// The longest a fetch waits, so that Stop is seen within it.
constexpr int64_t kFetchSliceMs = 250;
constexpr int kMaxBatch = 64;
// After a failed fetch (the connection is down), the pause before the next.
constexpr auto kRetryPause = std::chrono::milliseconds(100);
// How long Stop waits for the messages in flight to be finished.
constexpr auto kStopDrainBound = std::chrono::seconds(1);
}  // namespace

void StoredDone::operator()(bool handled) const { inbox_->Finish(seq_, handled); }

StoredInbox::StoredInbox(NodeCore* core, const PublishOptions& options, Handler handler)
    : core_(core),
      max_unacked_(options.max_unacked),
      dedup_window_(static_cast<std::size_t>(options.dedup_window)),
      handler_(std::move(handler)),
      stop_(WithCancel(Context())) {}

absl::StatusOr<std::shared_ptr<StoredInbox>> StoredInbox::Open(NodeCore* core,
                                                               const std::string& actor,
                                                               const PublishOptions& options,
                                                               Handler handler) {
  absl::StatusOr<jsCtx*> js = core->transport().JetStream();
  if (!js.ok()) return js.status();
  std::shared_ptr<StoredInbox> inbox(new StoredInbox(core, options, std::move(handler)));
  const StreamSpec spec{core->StoredStream(actor), core->StoredSubject(actor), options.capacity,
                        options.in_memory, absl::StrCat("the stream of actor \"", actor, "\"")};
  absl::Status bound = Blocking([&] {
    if (absl::Status opened = OpenStream(*js, spec); !opened.ok()) return opened;
    return BindPullConsumer(*js, spec,
                            ConsumerSpec{kConsumer, options.ack_wait, options.max_unacked},
                            &inbox->pull_);
  });
  if (!bound.ok()) return bound;
  inbox->fetcher_ = std::thread([raw = inbox.get()] { raw->FetchLoop(); });
  return inbox;
}

StoredInbox::~StoredInbox() { Stop(Ending::kRelease); }

void StoredInbox::Stop(Ending ending) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  changed_.notify_all();
  stop_.cancel.Cancel(absl::UnavailableError("the node stops serving the actor"));
  Blocking([&] {
    if (fetcher_.joinable()) fetcher_.join();
    std::unique_lock<std::mutex> lock(mutex_);
    if (ending == Ending::kDrain) {
      changed_.wait_for(lock, kStopDrainBound, [&] { return in_flight_.empty(); });
    }
    stopped_ = true;  // invariant 4
    for (auto& [seq, message] : in_flight_) natsMsg_Destroy(message);  // handed over again later
    in_flight_.clear();
  });
  if (pull_ == nullptr) return;  // Open failed
  (void)natsSubscription_Unsubscribe(pull_);  // (the durable consumer stays)
  core_->transport().ReleaseSubscription(pull_);
  pull_ = nullptr;
}

void StoredInbox::FetchLoop() {
  bool reported = false;  // the current run of failed fetches has been logged
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    changed_.wait(lock, [&] {
      return stopping_ || static_cast<int>(in_flight_.size()) < max_unacked_;
    });
    if (stopping_) return;
    const int batch = std::min(kMaxBatch, max_unacked_ - static_cast<int>(in_flight_.size()));
    lock.unlock();
    natsMsgList list{};
    jsErrCode code = static_cast<jsErrCode>(0);
    const natsStatus status = natsSubscription_Fetch(&list, pull_, batch, kFetchSliceMs, &code);
    for (int i = 0; i < list.Count; ++i) {
      Deliver(list.Msgs[i]);  // takes the message
      list.Msgs[i] = nullptr;
    }
    natsMsgList_Destroy(&list);
    lock.lock();
    if (status == NATS_OK || status == NATS_TIMEOUT) {
      reported = false;
      continue;
    }
    if (!reported) {
      reported = true;
      TROUPE_LOG(kWarning, "remote: fetching an at-least-once actor's messages failed; retrying",
                 {{"error", JetStreamError("fetch", status, code).ToString()}});
    }
    changed_.wait_for(lock, kRetryPause, [&] { return stopping_; });
  }
}

void StoredInbox::Deliver(natsMsg* message) {
  jsMsgMetaData* meta = nullptr;
  if (natsMsg_GetMetaData(&meta, message) != NATS_OK) {  // not from the consumer: never
    natsMsg_Destroy(message);
    return;
  }
  const uint64_t seq = meta->Sequence.Stream;
  jsMsgMetaData_Destroy(meta);
  NodeCounters& counters = core_->counters();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (handled_.contains(seq)) {  // invariant 2
      (void)natsMsg_Ack(message, nullptr);
      natsMsg_Destroy(message);
      counters.Count(counters.stored_duplicates_dropped);
      return;
    }
    if (auto held = in_flight_.find(seq); held != in_flight_.end()) {  // invariant 1
      (void)natsMsg_InProgress(message, nullptr);
      natsMsg_Destroy(held->second);
      held->second = message;
      counters.Count(counters.stored_duplicates_dropped);
      return;
    }
    in_flight_.emplace(seq, message);
  }
  handler_(absl::string_view(natsMsg_GetData(message),
                             static_cast<std::size_t>(natsMsg_GetDataLength(message))),
           stop_.context, StoredDone(shared_from_this(), seq));
}

void StoredInbox::Finish(uint64_t seq, bool handled) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopped_) return;  // released by Stop (invariant 4)
  auto held = in_flight_.find(seq);
  if (held == in_flight_.end()) return;  // finished already
  natsMsg* message = held->second;
  in_flight_.erase(held);
  NodeCounters& counters = core_->counters();
  if (handled) {
    // A lost acknowledgement: handed over again, then dropped (invariant 2).
    (void)natsMsg_Ack(message, nullptr);
    RememberHandledLocked(seq);
    counters.Count(counters.stored_handled);
  } else {
    counters.Count(counters.stored_not_handled);
  }
  natsMsg_Destroy(message);
  changed_.notify_all();
}

void StoredInbox::RememberHandledLocked(uint64_t seq) {
  handled_.insert(seq);
  handled_order_.push_back(seq);
  if (handled_order_.size() > dedup_window_) {
    handled_.erase(handled_order_.front());
    handled_order_.pop_front();
  }
}

}  // namespace troupe::remote_internal
