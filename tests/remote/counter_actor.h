// A counter actor for the remote tests, published with Command and answering
// Total (test_messages.proto): it adds, checks each sender's sequence, and on a
// `block` command waits on the test's gate (a channel) before going on.
#ifndef TROUPE_TESTS_REMOTE_COUNTER_ACTOR_H_
#define TROUPE_TESTS_REMOTE_COUNTER_ACTOR_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <utility>
#include <variant>

#include "troupe/actors/actor.h"
#include "troupe/actors/reply.h"
#include "troupe/scheduler/channel.h"
#include "troupe/tests/remote/test_messages.pb.h"

namespace troupe::remote_testing {

using remote_test::Command;
using remote_test::Total;

struct RemoteCommand {
  Command command;
  Reply<Total> reply;
};
using CounterMessage = std::variant<RemoteCommand>;

// What the test sees of a counter: how many commands entered a block, and how many
// were handled with their request context already cancelled.
struct CounterProbe {
  std::atomic<int> blocked{0};
  std::atomic<int> handled_cancelled{0};
};

class Counter : public Actor<CounterMessage> {
 public:
  Counter(Channel<int> gate, std::shared_ptr<CounterProbe> probe)
      : gate_(std::move(gate)), probe_(std::move(probe)) {}
  void Receive(CounterMessage& message) override {
    RemoteCommand& remote = std::get<RemoteCommand>(message);
    const Command& command = remote.command;
    if (command.block()) {
      probe_->blocked.fetch_add(1, std::memory_order_relaxed);  // polled by the test
      (void)gate_.Recv(Context());
    }
    if (request_context().Err().code() == absl::StatusCode::kCancelled) {
      probe_->handled_cancelled.fetch_add(1, std::memory_order_relaxed);  // polled by the test
    }
    if (command.add() != 0) {
      int64_t& next = next_sequence_[command.sender()];
      if (command.sequence() != next) ++out_of_order_;
      next = command.sequence() + 1;
      total_ += command.add();
      ++handled_;
    }
    Total answer;
    answer.set_total(total_);
    answer.set_handled(handled_);
    answer.set_out_of_order(out_of_order_);
    remote.reply.Send(answer);
  }

 private:
  Channel<int> gate_;
  std::shared_ptr<CounterProbe> probe_;
  std::map<int64_t, int64_t> next_sequence_;
  int64_t total_ = 0;
  int64_t handled_ = 0;
  int64_t out_of_order_ = 0;
};

inline Command Add(int64_t add, int64_t sender = 0, int64_t sequence = 0) {
  Command command;
  command.set_add(add);
  command.set_sender(sender);
  command.set_sequence(sequence);
  return command;
}
inline Command Block() {
  Command command;
  command.set_block(true);
  return command;
}
inline Command Ping() {
  Command command;
  command.set_ping(true);
  return command;
}


}  // namespace troupe::remote_testing

#endif  // TROUPE_TESTS_REMOTE_COUNTER_ACTOR_H_
