// The designs spread over processes (spread_designs.h): the node processes' parts
// and the coordinator's side of each design.
//
// Invariants:
//   1. Every record the source emits comes back to the sink exactly once, or the run
//      fails with a message: nothing on the way drops a record silently (a remote
//      Tell is at most once, so the actors' source bounds what is in flight far
//      below the NATS client's buffers, and a Tell that fails fails the run).
//   2. No wait of the coordinator is unbounded: each run has a deadline (RunBound)
//      after which it ends with an error row instead of hanging.
//   3. A node process never learns which design runs: its parts serve all three
//      at once, the pipeline's stage fibers run after run (a run ends when the
//      coordinator closes its channels), so the coordinator needs no control
//      messages, only the node processes' "ready-<i>" actors (node_comparison.cc).
//
// Alternatives rejected: remote Tells between the pipeline's stages (it would be
// the actors design again; the channels are what a pipeline across processes is
// built from, at one JetStream round trip per Send and per Recv, which is what the
// row measures); stage members in the coordinator too (their actors would have to
// be published again for every run under new names, and node 0 would mix the
// source's and sink's work with a stage's).
#include "troupe/benchmarks/compare/spread_designs.h"

#include <atomic>
#include <cstring>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/reply.h"
#include "troupe/benchmarks/compare/design_actors.h"
#include "troupe/remote/remote_channel.h"
#include "troupe/remote/remote_pool.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/semaphore.h"

namespace troupe::benchmarks::spread_internal {

using design_internal::Item;
using design_internal::ItemPtr;
using design_internal::Measure;
using design_internal::Run;

namespace {

constexpr std::size_t kFrameHeaderBytes = 3 * sizeof(int64_t);  // run, id, emitted_ns

// How long a coordinator waits for one run's records before it gives up.
absl::Duration RunBound(int64_t records) {
  return absl::Seconds(60) + absl::Milliseconds(records);
}

std::string PoolName() { return "pool"; }
std::string ActorName(int stage, int member) { return absl::StrCat("a-", stage, "-", member); }
std::string SinkName(int64_t run) { return absl::StrCat("sink-", run); }
std::string ChannelName(int64_t run, int channel) { return absl::StrCat("pipe-", run, "-", channel); }

// A run's first failure, reported in its row (invariant 1).
class FirstError {
 public:
  void Set(const absl::Status& status, absl::string_view what) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (error_.empty()) error_ = absl::StrCat(what, ": ", status.ToString());
  }
  // Puts the first error, if any, in `result` (before an error of the run's own).
  DesignResult Into(DesignResult result) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!error_.empty()) result.error = error_;
    return result;
  }

 private:
  std::mutex mutex_;
  std::string error_;
};

// Runs the stages [first, last) of `workload` on the record in `frame`, in place.
absl::Status RunStagesOnFrame(const ErasedWorkload& workload, int first, int last, Item& scratch,
                              RecordFrame* frame) {
  int64_t run = 0;
  if (absl::Status decoded = DecodeFrame(*frame, workload, &run, &scratch); !decoded.ok()) {
    return decoded;
  }
  for (int s = first; s < last; ++s) design_internal::RunStage(workload.stages[s], scratch);
  frame->bytes.clear();
  EncodeFrame(run, scratch, workload, frame);
  return absl::OkStatus();
}

// ---- The node processes' parts. ----

struct PoolRequest {
  RecordFrame frame;
  Reply<RecordFrame> reply;
};

// A pool worker: every stage, answered to the submitter.
class PoolWorker : public Actor<PoolRequest> {
 public:
  explicit PoolWorker(const ErasedWorkload* workload) : workload_(workload), scratch_(workload) {}
  void Receive(PoolRequest& request) override {
    const int stages = static_cast<int>(workload_->stages.size());
    if (absl::Status ran = RunStagesOnFrame(*workload_, 0, stages, scratch_, &request.frame);
        !ran.ok()) {
      request.reply.Send(ran);
      return;
    }
    request.reply.Send(std::move(request.frame));
  }

 private:
  const ErasedWorkload* workload_;
  Item scratch_;
};

// Stage `stage`'s actor: runs it, then Tells the next stage's actors round-robin, or
// the sink of the record's run (found on the first record of each run).
class StageActor : public Actor<RecordFrame> {
 public:
  StageActor(const ErasedWorkload* workload, int stage, RemoteNode* node,
             std::vector<RemoteRef<RecordFrame>>* next)
      : workload_(workload), stage_(stage), node_(node), next_(next), scratch_(workload) {}
  void Receive(RecordFrame& frame) override {
    int64_t run = 0;
    if (absl::Status ran = RunStagesOnFrame(*workload_, stage_, stage_ + 1, scratch_, &frame);
        !ran.ok()) {
      Fail(ran);
      return;
    }
    std::memcpy(&run, frame.bytes.data(), sizeof(run));
    const RemoteRef<RecordFrame>* to = nullptr;
    if (!next_->empty()) {
      to = &(*next_)[turn_++ % next_->size()];
    } else {
      if (run != sink_run_) {
        absl::StatusOr<RemoteRef<RecordFrame>> sink = FindWithin(
            [&] { return node_->Lookup<RecordFrame>(SinkName(run)); }, absl::Seconds(30));
        if (!sink.ok()) {
          Fail(sink.status());
          return;
        }
        sink_ = *std::move(sink);
        sink_run_ = run;
      }
      to = &sink_;
    }
    if (TellStatus told = to->Tell(frame); !told.ok()) Fail(told.status());
  }

 private:
  // A record that cannot go on is lost to the run, whose sink then never completes
  // and ends at its bound: say why here, where it is known.
  void Fail(const absl::Status& status) {
    std::fprintf(stderr, "compare node: stage %d lost a record: %s\n", stage_,
                 status.ToString().c_str());
  }

  const ErasedWorkload* workload_;
  const int stage_;
  RemoteNode* node_;
  std::vector<RemoteRef<RecordFrame>>* next_;  // empty for the last stage
  Item scratch_;
  std::size_t turn_ = 0;
  int64_t sink_run_ = -1;
  RemoteRef<RecordFrame> sink_;
};

// The stage fibers of one pipeline run on this node: each receives from its stage's
// channel, runs the stage and sends to the next, until the channel is closed and
// drained (or `context` ends).
void RunPipelineStages(RemoteNode& node, const ErasedWorkload& workload, const Layout& layout,
                       int index, int64_t run, const Context& context) {
  const RemoteChannelOptions channel_options{.capacity = layout.capacity, .in_memory = true};
  std::vector<RemoteChannel<RecordFrame>> channels;
  for (int c = 0; c <= layout.stages; ++c) {
    absl::StatusOr<RemoteChannel<RecordFrame>> channel =
        node.OpenChannel<RecordFrame>(ChannelName(run, c), channel_options, context);
    if (!channel.ok()) {
      if (!context.Err().ok()) return;  // shutting down
      design_internal::CheckOk(channel.status());
    }
    channels.push_back(*std::move(channel));
  }
  std::vector<JoinHandle> fibers;
  for (int s = 0; s < layout.stages; ++s) {
    for (int j = 0; j < layout.parallelism; ++j) {
      if (layout.Owner(s, j) != index) continue;
      fibers.push_back(Spawn([&, s] {
        Item scratch(&workload);
        while (true) {
          absl::StatusOr<RecordFrame> frame = channels[s].Recv(context);
          if (!frame.ok()) return;  // closed and drained: the run is over
          if (absl::Status ran = RunStagesOnFrame(workload, s, s + 1, scratch, &*frame);
              !ran.ok()) {
            std::fprintf(stderr, "compare node: pipeline stage %d: %s\n", s,
                         ran.ToString().c_str());
            continue;
          }
          if (!channels[s + 1].Send(*frame, context).ok()) return;  // closed: over
        }
      }));
    }
  }
  for (JoinHandle& fiber : fibers) design_internal::CheckOk(fiber.Join());
}

}  // namespace

void EncodeFrame(int64_t run, const Item& item, const ErasedWorkload& workload,
                 RecordFrame* frame) {
  const int64_t header[3] = {run, item.id, item.emitted_ns};
  frame->bytes.append(reinterpret_cast<const char*>(header), sizeof(header));
  workload.encode(item.record, &frame->bytes);
}

absl::Status DecodeFrame(const RecordFrame& frame, const ErasedWorkload& workload, int64_t* run,
                         Item* item) {
  int64_t header[3];
  if (frame.bytes.size() < kFrameHeaderBytes ||
      !workload.decode(absl::string_view(frame.bytes).substr(kFrameHeaderBytes), item->record)) {
    return absl::DataLossError(absl::StrCat("a frame of ", frame.bytes.size(),
                                            " bytes is not a record of workload ", workload.name));
  }
  std::memcpy(header, frame.bytes.data(), sizeof(header));
  *run = header[0];
  item->id = header[1];
  item->emitted_ns = header[2];
  item->key = workload.key ? workload.key(item->record) : 0;
  return absl::OkStatus();
}

struct NodeParts::State {
  RemoteNode* node = nullptr;
  std::vector<RemoteWorker> workers;
  std::vector<ActorRef<PoolRequest>> pool_actors;
  std::vector<ActorRef<RecordFrame>> stage_actors;
  // next[s]: refs to stage s + 1's actors (empty for the last stage, which finds
  // each run's sink).
  std::vector<std::vector<RemoteRef<RecordFrame>>> next;
  std::optional<ContextWithCancel> pipeline_context;  // set by Start
  JoinHandle pipeline;
};

NodeParts::NodeParts(std::unique_ptr<State> state) : state_(std::move(state)) {}

absl::StatusOr<std::unique_ptr<NodeParts>> NodeParts::Start(RemoteNode& node, ActorSystem& system,
                                                            const ErasedWorkload& workload,
                                                            const Layout& layout, int index) {
  auto state = std::make_unique<State>();
  state->node = &node;
  const ActorOptions mailbox{.mailbox_capacity = static_cast<std::size_t>(layout.capacity),
                             .overflow = MailboxOverflow::kBlockSender};
  // The pool: a worker holds at most `capacity` requests, its mailbox's size, so
  // handing it one never waits.
  for (int w = 0; w < layout.pool_workers(); ++w) {
    if (layout.PoolWorkerOwner(w) != index) continue;
    ActorRef<PoolRequest> actor = system.Spawn<PoolWorker>(mailbox, &workload);
    state->pool_actors.push_back(actor);
    absl::StatusOr<RemoteWorker> worker = node.ServeWork<RecordFrame, RecordFrame>(
        PoolName(), actor,
        [](RecordFrame frame, Reply<RecordFrame> reply) {
          return PoolRequest{std::move(frame), std::move(reply)};
        },
        {.max_outstanding = layout.capacity});
    if (!worker.ok()) return worker.status();
    state->workers.push_back(*std::move(worker));
  }
  // The actors: publish this node's, then find the next stage's everywhere.
  state->next.resize(static_cast<std::size_t>(layout.stages));
  for (int s = 0; s < layout.stages; ++s) {
    for (int j = 0; j < layout.parallelism; ++j) {
      if (layout.Owner(s, j) != index) continue;
      ActorRef<RecordFrame> actor =
          system.Spawn<StageActor>(mailbox, &workload, s, &node, &state->next[s]);
      state->stage_actors.push_back(actor);
      if (absl::Status published = node.Publish<RecordFrame>(ActorName(s, j), actor);
          !published.ok()) {
        return published;
      }
    }
  }
  for (int s = 0; s + 1 < layout.stages; ++s) {
    for (int j = 0; j < layout.parallelism; ++j) {
      absl::StatusOr<RemoteRef<RecordFrame>> ref = FindWithin(
          [&] { return node.Lookup<RecordFrame>(ActorName(s + 1, j)); }, absl::Seconds(30));
      if (!ref.ok()) return ref.status();
      state->next[s].push_back(*std::move(ref));
    }
  }
  // The pipeline: run after run, each ended by the coordinator closing its channels.
  state->pipeline_context = WithCancel(Context());
  state->pipeline = Spawn([&node, &workload, layout, index,
                           context = state->pipeline_context->context] {
    for (int64_t run = 0; context.Err().ok(); ++run) {
      RunPipelineStages(node, workload, layout, index, run, context);
    }
  });
  return std::unique_ptr<NodeParts>(new NodeParts(std::move(state)));
}

NodeParts::~NodeParts() {
  state_->pipeline_context->cancel.Cancel();
  design_internal::CheckOk(state_->pipeline.Join());
  state_->workers.clear();  // leave the pool
  for (const auto& actor : state_->pool_actors) actor.Stop();
  for (const auto& actor : state_->stage_actors) actor.Stop();
  for (const auto& actor : state_->pool_actors) design_internal::CheckOk(actor.AwaitStop());
  for (const auto& actor : state_->stage_actors) design_internal::CheckOk(actor.AwaitStop());
}

// ---- The coordinator's side. ----

DesignResult RunSpreadPool(Runtime& runtime, RemoteNode& node, const ErasedWorkload& workload,
                           const DesignOptions& options, const std::string& name) {
  FirstError failure;
  const int in_flight = static_cast<int>(2 * options.capacity);
  DesignResult result = Measure(runtime, workload, options, name, [&](Run& run) {
    const ContextWithCancel bounded = WithTimeout(Context(), RunBound(options.records));
    const Context& context = bounded.context;
    absl::StatusOr<RemotePool<RecordFrame, RecordFrame>> pool =
        node.Pool<RecordFrame, RecordFrame>(PoolName(), {.max_in_flight = in_flight});
    if (!pool.ok()) return failure.Set(pool.status(), "pool");
    Channel<ItemPtr> jobs(options.capacity);
    Channel<ItemPtr> results(options.capacity);
    // The last submitter to finish closes the results; acq_rel so that it is
    // ordered after every other submitter's last send.
    std::atomic<int> submitting{in_flight};
    std::vector<JoinHandle> fibers;
    fibers.push_back(Spawn([&] {
      while (ItemPtr item = run.Next()) {
        if (!jobs.Send(std::move(item), context).ok()) break;
      }
      design_internal::CheckOk(jobs.Close());
    }));
    for (int f = 0; f < in_flight; ++f) {
      fibers.push_back(Spawn([&] {
        RecordFrame frame;
        while (std::optional<ItemPtr> item = jobs.Recv()) {
          frame.bytes.clear();
          EncodeFrame(0, **item, workload, &frame);
          absl::StatusOr<RecordFrame> answer = pool->Submit(frame, context);
          int64_t unused_run = 0;
          absl::Status done = answer.ok() ? DecodeFrame(*answer, workload, &unused_run, item->get())
                                          : answer.status();
          if (!done.ok()) {
            failure.Set(done, "submit");
            continue;
          }
          if (!results.Send(std::move(*item), context).ok()) break;
        }
        if (submitting.fetch_sub(1, std::memory_order_acq_rel) == 1) {
          design_internal::CheckOk(results.Close());
        }
      }));
    }
    while (std::optional<ItemPtr> item = results.Recv()) run.Sink(std::move(*item));
    for (JoinHandle& fiber : fibers) design_internal::CheckOk(fiber.Join());
    bounded.cancel.Cancel();
  });
  return failure.Into(std::move(result));
}

DesignResult RunSpreadPipeline(Runtime& runtime, RemoteNode& node, const ErasedWorkload& workload,
                               const DesignOptions& options, const Layout& layout,
                               const std::string& name, int64_t run_number) {
  FirstError failure;
  DesignResult result = Measure(runtime, workload, options, name, [&](Run& run) {
    const ContextWithCancel bounded = WithTimeout(Context(), RunBound(options.records));
    const Context& context = bounded.context;
    const RemoteChannelOptions channel_options{.capacity = layout.capacity, .in_memory = true};
    std::vector<RemoteChannel<RecordFrame>> channels;
    for (int c = 0; c <= layout.stages; ++c) {
      absl::StatusOr<RemoteChannel<RecordFrame>> channel =
          node.OpenChannel<RecordFrame>(ChannelName(run_number, c), channel_options, context);
      if (!channel.ok()) return failure.Set(channel.status(), "open a channel");
      channels.push_back(*std::move(channel));
    }
    JoinHandle source = Spawn([&] {
      RecordFrame frame;
      while (ItemPtr item = run.Next()) {
        frame.bytes.clear();
        EncodeFrame(run_number, *item, workload, &frame);
        run.Recycle(std::move(item));
        if (absl::Status sent = channels.front().Send(frame, context); !sent.ok()) {
          return failure.Set(sent, "send to the first stage");
        }
      }
    });
    for (int64_t received = 0; received < options.records; ++received) {
      absl::StatusOr<RecordFrame> frame = channels.back().Recv(context);
      ItemPtr item = run.Blank();
      int64_t unused_run = 0;
      absl::Status done =
          frame.ok() ? DecodeFrame(*frame, workload, &unused_run, item.get()) : frame.status();
      if (!done.ok()) {
        failure.Set(done, "receive from the last stage");
        break;
      }
      run.Sink(std::move(item));
    }
    bounded.cancel.Cancel();  // a source still sending (after a failure) stops
    design_internal::CheckOk(source.Join());
    // Ends the run's stage fibers in every node process.
    for (RemoteChannel<RecordFrame>& channel : channels) {
      if (absl::Status closed = channel.Close(); !closed.ok()) failure.Set(closed, "close");
    }
  });
  return failure.Into(std::move(result));
}

namespace {

// The coordinator's sink actor: sinks each record that comes back and returns its
// permit to the source's window.
class SpreadSink : public Actor<RecordFrame> {
 public:
  SpreadSink(Run* run, const ErasedWorkload* workload, Semaphore* window, Semaphore* done,
             FirstError* failure)
      : run_(run), workload_(workload), window_(window), done_(done), failure_(failure),
        remaining_(run->options().records) {}
  void Receive(RecordFrame& frame) override {
    ItemPtr item = run_->Blank();
    int64_t unused_run = 0;
    if (absl::Status decoded = DecodeFrame(frame, *workload_, &unused_run, item.get());
        !decoded.ok()) {
      failure_->Set(decoded, "sink");
      return;
    }
    run_->Sink(std::move(item));
    window_->Release();
    if (--remaining_ == 0) done_->Release();
  }

 private:
  Run* run_;
  const ErasedWorkload* workload_;
  Semaphore* window_;
  Semaphore* done_;
  FirstError* failure_;
  int64_t remaining_;
};

}  // namespace

DesignResult RunSpreadActors(Runtime& runtime, RemoteNode& node, const ErasedWorkload& workload,
                             const DesignOptions& options, const Layout& layout,
                             const std::string& name, int64_t run_number) {
  FirstError failure;
  DesignResult result = Measure(runtime, workload, options, name, [&](Run& run) {
    const ContextWithCancel bounded = WithTimeout(Context(), RunBound(options.records));
    const Context& context = bounded.context;
    ActorSystem system(runtime);
    // As many records in flight as the local design's mailboxes hold.
    Semaphore window(static_cast<int64_t>(options.capacity) *
                     (layout.stages * layout.parallelism + 1));
    Semaphore done(0);
    ActorRef<RecordFrame> sink = system.Spawn<SpreadSink>(
        design_internal::MailboxOptions(options), &run, &workload, &window, &done, &failure);
    auto stop_sink = [&] {
      sink.Stop();
      design_internal::CheckOk(sink.AwaitStop());
    };
    if (absl::Status published = node.Publish<RecordFrame>(SinkName(run_number), sink);
        !published.ok()) {
      failure.Set(published, "publish the sink");
      return stop_sink();
    }
    std::vector<RemoteRef<RecordFrame>> first;
    for (int j = 0; j < layout.parallelism; ++j) {
      absl::StatusOr<RemoteRef<RecordFrame>> ref = node.Lookup<RecordFrame>(ActorName(0, j));
      if (!ref.ok()) {
        failure.Set(ref.status(), "look up a first-stage actor");
        return stop_sink();
      }
      first.push_back(*std::move(ref));
    }
    RecordFrame frame;
    std::size_t turn = 0;
    bool sending = true;
    while (sending) {
      ItemPtr item = run.Next();
      if (item == nullptr) break;
      frame.bytes.clear();
      EncodeFrame(run_number, *item, workload, &frame);
      run.Recycle(std::move(item));
      absl::Status sent = window.Acquire(context);
      if (sent.ok()) sent = first[turn++ % first.size()].Tell(frame);
      if (!sent.ok()) {
        failure.Set(sent, "tell a first-stage actor");
        sending = false;
      }
    }
    if (sending) {
      if (absl::Status all = done.Acquire(context); !all.ok()) {
        failure.Set(all, "wait for the sink");
      }
    }
    bounded.cancel.Cancel();
    stop_sink();
  });
  return failure.Into(std::move(result));
}

}  // namespace troupe::benchmarks::spread_internal
