// Trace context through a chain of Asks (client -> a -> b -> c): every hop continues
// the client's trace, and with a span recording on, the spans link parent to child
// from the client's ask down to the last actor's handling.
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/actors/reply.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/scheduler/trace_context.h"
#include "troupe/tests/actors/test_actors.h"
#include "troupe/tests/scheduler/test_support.h"
#include "troupe/tracing/span_recorder.h"

namespace troupe {
namespace {

// What each hop saw as its request's trace context, first hop first.
using Seen = std::vector<TraceContext>;
struct Hop {
  Reply<Seen> reply;
};

// Asks `next` (if any) with the request's context and answers what it saw in front
// of what the rest of the chain saw.
class Relay : public Actor<Hop> {
 public:
  explicit Relay(const ActorRef<Hop>* next) : next_(next) {}
  void Receive(Hop& hop) override {
    const TraceContext* trace = TraceContextOf(request_context());
    Seen seen = {trace != nullptr ? *trace : TraceContext()};
    if (next_ != nullptr) {
      absl::StatusOr<Seen> rest = Ask<Seen>(
          *next_, [](Reply<Seen> reply) { return Hop{std::move(reply)}; }, request_context());
      if (!rest.ok()) {
        hop.reply.Send(rest.status());
        return;
      }
      seen.insert(seen.end(), rest->begin(), rest->end());
    }
    hop.reply.Send(std::move(seen));
  }

 private:
  const ActorRef<Hop>* next_;
};

class AskTracingTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    harness_.Start(GetParam());
    c_ = harness_.system().Spawn<Relay>({.name = "c"}, nullptr);
    b_ = harness_.system().Spawn<Relay>({.name = "b"}, &c_);
    a_ = harness_.system().Spawn<Relay>({.name = "a"}, &b_);
  }
  void TearDown() override { harness_.Finish(); }

  // Asks a with `context`; what the three hops saw.
  Seen AskChain(const Context& context) {
    absl::StatusOr<Seen> seen =
        Ask<Seen>(a_, [](Reply<Seen> reply) { return Hop{std::move(reply)}; }, context);
    EXPECT_TRUE(seen.ok()) << seen.status();
    return seen.ok() ? *seen : Seen();
  }

  testing::ActorHarness harness_;
  ActorRef<Hop> a_, b_, c_;
  const ContextWithCancel bounded_ = WithTimeout(Context(), testing::kWaitBound);
};

TEST_P(AskTracingTest, EveryHopOfAnAskChainContinuesTheCallersTrace) {
  const TraceContext root = TraceContext::NewRoot();
  harness_.RunInFiber([&] {
    const Seen seen = AskChain(WithTraceContext(bounded_.context, root));
    ASSERT_EQ(seen.size(), 3u);
    for (const TraceContext& hop : seen) {
      EXPECT_EQ(hop.TraceIdHex(), root.TraceIdHex());
      EXPECT_TRUE(hop.sampled());
      EXPECT_NE(hop.span_id, root.span_id);  // each hop is under an ask's span
    }
    EXPECT_NE(seen[0].span_id, seen[1].span_id);
    EXPECT_NE(seen[1].span_id, seen[2].span_id);
  });
}

TEST_P(AskTracingTest, AnUntracedAskChainStaysUntraced) {
  harness_.RunInFiber([&] {
    for (const TraceContext& hop : AskChain(bounded_.context)) EXPECT_FALSE(hop.valid());
  });
}

TEST_P(AskTracingTest, RecordedSpansLinkTheClientsAskToEachActorsHandling) {
  ASSERT_TRUE(tracing::StartSpanRecording().ok());
  const TraceContext root = TraceContext::NewRoot();
  Seen seen;
  uint64_t client_fiber = 0;
  harness_.RunInFiber([&] {
    client_fiber = this_fiber::Id();
    seen = AskChain(WithTraceContext(bounded_.context, root));
  });
  // 3 asks and 3 handlings; a handling's span ends just after its reply is sent.
  testing::WaitUntil([] { return tracing::SpansEndedSoFar() >= 6; }, "6 spans ended");
  const tracing::SpanLog log = tracing::StopSpanRecording();
  ASSERT_EQ(log.spans.size(), 6u);
  EXPECT_EQ(log.dropped, 0u);
  ASSERT_EQ(seen.size(), 3u);

  std::map<std::array<uint8_t, 8>, const tracing::SpanRecord*> by_id;
  for (const tracing::SpanRecord& span : log.spans) {
    EXPECT_EQ(span.trace.TraceIdHex(), root.TraceIdHex()) << span.name;
    EXPECT_LE(span.start_ns, span.end_ns);
    EXPECT_TRUE(span.status.ok()) << span.name << ": " << span.status;
    by_id[span.trace.span_id] = &span;
  }
  // From c's handling up to the client's ask, whose parent is the root.
  const char* const expected[][2] = {{"receive", "c"}, {"ask c", nullptr}, {"receive", "b"},
                                     {"ask b", nullptr}, {"receive", "a"}, {"ask a", nullptr}};
  std::array<uint8_t, 8> id = seen[2].span_id;  // what c's handler saw: its span
  for (const auto& [name, actor] : expected) {
    ASSERT_EQ(by_id.count(id), 1u) << "no span recorded for " << name;
    const tracing::SpanRecord& span = *by_id[id];
    EXPECT_EQ(span.name, name);
    if (actor != nullptr) {  // a handling: on the actor's fiber, labelled with it
      ASSERT_NE(span.labels, nullptr) << name;
      ASSERT_NE(span.labels->Find("actor"), nullptr) << name;
      EXPECT_EQ(*span.labels->Find("actor"), actor);
      EXPECT_NE(span.fiber, client_fiber);
    }
    id = span.parent_span_id;
  }
  EXPECT_EQ(id, root.span_id);
  EXPECT_EQ(by_id.at(seen[0].span_id)->name, "receive");
  EXPECT_EQ(by_id.at(seen[1].span_id)->name, "receive");
}

INSTANTIATE_TEST_SUITE_P(Procs, AskTracingTest, ::testing::Values(1, 2));

}  // namespace
}  // namespace troupe
