// supervised_actor: an actor that answers requests (Ask), fails on bad input, and
// is restarted by its supervisor, as in Erlang/OTP.
//
// The parser actor turns text into a number. Text that is not a number makes it
// throw: that is a failure, and its supervisor replaces the failed instance with a
// fresh one built from the same constructor arguments. The mailbox, and so every
// ActorRef to the actor, survives the restart; the request that failed is answered
// with Aborted (nobody replied to it); the instance's own state starts over.
//
//   bazel run //examples/supervised_actor
#include <atomic>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/actors/reply.h"
#include "troupe/actors/supervisor.h"
#include "troupe/scheduler/runtime.h"

namespace {

// The parser's messages: every request carries the Reply its answer goes to.
struct Parse {
  std::string text;
  troupe::Reply<int> reply;
};
struct HowMany {  // requests this instance has answered, and which instance it is
  troupe::Reply<std::pair<int, int>> reply;
};
using ParserMessage = std::variant<Parse, HowMany>;

class Parser : public troupe::Actor<ParserMessage> {
 public:
  // Constructor arguments are kept by the supervisor and copied into each new
  // instance: `instances` is shared by all of them.
  explicit Parser(std::shared_ptr<std::atomic<int>> instances)
      : instances_(std::move(instances)) {}

  void OnStart() override { instance_ = instances_->fetch_add(1) + 1; }

  void Receive(ParserMessage& message) override {
    std::visit(troupe::Overloaded{
                   [&](Parse& parse) {
                     int value = 0;
                     if (!absl::SimpleAtoi(parse.text, &value)) {
                       // An exception escaping Receive is a failure: the supervisor
                       // restarts this actor. (Replying with an error status instead,
                       // parse.reply.Send(absl::InvalidArgumentError(...)), would
                       // keep it running.)
                       throw std::invalid_argument("not a number: " + parse.text);
                     }
                     ++answered_;
                     parse.reply.Send(value);
                   },
                   [&](HowMany& how_many) { how_many.reply.Send(std::make_pair(answered_, instance_)); }},
               message);
  }

 private:
  std::shared_ptr<std::atomic<int>> instances_;
  int instance_ = 0;
  int answered_ = 0;  // this instance's state: lost when it is replaced
};

// Asks `parser` to parse `text`, waiting at most 10 s for the answer.
absl::StatusOr<int> AskParse(const troupe::ActorRef<ParserMessage>& parser, std::string text) {
  return troupe::Ask<int>(
      parser,
      [&text](troupe::Reply<int> reply) { return Parse{std::move(text), std::move(reply)}; },
      absl::Seconds(10));
}

void Show(const std::string& text, const absl::StatusOr<int>& answer) {
  std::printf("parse \"%s\" -> %s\n", text.c_str(),
              answer.ok() ? std::to_string(*answer).c_str() : answer.status().ToString().c_str());
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
  // The system and the supervisor wait for their actors when destroyed: keep them
  // on this plain thread, outside the fibers.
  troupe::ActorSystem system(**runtime);
  troupe::SupervisorOptions supervision;
  supervision.strategy = troupe::RestartStrategy::kOneForOne;
  supervision.max_restarts = 3;  // more than 3 failures within 5 s: give up
  supervision.within = absl::Seconds(5);
  troupe::Supervisor supervisor(system, supervision);

  auto instances = std::make_shared<std::atomic<int>>(0);
  troupe::ActorOptions parser_options;
  parser_options.name = "parser";
  troupe::ActorRef<ParserMessage> parser =
      supervisor.StartChild<Parser>(parser_options, instances);

  bool as_expected = true;
  absl::Status status = (*runtime)->Run([&] {
    const absl::StatusOr<int> first = AskParse(parser, "42");
    Show("42", first);
    as_expected &= first.ok() && *first == 42;

    // The parser fails on this one: the Ask fails with Aborted, and the supervisor
    // restarts the parser.
    const absl::StatusOr<int> bad = AskParse(parser, "forty-two");
    Show("forty-two", bad);
    as_expected &= absl::IsAborted(bad.status());

    // The same ActorRef reaches the new instance.
    const absl::StatusOr<int> third = AskParse(parser, "7");
    Show("7", third);
    as_expected &= third.ok() && *third == 7;

    const absl::StatusOr<std::pair<int, int>> how_many = troupe::Ask<std::pair<int, int>>(
        parser,
        [](troupe::Reply<std::pair<int, int>> reply) { return HowMany{std::move(reply)}; },
        absl::Seconds(10));
    if (how_many.ok()) {
      std::printf("instance %d has answered %d request(s)\n", how_many->second,
                  how_many->first);
    }
    as_expected &= how_many.ok() && *how_many == std::make_pair(1, 2);
  });
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    return 1;
  }
  std::printf("the supervisor restarted the parser %llu time(s)\n",
              static_cast<unsigned long long>(supervisor.restarts()));
  as_expected &= supervisor.restarts() == 1;
  std::printf("%s\n", as_expected ? "supervised_actor: as expected" : "supervised_actor: WRONG");
  return as_expected ? 0 : 1;
}
