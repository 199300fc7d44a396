// profiling/debug_handler.h: Go's /debug/pprof/ paths answer with an index, profiles
// that parse (and the block profile's text form), and errors that say what is
// allowed; /debug/troupe/ serves the scheduling trace and the spans as JSON that
// parses, and the fiber dump as text.
#include "troupe/profiling/debug_handler.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "troupe/profiling/block_profile.h"
#include "troupe/profiling/cpu_profiler.h"
#include "troupe/profiling/mutex_profile.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/trace_context.h"
#include "troupe/tests/profiling/json_reader.h"
#include "troupe/tests/profiling/profile_reader.h"
#include "troupe/tests/scheduler/test_support.h"
#include "troupe/tracing/span.h"
#include "troupe/tracing/trace_events.h"

namespace troupe::profiling {
namespace {

using profiling_test::JsonValue;
using profiling_test::ParseJson;
using profiling_test::ParseProfile;
using profiling_test::ReadProfile;

using DebugHandlerTest = testing::RuntimeTest;

DebugResponse Get(Runtime& runtime, absl::string_view target) {
  return ServeDebug(runtime, target, Context::Background());
}

TEST_P(DebugHandlerTest, IndexLinksEveryProfile) {
  RunInFiber([&] {
    for (absl::string_view target : {"/debug/pprof", "/debug/pprof/"}) {
      const DebugResponse index = Get(runtime(), target);
      EXPECT_EQ(index.status, 200) << target;
      EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
      for (std::string link :
           {"href=\"profile?seconds=30\"", "href=\"fiber\"", "href=\"goroutine\"",
            "href=\"block\"", "href=\"mutex\"", "href=\"/debug/troupe/trace?seconds=1\"",
            "href=\"/debug/troupe/fibers\""}) {
        EXPECT_NE(index.body.find(link), std::string::npos) << link;
      }
    }
  });
}

TEST_P(DebugHandlerTest, FiberAndGoroutineServeTheFiberProfile) {
  RunInFiber([&] {
    for (absl::string_view target : {"/debug/pprof/fiber", "/debug/pprof/goroutine?x=1"}) {
      const DebugResponse response = Get(runtime(), target);
      ASSERT_EQ(response.status, 200) << target;
      EXPECT_EQ(response.content_type, "application/octet-stream");
      absl::StatusOr<ReadProfile> profile = ParseProfile(response.body);
      ASSERT_TRUE(profile.ok()) << profile.status();
      ASSERT_EQ(profile->sample_types.size(), 1u);
      EXPECT_EQ(profile->sample_types[0].first, "fibers");
      EXPECT_EQ(profile->Sum(0, [](const auto&) { return true; }), 1) << "only this fiber lives";
    }
    const DebugResponse text = Get(runtime(), "/debug/pprof/fiber?debug=1");
    EXPECT_EQ(text.status, 200);
    EXPECT_NE(text.body.find("[running]"), std::string::npos) << text.body;
  });
}

TEST_P(DebugHandlerTest, CpuProfileLastsTheSecondsAskedAndParses) {
  RunInFiber([&] {
    const DebugResponse response = Get(runtime(), "/debug/pprof/profile?seconds=1&hz=200");
    ASSERT_EQ(response.status, 200) << response.body;
    absl::StatusOr<ReadProfile> profile = ParseProfile(response.body);
    ASSERT_TRUE(profile.ok()) << profile.status();
    EXPECT_EQ(profile->period, 5'000'000);  // 200 Hz
    EXPECT_GE(profile->duration_nanos, 1'000'000'000);
    EXPECT_FALSE(CpuProfileRunning());
  });
}

TEST_P(DebugHandlerTest, BadRequestsSayWhatIsAllowed) {
  RunInFiber([&] {
    DebugResponse response = Get(runtime(), "/debug/pprof/profile?seconds=0");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.body, "seconds must be an integer in [1, 300]; got \"0\"\n");
    response = Get(runtime(), "/debug/pprof/profile?seconds=1&hz=abc");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.body, "hz must be an integer in [1, 1000]; got \"abc\"\n");
    response = Get(runtime(), "/debug/pprof/heap");
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(response.body,
              "unknown profile \"heap\"; available: profile, fiber, goroutine, block, mutex\n");
  });
}

__attribute__((noinline)) void ReceiveForHandler(Channel<int>& channel) {
  EXPECT_TRUE(channel.Recv().has_value());
  asm volatile("");  // keeps the call above from being a tail call
}

TEST_P(DebugHandlerTest, BlockAndMutexServeContentionProfilesAndText) {
  ASSERT_TRUE(SetBlockProfileRate(1).ok());
  ASSERT_TRUE(SetMutexProfileFraction(1).ok());
  RunInFiber([&] {
    Channel<int> channel(0);
    JoinHandle receiver = Spawn([&] { ReceiveForHandler(channel); });
    ASSERT_TRUE(testing::WaitUntilParked(runtime(), receiver.id(), "channel receive"));
    ASSERT_TRUE(channel.Send(1).ok());
    ASSERT_TRUE(receiver.Join().ok());

    for (absl::string_view target : {"/debug/pprof/block", "/debug/pprof/mutex"}) {
      const DebugResponse response = Get(runtime(), target);
      ASSERT_EQ(response.status, 200) << target;
      absl::StatusOr<ReadProfile> profile = ParseProfile(response.body);
      ASSERT_TRUE(profile.ok()) << target << ": " << profile.status();
      ASSERT_EQ(profile->sample_types.size(), 2u);
      EXPECT_EQ(profile->sample_types[0].first, "contentions");
      EXPECT_EQ(profile->sample_types[1].first, "delay");
    }
    const DebugResponse text = Get(runtime(), "/debug/pprof/block?debug=1");
    ASSERT_EQ(text.status, 200);
    EXPECT_EQ(text.body.rfind("--- contention:\ncycles/second=1000000000\nsampling period=1\n", 0),
              0u)
        << text.body;
    EXPECT_NE(text.body.find("ReceiveForHandler"), std::string::npos) << text.body;
    EXPECT_NE(text.body.find("wait_reason=channel receive"), std::string::npos) << text.body;
  });
  EXPECT_TRUE(SetBlockProfileRate(0).ok());
  EXPECT_TRUE(SetMutexProfileFraction(0).ok());
}

TEST_P(DebugHandlerTest, ContentionIntervalWhileOffIsABadRequest) {
  RunInFiber([&] {
    DebugResponse response = Get(runtime(), "/debug/pprof/block?seconds=1");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.body,
              "could not take a block profile: the block profile is off: set a rate first "
              "(SetBlockProfileRate)\n");
    response = Get(runtime(), "/debug/pprof/mutex?seconds=1");
    EXPECT_EQ(response.status, 400);
    response = Get(runtime(), "/debug/pprof/mutex?seconds=-1");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.body, "seconds must be an integer in [0, 300]; got \"-1\"\n");
  });
}

TEST_P(DebugHandlerTest, CpuProfileWhileAnotherRunsIsAConflict) {
  ASSERT_TRUE(StartCpuProfile().ok());
  RunInFiber([&] {
    const DebugResponse response = Get(runtime(), "/debug/pprof/profile?seconds=1");
    EXPECT_EQ(response.status, 409);
    EXPECT_EQ(response.body, "could not take a CPU profile: a CPU profile is already running\n");
  });
  EXPECT_TRUE(StopCpuProfile().ok());
}

// A traced request: a client fiber asks for the trace; once it is recording (parked
// in its sleep), a named fiber runs a span, and both must appear in the JSON: the
// fiber's slices by name, the span on the fiber's span track.
TEST_P(DebugHandlerTest, TraceIsChromeJsonWithTheSlicesAndSpansOfANamedFiber) {
  RunInFiber([&] {
    DebugResponse response;
    // 3 s: room for the traced worker to run inside the recording on a loaded
    // sanitizer run (it runs at once).
    JoinHandle client = Spawn([&] { response = Get(runtime(), "/debug/troupe/trace?seconds=3"); });
    ASSERT_TRUE(testing::WaitUntilParked(runtime(), client.id(), "sleep"));
    JoinHandle traced = Spawn({.name = "traced-worker"}, [] {
      const Context request = WithTraceContext(Context(), TraceContext::NewRoot());
      tracing::ScopedSpan span(request, "traced-work");
    });
    const uint64_t traced_id = traced.id();
    ASSERT_TRUE(traced.Join().ok());
    ASSERT_TRUE(client.Join().ok());

    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.content_type, "application/json");
    absl::StatusOr<JsonValue> document = ParseJson(response.body);
    ASSERT_TRUE(document.ok()) << document.status() << "\n" << response.body;
    const JsonValue* events = document->Find("traceEvents");
    ASSERT_NE(events, nullptr) << response.body;
    const std::string expected_name = absl::StrCat("fiber ", traced_id, " \"traced-worker\"");
    const double span_track = static_cast<double>(tracing::kFiberTrackBase + traced_id);
    int traced_slices = 0;
    int traced_spans = 0;
    bool process_named = false;
    for (const JsonValue& event : events->array) {
      const JsonValue* name = event.Find("name");
      const JsonValue* phase = event.Find("ph");
      ASSERT_TRUE(name != nullptr && phase != nullptr) << "an event without name or ph";
      if (phase->string == "M" && name->string == "process_name") process_named = true;
      if (phase->string == "X" && name->string == "traced-work") {
        ++traced_spans;
        EXPECT_EQ(event.Find("tid")->number, span_track);
        EXPECT_EQ(event.Find("args")->Find("fiber")->string, "traced-worker");
      }
      if (phase->string != "X" || name->string != expected_name) continue;
      ++traced_slices;
      const JsonValue* args = event.Find("args");
      ASSERT_NE(args, nullptr);
      ASSERT_NE(args->Find("fiber_id"), nullptr);
      EXPECT_EQ(args->Find("fiber_id")->number, static_cast<double>(traced_id));
      ASSERT_NE(args->Find("fiber"), nullptr);
      EXPECT_EQ(args->Find("fiber")->string, "traced-worker");
      EXPECT_GE(event.Find("dur")->number, 0);
    }
    EXPECT_TRUE(process_named) << response.body;
    EXPECT_GE(traced_slices, 1) << "no slice named " << expected_name << " in\n"
                                << response.body;
    EXPECT_EQ(traced_spans, 1) << response.body;
  });
}

TEST_P(DebugHandlerTest, SecondTraceWhileOneRecordsIsAConflict) {
  RunInFiber([&] {
    ContextWithCancel request = WithCancel(Context::Background());
    DebugResponse first;
    JoinHandle client = Spawn([&] {
      first = ServeDebug(runtime(), "/debug/troupe/trace?seconds=60", request.context);
    });
    ASSERT_TRUE(testing::WaitUntilParked(runtime(), client.id(), "sleep"));
    const DebugResponse second = Get(runtime(), "/debug/troupe/trace");
    EXPECT_EQ(second.status, 409);
    EXPECT_EQ(second.body, "could not record a trace: a trace is already being recorded\n");
    request.cancel.Cancel();  // as a server shutting down does
    ASSERT_TRUE(client.Join().ok());
    EXPECT_EQ(first.status, 503) << first.body;
  });
}

TEST_P(DebugHandlerTest, BadTraceSecondsSayWhatIsAllowed) {
  RunInFiber([&] {
    for (absl::string_view seconds : {"0", "61", "-1", "abc", "1.5"}) {
      const DebugResponse response =
          Get(runtime(), absl::StrCat("/debug/troupe/trace?seconds=", seconds));
      EXPECT_EQ(response.status, 400) << seconds;
      EXPECT_EQ(response.content_type, "text/plain; charset=utf-8");
      EXPECT_EQ(response.body,
                absl::StrCat("seconds must be an integer in [1, 60]; got \"", seconds, "\"\n"));
    }
    const DebugResponse unknown = Get(runtime(), "/debug/troupe/heap");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(unknown.body, "unknown debug page \"heap\"; available: trace, fibers\n");
  });
}

TEST_P(DebugHandlerTest, FibersShowAParkedFiberByNameWithItsWaitReason) {
  RunInFiber([&] {
    Channel<int> inbox(0);
    JoinHandle reader = Spawn({.name = "inbox-reader"}, [&] { ReceiveForHandler(inbox); });
    ASSERT_TRUE(testing::WaitUntilParked(runtime(), reader.id(), "channel receive"));

    const DebugResponse response = Get(runtime(), "/debug/troupe/fibers");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.content_type, "text/plain; charset=utf-8");
    EXPECT_NE(response.body.find(absl::StrCat("fiber ", reader.id(),
                                              " \"inbox-reader\" [waiting: channel receive")),
              std::string::npos)
        << response.body;
    EXPECT_NE(response.body.find("[running]"), std::string::npos)
        << "the fiber serving the request\n" << response.body;
    EXPECT_EQ(response.body.rfind(absl::StrCat(runtime().procs(), " processors, "), 0), 0u)
        << response.body;

    ASSERT_TRUE(inbox.Send(1).ok());
    ASSERT_TRUE(reader.Join().ok());
  });
}

INSTANTIATE_TEST_SUITE_P(Procs, DebugHandlerTest, ::testing::Values(1, 2), testing::ProcsName);

TEST(DebugHandlerPathTest, ServesOnlyItsPrefixes) {
  EXPECT_TRUE(IsDebugPath("/debug/pprof"));
  EXPECT_TRUE(IsDebugPath("/debug/pprof/profile"));
  EXPECT_TRUE(IsDebugPath("/debug/troupe"));
  EXPECT_TRUE(IsDebugPath("/debug/troupe/trace"));
  EXPECT_FALSE(IsDebugPath("/debug/pprofx"));
  EXPECT_FALSE(IsDebugPath("/debug/troupex/trace"));
  EXPECT_FALSE(IsDebugPath("/debug"));
  EXPECT_FALSE(IsDebugPath("/metrics"));
}

}  // namespace
}  // namespace troupe::profiling
