// Boost.Fiber peers of troupe's scheduler, channel and actor micro-benchmarks
// (benchmarks/micro/scheduler_bench.cc, benchmarks/micro/channel_bench.cc, benchmarks/micro/actor_bench.cc):
// BM_SpawnJoin, BM_Skynet, BM_ChanPingPong, BM_ChanStream, BM_ActorPingPong and
// BM_ActorFanIn/1024, written with Boost.Fiber 1.74 (Debian's libboost-fiber-dev).
// benchmarks/micro/compare_with_peers.sh builds this file into its temporary directory and runs it
// next to troupe, the Go and the CAF peers; it is not part of the Bazel build.
//
//   g++ -O2 -std=c++17 micro_peers.cpp -o micro_peers -lboost_fiber -lboost_context -pthread
//   ./micro_peers -procs 2 -reps 5
//
// Flags: -procs N (threads that run fibers; default 2) and -reps N (timed repetitions per
// workload; default 5); `--procs=N` spellings work too. Each workload does one untimed
// warm-up repetition, then prints one line per timed repetition in the Go peers' format:
//
//   name=BM_Skynet items=1000000 seconds=0.123456 items_per_second=8.1e6
//
// The workloads are troupe's, with the same counts and the same items:
// - BM_SpawnJoin: one fiber spawns 10,000 empty fibers, then joins them all. Items =
//   fibers.
// - BM_Skynet: a tree with fan-out 10 and 1,000,000 leaves whose every node is a fiber;
//   leaf i returns i, each child writes its result into its parent's frame and the parent
//   joins its children (as troupe's skynet.cc does; the Go peer uses a channel). Items =
//   leaves.
// - BM_ChanPingPong: two fibers bounce an int over two unbuffered_channels for 100,000
//   round trips; the responder adds one and stops when ping is closed. Items = round
//   trips.
// - BM_ChanStream: a producer fiber sends 0..999,999 over a buffered_channel and closes
//   it; the consumer sums until the channel is closed, then joins the producer. Items =
//   messages.
// - BM_Select4 has no peer: Boost.Fiber has no select over several channels (the
//   comparison script shows n/a).
// - BM_ActorPingPong: a server and a returner actor play 100,000 round trips. A fiber
//   sends the server a Serve; the server hits ball 0 to the returner, the returner sends
//   every ball straight back and the server hits the next one until the last one
//   returns, then replies on the Serve's reply channel with the balls it received.
//   Items = messages (2 per round trip).
// - BM_ActorFanIn/1024: 100 sender fibers each send 10,000 Counts to one sink actor whose
//   mailbox is bounded, so a full mailbox parks its senders. A fiber sends the sink an
//   Expect of 1,000,000 messages with a reply channel, spawns the senders and joins
//   them, then waits for the sink's reply. Items = messages.
// - BM_ActorFanIn/0 has no peer: troupe's unbounded mailbox would need an unbounded
//   channel, which Boost.Fiber lacks (as Go does; the comparison script shows n/a).
// Every repetition checks its result (fibers joined, skynet's sum, the final ping-pong
// value, the stream's sum, the balls each player received, the Counts the sink
// received) and aborts with a message if it is wrong, warm-up included, so a broken
// peer never prints a number.
//
// Actors: Boost.Fiber has none, so an actor is written as the Go peers
// (benchmarks/peers/go/actorpingpong, benchmarks/peers/go/actorfanin) write one: a fiber that drains
// its own buffered_channel mailbox, one message at a time, until the mailbox is closed.
// The messages are troupe's (std::variant<Ball, Serve>, std::variant<Count, Expect>);
// an ask is a message that carries a reply channel. The actors (server, returner,
// sink) are spawned once, before the warm-up and outside the timing, and live until
// every repetition of their workload has run, as troupe's do; the fan-in's senders are
// spawned inside the timing, as troupe's sender fibers are.
//
// How Boost.Fiber runs here: M:N, the way troupe and Go run.
// - Scheduler: boost::fibers::algo::work_stealing on PROCS threads, the main thread and
//   PROCS-1 worker threads, all for the whole program (like troupe's shared runtime).
//   In 1.74 work_stealing's constructor waits until all PROCS threads have constructed
//   theirs, so the workers start first. Each worker installs the algorithm and then
//   parks its main fiber on a fiber condition variable until the program ends; while it
//   waits, the thread's dispatcher runs ready fibers and steals from the other threads
//   (Boost's documented pattern, examples/work_stealing.cpp).
// - Each repetition's body runs in a fresh fiber that the main thread's main fiber
//   joins, as troupe's Runtime::Run runs its body in a fiber and Go runs main in a
//   goroutine: a thread's main fiber is pinned to its thread, an ordinary fiber may be
//   stolen. The timing covers spawning and joining that fiber.
// - work_stealing keeps its default suspend=false: an idle thread keeps looking for work
//   to steal instead of sleeping. With suspend=true a sleeping thread wakes only for a
//   timer or when one of its own fibers is made ready from another thread (notify),
//   never for fibers spawned elsewhere, so new fibers could queue on one thread while
//   the others sleep (read from the 1.74 sources; not measured). The price: each idle
//   thread spins on a core for the whole run, where Go and troupe park idle threads after
//   a short spin.
//
// Deviations from troupe's workloads:
// - Channel capacity: Boost 1.74's buffered_channel needs a power-of-two capacity and
//   holds capacity-1 elements, so BM_ChanStream's channel has capacity 128 and holds 127
//   values where troupe's (and Go's) holds 64; 128 is the smallest power of two that
//   holds 64.
// - Mailboxes, by the same rule: capacity 2048, the smallest power of two that holds
//   1024, so a mailbox holds 2047 messages where BM_ActorFanIn/1024's bounded mailbox
//   (and the Go peer's channel) holds 1024: the fan-in's senders park only once 2047
//   Counts wait, not 1024. BM_ActorPingPong's mailboxes are the same where troupe's are
//   unbounded (the Go peer's hold 1024): no mailbox there ever holds more than one
//   message, so no send parks in any of the three.
// - Replies: the server and the sink reply on a buffered_channel of capacity 2 (holds 1,
//   as the Go peers' make(chan int64, 1)) where troupe's actors release a Semaphore. The
//   Serve or Expect is sent, and the reply awaited, by the repetition's fiber, where
//   troupe's benchmark thread does both outside any fiber.
// - Stacks: boost::fibers::fixedsize_stack, Boost.Fiber's default allocator (a malloc
//   per fiber, freed when the fiber is released), with troupe's default stack size of
//   64 KiB instead of Boost's 128 KiB, so both runtimes give a fiber the same stack
//   (troupe adds a guard page; fixedsize_stack has none). troupe pools its stacks, but
//   Boost's pool, pooled_fixedsize_stack, cannot be used with work_stealing: its
//   boost::pool takes no lock, and a fiber's stack is freed by whichever thread releases
//   the fiber last, which need not be the thread that allocated it. Shared by the threads,
//   it crashed this program in BM_Skynet with -procs 2 (segmentation fault, 3 runs of 3).
//   The malloc'd stacks cost what a pool would not: as stacks are freed and allocated,
//   glibc's heaps shrink and grow again, about 345,000 brk and mprotect calls for one
//   warm-up and one timed repetition of the four workloads with -procs 2 (strace -c),
//   nearly all of them in BM_SpawnJoin and BM_Skynet, which spawn a fiber per item.
//
// Memory: a spawned fiber is queued behind the fibers already ready (launch::post, the
// default, which matches troupe's and Go's spawn: the parent keeps running), and Boost's
// ready queues are FIFO, so BM_Skynet builds most of its tree before the first leaves
// return. With -procs 2 this program peaked at 1.2 GB resident, with -procs 1 at 10 GB
// (nearly all 1,111,111 fibers alive at once, at 64 KiB of stack each).
#include <boost/fiber/all.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "troupe/benchmarks/peers/peer_program.h"

namespace {

using troupe::benchmarks::ParsePeerFlags;
using troupe::benchmarks::PeerFlags;
using troupe::benchmarks::ReportRepetition;

constexpr std::size_t kStackSize = 64 * 1024;  // troupe's RuntimeOptions::kDefaultStackSize

constexpr int kSpawnJoinFibers = 10'000;
constexpr int64_t kSkynetLeaves = 1'000'000;
constexpr int64_t kSkynetExpectedSum = kSkynetLeaves * (kSkynetLeaves - 1) / 2;
constexpr int kSkynetFanOut = 10;
constexpr int kPingPongRoundTrips = 100'000;
constexpr int kStreamMessages = 1'000'000;
constexpr std::size_t kStreamCapacity = 128;  // holds 127; troupe's channel holds 64
constexpr int64_t kActorPingPongRoundTrips = 100'000;
constexpr int kFanInSenders = 100;
constexpr int64_t kFanInMessagesPerSender = 10'000;
constexpr int64_t kFanInMessages = kFanInSenders * kFanInMessagesPerSender;
constexpr std::size_t kMailboxCapacity = 2048;  // holds 2047; troupe's bounded one 1024
constexpr std::size_t kReplyCapacity = 2;       // holds 1, as Go's make(chan int64, 1)

// Prints "micro_peers: <function>: <message>" and aborts. abort rather than exit: the
// worker threads are still running fibers, and exit would destroy statics under them.
[[noreturn]] void Fail(const char* function, const std::string& message) {
  std::fprintf(stderr, "micro_peers: %s: %s\n", function, message.c_str());
  std::abort();
}

// Fiber context only: starts `body` in a new fiber on the calling thread's work_stealing
// scheduler, from where another thread may steal it.
template <typename Body>
boost::fibers::fiber Spawn(Body&& body) {
  return boost::fibers::fiber(std::allocator_arg, boost::fibers::fixedsize_stack(kStackSize),
                              std::forward<Body>(body));
}

// The PROCS threads that run fibers: the constructing thread (which must be the main
// thread, before it uses any fiber) and PROCS-1 workers. Construction returns once every
// thread has installed work_stealing; destruction wakes the workers' main fibers and
// joins the threads. One per process: work_stealing registers its schedulers in statics.
class WorkStealingThreads {
 public:
  explicit WorkStealingThreads(int procs) {
    for (int i = 1; i < procs; ++i) {
      workers_.emplace_back([this, procs] {
        boost::fibers::use_scheduling_algorithm<boost::fibers::algo::work_stealing>(procs);
        std::unique_lock<std::mutex> lock(mutex_);
        // Parks this thread's main fiber; the dispatcher runs and steals fibers meanwhile.
        stop_requested_.wait(lock, [this] { return stop_; });
      });
    }
    // Waits inside until the workers have installed theirs.
    boost::fibers::use_scheduling_algorithm<boost::fibers::algo::work_stealing>(procs);
  }

  ~WorkStealingThreads() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    stop_requested_.notify_all();
    for (std::thread& worker : workers_) worker.join();
  }

  WorkStealingThreads(const WorkStealingThreads&) = delete;
  WorkStealingThreads& operator=(const WorkStealingThreads&) = delete;

 private:
  std::mutex mutex_;
  boost::fibers::condition_variable_any stop_requested_;
  bool stop_ = false;  // guarded by mutex_
  std::vector<std::thread> workers_;
};

// Runs one repetition: `body` in a fresh fiber that the main fiber joins. Returns the
// elapsed time and stores body's result (already checked by body) in *result.
template <typename Body>
std::chrono::steady_clock::duration TimeInFiber(Body& body, int64_t* result) {
  const auto start = std::chrono::steady_clock::now();
  Spawn([&body, result] {
    try {
      *result = body();
    } catch (const std::exception& error) {  // never let it cross the fiber's switch
      Fail("TimeInFiber", error.what());
    }
  }).join();
  return std::chrono::steady_clock::now() - start;
}

// One untimed warm-up repetition, then `reps` timed ones, each reported as `items` items.
// After the warm-up prints "<name> <result_name>=<result> (ok)" to stderr.
template <typename Body>
void Measure(const char* name, int64_t items, const char* result_name, const PeerFlags& flags,
             Body body) {
  int64_t result = 0;
  TimeInFiber(body, &result);
  std::fprintf(stderr, "micro_peers: %s %s=%lld (ok)\n", name, result_name,
               static_cast<long long>(result));
  for (int r = 0; r < flags.reps; ++r) ReportRepetition(name, items, TimeInFiber(body, &result));
}

void CheckOp(boost::fibers::channel_op_status status, const char* function) {
  if (status != boost::fibers::channel_op_status::success) {
    Fail(function, "channel operation failed with status " +
                       std::to_string(static_cast<int>(status)));
  }
}

// ---- Scheduler ----

// Fiber context only: spawns kSpawnJoinFibers empty fibers into `fibers` (empty, with
// room reserved outside the timing, as troupe's benchmark does), joins them and returns
// how many it joined. The check is the joins themselves: join throws for a fiber it
// cannot join, and TimeInFiber aborts on that.
int64_t SpawnJoin(std::vector<boost::fibers::fiber>& fibers) {
  for (int i = 0; i < kSpawnJoinFibers; ++i) fibers.push_back(Spawn([] {}));
  for (boost::fibers::fiber& fiber : fibers) fiber.join();
  const int64_t joined = static_cast<int64_t>(fibers.size());
  fibers.clear();
  return joined;
}

// Fiber context only: the sum over leaves [first, first + size); size a power of 10.
int64_t Skynet(int64_t first, int64_t size) {
  if (size == 1) return first;
  const int64_t child_size = size / kSkynetFanOut;
  int64_t results[kSkynetFanOut];
  boost::fibers::fiber children[kSkynetFanOut];
  for (int i = 0; i < kSkynetFanOut; ++i) {
    children[i] = Spawn([&results, i, first, child_size] {
      results[i] = Skynet(first + i * child_size, child_size);
    });
  }
  int64_t sum = 0;
  for (int i = 0; i < kSkynetFanOut; ++i) {
    children[i].join();
    sum += results[i];
  }
  return sum;
}

int64_t SkynetRoot() {
  const int64_t sum = Skynet(0, kSkynetLeaves);
  if (sum != kSkynetExpectedSum) {
    Fail("SkynetRoot", "sum " + std::to_string(sum) + ", want " +
                           std::to_string(kSkynetExpectedSum));
  }
  return sum;
}

// ---- Channels ----

// Fiber context only: kPingPongRoundTrips round trips over two unbuffered channels;
// returns the final value, which must equal the number of round trips.
int64_t ChanPingPong() {
  boost::fibers::unbuffered_channel<int> ping;
  boost::fibers::unbuffered_channel<int> pong;
  boost::fibers::fiber responder = Spawn([&] {
    int value = 0;
    while (ping.pop(value) == boost::fibers::channel_op_status::success) {
      CheckOp(pong.push(value + 1), "ChanPingPong responder");
    }
  });
  int value = 0;
  for (int i = 0; i < kPingPongRoundTrips; ++i) {
    CheckOp(ping.push(value), "ChanPingPong");
    CheckOp(pong.pop(value), "ChanPingPong");
  }
  ping.close();
  responder.join();
  if (value != kPingPongRoundTrips) {
    Fail("ChanPingPong", "final value " + std::to_string(value) + ", want " +
                             std::to_string(kPingPongRoundTrips));
  }
  return value;
}

// Fiber context only: streams 0..kStreamMessages-1 from a producer fiber through a
// buffered channel; returns the sum received, which must be n(n-1)/2.
int64_t ChanStream() {
  boost::fibers::buffered_channel<int> channel(kStreamCapacity);
  boost::fibers::fiber producer = Spawn([&] {
    for (int i = 0; i < kStreamMessages; ++i) CheckOp(channel.push(i), "ChanStream producer");
    channel.close();
  });
  int64_t sum = 0;
  int value = 0;
  while (channel.pop(value) == boost::fibers::channel_op_status::success) sum += value;
  producer.join();
  const int64_t want = int64_t{kStreamMessages} * (kStreamMessages - 1) / 2;
  if (sum != want) {
    Fail("ChanStream", "sum " + std::to_string(sum) + ", want " + std::to_string(want));
  }
  return sum;
}

// ---- Actors ----

// An actor as the Go peers write one: a fiber draining its own channel mailbox, one
// message at a time, until the mailbox is closed. `Derived` handles each message in
// Receive(const Message&) (static dispatch: no virtual call per message).
template <typename Derived, typename Message>
class ChannelActor {
 public:
  // Fiber context only; the actor's own fiber. Receives until the mailbox is closed.
  void Run() {
    Message message;
    while (mailbox_.pop(message) == boost::fibers::channel_op_status::success) {
      static_cast<Derived*>(this)->Receive(message);
    }
  }

  // Any fiber. Parks the caller while the mailbox is full.
  void Send(const Message& message) { CheckOp(mailbox_.push(message), "ChannelActor::Send"); }

  // Any fiber; Run returns once the messages already sent are received.
  void Close() { mailbox_.close(); }

 private:
  boost::fibers::buffered_channel<Message> mailbox_{kMailboxCapacity};
};

// The channel an actor answers an ask on (capacity kReplyCapacity: the reply never parks
// the actor).
using Reply = boost::fibers::buffered_channel<int64_t>;

struct Ball {
  int64_t round;
};
// Starts a rally of `rounds` round trips; the server pushes the balls it received onto
// *done when the last one comes back.
struct Serve {
  int64_t rounds;
  Reply* done;
};
using PlayerMessage = std::variant<Ball, Serve>;

// The server (once served) or the returner of BM_ActorPingPong.
class Player : public ChannelActor<Player, PlayerMessage> {
 public:
  // Before the player's fiber starts.
  void set_partner(Player* partner) { partner_ = partner; }

  // Balls received in the current rally. Another fiber may read it after the server's
  // reply, and reset it before the next Serve: the returner counts each ball before
  // sending it back, so the pushes and pops of the server's mailbox and of the reply
  // order its last write before that read, and the next Serve's pushes order the reset
  // before its next write (as in the Go peer).
  int64_t received() const { return received_; }
  void ResetReceived() { received_ = 0; }

 private:
  friend class ChannelActor<Player, PlayerMessage>;
  void Receive(const PlayerMessage& message) {
    if (const Serve* serve = std::get_if<Serve>(&message)) {
      rally_ = *serve;
      received_ = 0;
      partner_->Send(Ball{0});
      return;
    }
    const int64_t round = std::get<Ball>(message).round;
    ++received_;
    if (rally_.done == nullptr) {  // the returner
      partner_->Send(Ball{round});
    } else if (round + 1 == rally_.rounds) {
      CheckOp(rally_.done->push(received_), "Player::Receive reply");
      rally_ = Serve{};  // none
    } else {
      partner_->Send(Ball{round + 1});
    }
  }

  Player* partner_ = nullptr;
  int64_t received_ = 0;  // owned by the player's fiber; see received()
  Serve rally_{};         // the current rally (server only); done == nullptr: none
};

// Fiber context only: one rally of kActorPingPongRoundTrips round trips between two
// idle players; returns the messages received, which must be the round trips once from
// each player.
int64_t ActorPingPong(Player& server, Player& returner) {
  Reply done(kReplyCapacity);
  server.Send(Serve{kActorPingPongRoundTrips, &done});
  int64_t server_received = 0;
  CheckOp(done.pop(server_received), "ActorPingPong");
  const int64_t returner_received = returner.received();
  returner.ResetReceived();
  if (server_received != kActorPingPongRoundTrips ||
      returner_received != kActorPingPongRoundTrips) {
    Fail("ActorPingPong", "server received " + std::to_string(server_received) +
                              ", returner " + std::to_string(returner_received) +
                              " balls, want " + std::to_string(kActorPingPongRoundTrips) +
                              " each");
  }
  return server_received + returner_received;
}

// Main fiber only: starts the two players' fibers, measures their rallies, then closes
// their mailboxes and joins them.
void MeasureActorPingPong(const PeerFlags& flags) {
  Player server, returner;
  server.set_partner(&returner);
  returner.set_partner(&server);
  boost::fibers::fiber server_fiber = Spawn([&server] { server.Run(); });
  boost::fibers::fiber returner_fiber = Spawn([&returner] { returner.Run(); });
  Measure("BM_ActorPingPong", 2 * kActorPingPongRoundTrips, "messages", flags,
          [&server, &returner] { return ActorPingPong(server, returner); });
  server.Close();
  returner.Close();
  server_fiber.join();
  returner_fiber.join();
}

struct Count {};
// Announces `messages` Counts; the sink pushes the Counts it received onto *done once
// they have all arrived.
struct Expect {
  int64_t messages;
  Reply* done;
};
using SinkMessage = std::variant<Count, Expect>;

// BM_ActorFanIn's sink.
class Sink : public ChannelActor<Sink, SinkMessage> {
 private:
  friend class ChannelActor<Sink, SinkMessage>;
  void Receive(const SinkMessage& message) {
    if (const Expect* expect = std::get_if<Expect>(&message)) {
      remaining_ += expect->messages;
      done_ = expect->done;
    } else {
      --remaining_;
      ++counted_;
    }
    if (remaining_ == 0 && done_ != nullptr) {
      CheckOp(done_->push(counted_), "Sink::Receive reply");
      done_ = nullptr;
      counted_ = 0;
    }
  }

  // Owned by the sink's fiber. remaining_ would go negative if Counts arrived before
  // their Expect, as troupe's and the Go peer's sinks allow; here the Expect is pushed
  // before the senders start, so it arrives first.
  int64_t remaining_ = 0;
  int64_t counted_ = 0;
  Reply* done_ = nullptr;
};

// Fiber context only: one fan-in of kFanInSenders sender fibers into an idle sink;
// returns the Counts the sink received, which must be kFanInMessages.
int64_t ActorFanIn(Sink& sink) {
  Reply done(kReplyCapacity);
  sink.Send(Expect{kFanInMessages, &done});
  std::vector<boost::fibers::fiber> senders;
  senders.reserve(kFanInSenders);
  for (int s = 0; s < kFanInSenders; ++s) {
    senders.push_back(Spawn([&sink] {
      for (int64_t i = 0; i < kFanInMessagesPerSender; ++i) sink.Send(Count{});
    }));
  }
  for (boost::fibers::fiber& sender : senders) sender.join();
  int64_t counted = 0;
  CheckOp(done.pop(counted), "ActorFanIn");
  if (counted != kFanInMessages) {
    Fail("ActorFanIn", "sink received " + std::to_string(counted) + " Counts, want " +
                           std::to_string(kFanInMessages));
  }
  return counted;
}

// Main fiber only: starts the sink's fiber, measures the fan-ins, then closes its mailbox
// and joins it.
void MeasureActorFanIn(const PeerFlags& flags) {
  Sink sink;
  boost::fibers::fiber sink_fiber = Spawn([&sink] { sink.Run(); });
  Measure("BM_ActorFanIn/1024", kFanInMessages, "messages", flags,
          [&sink] { return ActorFanIn(sink); });
  sink.Close();
  sink_fiber.join();
}

}  // namespace

int main(int argc, char** argv) {
  const PeerFlags flags = ParsePeerFlags("micro_peers", argc, argv);
  WorkStealingThreads threads(flags.procs);

  std::vector<boost::fibers::fiber> fibers;
  fibers.reserve(kSpawnJoinFibers);
  Measure("BM_SpawnJoin", kSpawnJoinFibers, "fibers", flags,
          [&fibers] { return SpawnJoin(fibers); });
  Measure("BM_Skynet", kSkynetLeaves, "sum", flags, SkynetRoot);
  Measure("BM_ChanPingPong", kPingPongRoundTrips, "value", flags, ChanPingPong);
  Measure("BM_ChanStream", kStreamMessages, "sum", flags, ChanStream);
  MeasureActorPingPong(flags);
  MeasureActorFanIn(flags);
  return 0;
}
