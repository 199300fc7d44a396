// Small actors shared by the actor tests.
#ifndef TROUPE_TESTS_ACTORS_TEST_ACTORS_H_
#define TROUPE_TESTS_ACTORS_TEST_ACTORS_H_

#include <stdexcept>
#include <string>
#include <variant>

#include "actors/actor.h"
#include "actors/reply.h"

namespace troupe::testing {

struct Add {
  int amount;
};
struct GetTotal {
  Reply<int64_t> reply;
};
struct Fail {
  std::string why;
};
using CounterMessage = std::variant<Add, GetTotal, Fail>;

// Sums what it is told; replies with the sum; throws on Fail.
class Counter : public Actor<CounterMessage> {
 public:
  explicit Counter(int64_t start = 0) : total_(start) {}
  void Receive(CounterMessage& message) override {
    std::visit(Overloaded{[&](Add& m) { total_ += m.amount; },
                          [&](GetTotal& m) { m.reply.Send(total_); },
                          [&](Fail& m) { throw std::runtime_error(m.why); }},
               message);
  }

 private:
  int64_t total_;
};

inline absl::StatusOr<int64_t> TotalOf(const ActorRef<CounterMessage>& counter,
                                       const Context& context = Context()) {
  return Ask<int64_t>(counter, [](Reply<int64_t> reply) { return GetTotal{std::move(reply)}; },
                      context);
}

}  // namespace troupe::testing

#endif  // TROUPE_TESTS_ACTORS_TEST_ACTORS_H_
