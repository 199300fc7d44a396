// select_timeout: waiting for the first of several events, as Go's `select`.
//
// A backend fiber answers requests, but only when the main fiber lets it (so that
// what happens below does not depend on timing). The main fiber waits for an answer
// three ways:
//   1. with a timeout, before the backend may answer: the timeout fires;
//   2. with a timeout, after letting the backend answer: the answer arrives first;
//   3. with a context whose deadline passes: the context's case fires with
//      DeadlineExceeded (a context can also be cancelled by hand, and carries its
//      deadline to everything it is passed to);
// and finally polls without waiting (OnDefault).
//
//   bazel run //examples/select_timeout
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/select.h"

namespace {

// Waits at most `timeout` for an answer; nullopt if none came in time.
std::optional<std::string> AwaitAnswer(troupe::Channel<std::string>& answers,
                                       absl::Duration timeout) {
  std::optional<std::string> answer;
  // Exactly one case fires; its handler runs in this fiber after the wait. A
  // receive case gets nullopt if the channel was closed.
  troupe::Select(
      troupe::OnRecv(answers, [&](std::optional<std::string> got) { answer = std::move(got); }),
      troupe::OnTimeout(timeout, [] {}));
  return answer;
}

}  // namespace

int main() {
  troupe::RuntimeOptions options;
  options.procs = 2;
  absl::StatusOr<std::unique_ptr<troupe::Runtime>> runtime = troupe::Runtime::Create(options);
  if (!runtime.ok()) {
    std::fprintf(stderr, "%s\n", runtime.status().ToString().c_str());
    return 1;
  }

  int as_expected = 0;
  absl::Status status = (*runtime)->Run([&] {
    troupe::Channel<std::string> answers(1);
    troupe::Channel<int> go_ahead(0);  // unbuffered: each Send meets the backend's Recv
    troupe::JoinHandle backend = troupe::Spawn([&] {
      while (std::optional<int> request = go_ahead.Recv()) {
        (void)answers.Send("answer to request " + std::to_string(*request));
      }
    });

    // 1. Nobody may answer yet: the 20 ms timeout is what fires.
    std::optional<std::string> first = AwaitAnswer(answers, absl::Milliseconds(20));
    std::printf("1. %s\n", first ? first->c_str() : "timed out");
    as_expected += !first.has_value();

    // 2. Let the backend answer; a generous timeout does not fire.
    (void)go_ahead.Send(1);
    std::optional<std::string> second = AwaitAnswer(answers, absl::Seconds(30));
    std::printf("2. %s\n", second ? second->c_str() : "timed out");
    as_expected += second == std::optional<std::string>("answer to request 1");

    // 3. A context with a deadline. Everything given `deadline` (a channel Recv,
    // a Join, an actor's Ask, a socket Read) gives up when it passes.
    troupe::ContextWithCancel deadline =
        troupe::WithTimeout(troupe::Context::Background(), absl::Milliseconds(20));
    absl::Status why;
    troupe::Select(troupe::OnRecv(answers, [](std::optional<std::string>) {}),
                   troupe::OnDone(deadline.context, [&](absl::Status err) { why = err; }));
    deadline.cancel.Cancel();  // releases the context's resources; harmless when done
    std::printf("3. context done: %s\n", absl::StatusCodeToString(why.code()).c_str());
    as_expected += absl::IsDeadlineExceeded(why);

    // 4. OnDefault: take an answer if one is ready, never wait.
    const int fired = troupe::Select(troupe::OnRecv(answers, [](std::optional<std::string>) {}),
                                     troupe::OnDefault([] {}));
    std::printf("4. %s\n", fired == 1 ? "nothing ready, did not wait" : "an answer was ready");
    as_expected += fired == 1;

    (void)go_ahead.Close();  // the backend's Recv returns nullopt and it returns
    (void)backend.Join();
  });
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    return 1;
  }
  std::printf("%d of 4 outcomes as expected\n", as_expected);
  return as_expected == 4 ? 0 : 1;
}
