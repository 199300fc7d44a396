// A model-based test of Channel and Select. Fibers on 1, 2 and 4 processors run
// random programs of Send, TrySend, Send with a context, Recv, TryRecv, Recv with a
// context, Close and Select (mixed send and receive cases, sometimes with a default
// or a timeout) on three channels of random capacity (0, 1 or 3). Every fiber logs
// the outcome of each operation; when the round is over the logs are checked against
// what a sequential channel allows:
//
//  1. Exactly once: a value sent successfully is received exactly once, on the channel
//     it was sent on. A value whose send did not happen (full, closed, context done,
//     select case not chosen) is never received, and is handed back untouched.
//  2. Per-sender FIFO: on one channel, each receiver gets one sender's values in the
//     order that sender sent them.
//  3. Close: once a channel is seen closed, sends on it fail with FailedPrecondition /
//     kClosed, and a select with a case on it neither defaults nor times out; once a
//     fiber has seen it closed and drained, it stays so; closing twice is
//     FailedPrecondition. While no channel has been closed, blocking sends succeed.
//  4. size() never exceeds capacity().
//  5. Justified refusals: a TrySend that says kFull (on a buffered channel) and a
//     TryRecv that says kEmpty must have been right at some instant while they ran.
//     Per channel the fibers count each operation when it begins and, when it ends,
//     whether it moved a value (ChannelCounts). During [start, end] of a TrySend the
//     buffer held at most (sends begun by its end, but this one) - (sends failed by
//     its start) - (receives completed by its start) values, so kFull needs that to
//     reach the capacity; a TryRecv's channel held at least (sends completed by its
//     start) - ((receives begun by its end, but this one) - (receives failed by its
//     start)), so kEmpty needs that to be at most zero.
//
// Roles. Senders run a fixed number of operations (mostly sends; their receives never
// wait forever). Receivers receive until they have seen every channel closed and
// drained (and sometimes send, never waiting forever). A sweeper selects over every
// channel it has not seen drained, so a blocked sender always has a partner and no
// program can deadlock. The test fiber closes every channel once the senders are
// done; in the EarlyClose test sender 0 also closes some channels part-way through
// its program.
//
// Reproducing: programs come from std::mt19937 seeded from TROUPE_MODEL_SEED (default
// kDefaultSeed) plus the round number. A failure prints the seed of its round; rerun
// with TROUPE_MODEL_SEED=<that seed> to make it round 0. TROUPE_STRESS_SCALE (an
// integer in [1, 1000]) multiplies the number of rounds.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/select.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kRoundsPerTest = 12;
constexpr int kOpsPerSender = 200;
#else
constexpr int kRoundsPerTest = 30;
constexpr int kOpsPerSender = 300;
#endif

constexpr uint32_t kDefaultSeed = 20240611;
constexpr int kChannels = 3;
constexpr std::size_t kCapacities[] = {0, 1, 3};
constexpr int kMaxSelectCases = 3;  // channel cases; a default or timeout may come on top
constexpr int kMaxReported = 20;    // violations printed per round
// A generous bound on each Join: passing it means a hang, reported (with the seed and
// a fiber dump) by aborting, since a hung round cannot be unwound.
constexpr absl::Duration kJoinBound = absl::Seconds(60);

// Fiber ids: senders first, then receivers, then the sweeper. The test fiber logs its
// own checks under kMain.
constexpr int kSenders = 4;
constexpr int kReceivers = 3;
constexpr int kSweeper = kSenders + kReceivers;
constexpr int kMain = kSweeper + 1;
constexpr int kLogs = kMain + 1;

uint32_t BaseSeed() {
  const char* text = std::getenv("TROUPE_MODEL_SEED");
  if (text == nullptr || *text == '\0') return kDefaultSeed;
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || *text == '-' || value > UINT32_MAX) {
    std::fprintf(stderr, "TROUPE_MODEL_SEED must be an integer in [0, %u]; got \"%s\"\n",
                 UINT32_MAX, text);
    std::abort();
  }
  return static_cast<uint32_t>(value);
}

int StressScale() {
  const char* text = std::getenv("TROUPE_STRESS_SCALE");
  if (text == nullptr || *text == '\0') return 1;
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text, &end, 10);
  if (errno != 0 || *end != '\0' || value < 1 || value > 1000) {
    std::fprintf(stderr, "TROUPE_STRESS_SCALE must be an integer in [1, 1000]; got \"%s\"\n", text);
    std::abort();
  }
  return static_cast<int>(value);
}

// A channel value: its sender and that sender's sequence number, plus a heap copy of
// both. Moving takes the copy, so "handed back untouched" is checkable (intact()), and
// a value lost or destroyed twice by the channel shows up under ASan.
struct Token {
  Token() = default;
  Token(int sender, uint32_t seq)
      : sender(sender), seq(seq), check(std::make_unique<uint64_t>(Key(sender, seq))) {}

  static uint64_t Key(int sender, uint32_t seq) {
    return (uint64_t{static_cast<uint32_t>(sender)} << 32) | seq;
  }
  bool intact() const { return check != nullptr && *check == Key(sender, seq); }
  bool moved_from() const { return check == nullptr; }
  std::string ToString() const {
    return "(" + std::to_string(sender) + "," + std::to_string(seq) + ")";
  }

  int sender = -1;
  uint32_t seq = 0;
  std::unique_ptr<uint64_t> check;
};

using TokenChannel = Channel<Token>;

struct SendRecord {
  int channel;
  uint32_t seq;
  bool ok;  // the value was sent (and so must be received exactly once)
};

struct RecvRecord {
  int channel;
  int sender;
  uint32_t seq;
};

// Per channel, updated by every fiber around each operation (check 5). seq_cst, the
// default: a count taken before an operation starts and one read after it ends must
// bracket it in the single order that the channel's own lock also respects.
struct ChannelCounts {
  std::atomic<int64_t> sends_begun{0};
  std::atomic<int64_t> sends_completed{0};  // ended with the value sent
  std::atomic<int64_t> sends_failed{0};     // ended without (full, closed, not chosen, ...)
  std::atomic<int64_t> recvs_begun{0};
  std::atomic<int64_t> recvs_completed{0};  // ended with a value
  std::atomic<int64_t> recvs_failed{0};     // ended without one
};

// Written only by its own fiber; read by the test fiber after joining it.
struct FiberLog {
  std::vector<SendRecord> sends;
  std::vector<RecvRecord> recvs;
  std::vector<std::string> violations;
};

struct Round {
  Round(uint32_t seed, bool early_close) : seed(seed), early_close(early_close) {
    std::mt19937 rng(seed);
    for (int c = 0; c < kChannels; ++c) {
      channels.push_back(std::make_unique<TokenChannel>(kCapacities[rng() % 3]));
      close_at.push_back(early_close && rng() % 3 != 0 ? static_cast<int>(rng() % kOpsPerSender)
                                                       : -1);
    }
    if (early_close && close_at[0] < 0 && close_at[1] < 0 && close_at[2] < 0) {
      close_at[rng() % kChannels] = static_cast<int>(rng() % kOpsPerSender);
    }
  }

  std::string Describe() const {
    std::string text = "seed " + std::to_string(seed) + ", capacities";
    for (const auto& channel : channels) text += " " + std::to_string(channel->capacity());
    if (early_close) {
      text += ", sender 0 closes early at ops";
      for (int at : close_at) text += " " + std::to_string(at);
    }
    return text;
  }

  const uint32_t seed;
  const bool early_close;
  std::vector<std::unique_ptr<TokenChannel>> channels;
  std::vector<int> close_at;  // per channel: sender 0's op index for an early Close, or -1
  ChannelCounts counts[kChannels];
  std::vector<FiberLog> logs = std::vector<FiberLog>(kLogs);
};

enum class Role { kSender, kReceiver, kSweeper };
enum class Extra { kNone, kDefault, kTimeout };

// One fiber's program and its checks.
class Actor {
 public:
  Actor(int id, Role role, Round& round)
      : id_(id), role_(role), round_(round), log_(round.logs[id]), rng_(MakeRng(round.seed, id)) {}

  void Run() {
    switch (role_) {
      case Role::kSender:
        for (op_ = 0; op_ < kOpsPerSender; ++op_) {
          if (id_ == 0) CloseEarly();
          switch (Pick({3, 2, 2, 3, 1})) {
            case 0: DoSend(); break;
            case 1: DoTrySend(); break;
            case 2: DoSendWithin(); break;
            case 3: DoSelect(); break;
            default: DoTryRecv(); break;
          }
          SampleSize();
        }
        break;
      case Role::kReceiver:
        for (op_ = 0; !AllDrained(); ++op_) {
          switch (Pick({3, 2, 2, 3, 1, 1})) {
            case 0: DoRecv(); break;
            case 1: DoTryRecv(); break;
            case 2: DoRecvWithin(); break;
            case 3: DoSelect(); break;
            case 4: DoTrySend(); break;
            default: DoSendWithin(); break;
          }
          SampleSize();
        }
        break;
      case Role::kSweeper:
        for (op_ = 0; !AllDrained(); ++op_) DoSelect();
        break;
    }
  }

 private:
  // --- Operations -----------------------------------------------------------------

  void CloseEarly() {
    for (int c = 0; c < kChannels; ++c) {
      if (round_.close_at[c] != op_) continue;
      op_name_ = "Close";
      if (absl::Status status = channel(c).Close(); !status.ok()) {
        Violation(c, "first Close failed: " + status.ToString());
      }
      if (!channel(c).closed()) Violation(c, "closed() is false after Close");
      if (channel(c).Close().code() != absl::StatusCode::kFailedPrecondition) {
        Violation(c, "second Close did not fail with FailedPrecondition");
      }
    }
  }

  // Senders only: may park until a receiver (the sweeper at least) takes the value.
  void DoSend() {
    op_name_ = "Send";
    const int c = AnyChannel();
    Token token = NewToken();
    const bool closed_before = channel(c).closed();
    round_.counts[c].sends_begun.fetch_add(1);
    const absl::Status status = channel(c).Send(std::move(token));
    if (!status.ok() && status.code() != absl::StatusCode::kFailedPrecondition) {
      Violation(c, "unexpected status " + status.ToString());
    }
    AfterSend(c, token, status.ok(), !status.ok(), closed_before);
  }

  void DoTrySend() {
    op_name_ = "TrySend";
    const int c = AnyChannel();
    Token token = NewToken();
    const bool closed_before = channel(c).closed();
    ChannelCounts& counts = round_.counts[c];
    const int64_t received_by_start = counts.recvs_completed.load();
    const int64_t failed_by_start = counts.sends_failed.load();
    counts.sends_begun.fetch_add(1);
    const ChannelStatus result = channel(c).TrySend(std::move(token));
    const int64_t most_held =
        counts.sends_begun.load() - 1 - failed_by_start - received_by_start;
    if (result == ChannelStatus::kFull && channel(c).capacity() > 0 &&
        most_held < static_cast<int64_t>(channel(c).capacity())) {
      Violation(c, "TrySend returned kFull, but at most " + std::to_string(most_held) +
                       " values can have been buffered");
    }
    if (result == ChannelStatus::kEmpty) Violation(c, "TrySend returned kEmpty");
    if (result == ChannelStatus::kFull && closed_before) {
      Violation(c, "TrySend returned kFull on a closed channel");
    }
    AfterSend(c, token, result == ChannelStatus::kOk, result == ChannelStatus::kClosed,
              closed_before);
    if (result != ChannelStatus::kOk) this_fiber::Yield();
  }

  void DoSendWithin() {
    op_name_ = "Send(context)";
    const int c = AnyChannel();
    Token token = NewToken();
    const OpContext context = MakeContext();
    const bool closed_before = channel(c).closed();
    round_.counts[c].sends_begun.fetch_add(1);
    const absl::Status status = channel(c).Send(std::move(token), context.handle.context);
    CheckContextOutcome(c, context, status, absl::StatusCode::kFailedPrecondition);
    AfterSend(c, token, status.ok(), status.code() == absl::StatusCode::kFailedPrecondition,
              closed_before);
  }

  // Receivers only: may park until the channel is closed.
  void DoRecv() {
    op_name_ = "Recv";
    const int c = OpenChannel();
    round_.counts[c].recvs_begun.fetch_add(1);
    if (std::optional<Token> value = channel(c).Recv()) {
      OnValue(c, std::move(*value));
    } else {
      round_.counts[c].recvs_failed.fetch_add(1);
      OnClosed(c);
    }
  }

  void DoTryRecv() {
    op_name_ = "TryRecv";
    const int c = role_ == Role::kSender ? AnyChannel() : OpenChannel();
    Token value;
    ChannelCounts& counts = round_.counts[c];
    const int64_t sent_by_start = counts.sends_completed.load();
    const int64_t failed_by_start = counts.recvs_failed.load();
    counts.recvs_begun.fetch_add(1);
    const ChannelStatus result = channel(c).TryRecv(&value);
    const int64_t least_held =
        sent_by_start - (counts.recvs_begun.load() - 1 - failed_by_start);
    if (result != ChannelStatus::kOk) counts.recvs_failed.fetch_add(1);
    switch (result) {
      case ChannelStatus::kOk: OnValue(c, std::move(value)); break;
      case ChannelStatus::kClosed: OnClosed(c); break;
      case ChannelStatus::kEmpty:
        if (drained_[c]) Violation(c, "kEmpty after the channel was seen closed and drained");
        if (least_held > 0) {
          Violation(c, "TryRecv returned kEmpty, but at least " + std::to_string(least_held) +
                           " values were in the channel throughout");
        }
        this_fiber::Yield();
        break;
      case ChannelStatus::kFull: Violation(c, "TryRecv returned kFull"); break;
    }
  }

  void DoRecvWithin() {
    op_name_ = "Recv(context)";
    const int c = OpenChannel();
    const OpContext context = MakeContext();
    round_.counts[c].recvs_begun.fetch_add(1);
    absl::StatusOr<Token> value = channel(c).Recv(context.handle.context);
    if (!value.ok()) round_.counts[c].recvs_failed.fetch_add(1);
    CheckContextOutcome(c, context, value.status(), absl::StatusCode::kOutOfRange);
    if (value.ok()) {
      OnValue(c, *std::move(value));
    } else if (value.status().code() == absl::StatusCode::kOutOfRange) {
      OnClosed(c);
    }
  }

  // A select whose shape depends on the role:
  //  - sender: 1-2 send cases, 0-1 receive case (any channel, possibly one it sends
  //    on), then nothing, a default or a timeout;
  //  - receiver: 1-3 receive cases on channels it has not seen drained, sometimes a
  //    send case, which then always comes with a default or a timeout;
  //  - sweeper: a receive case on every channel it has not seen drained, nothing else.
  void DoSelect() {
    op_name_ = "Select";
    select_ = SelectState{};
    Extra extra = Extra::kNone;
    if (role_ == Role::kSweeper) {
      for (int c = 0; c < kChannels; ++c) {
        if (!drained_[c]) AddCase(c, /*send=*/false);
      }
    } else {
      if (role_ == Role::kSender) {
        const int first = AnyChannel();
        AddCase(first, /*send=*/true);
        if (Chance(2)) AddCase((first + 1 + Uniform(kChannels - 1)) % kChannels, /*send=*/true);
        if (Chance(2)) AddCase(AnyChannel(), /*send=*/false);
      } else {
        std::vector<int> open = OpenChannels();
        std::shuffle(open.begin(), open.end(), rng_);
        const bool with_send = Chance(4);
        const int most = std::min<int>(open.size(), kMaxSelectCases - (with_send ? 1 : 0));
        const int recvs = 1 + Uniform(most);
        for (int i = 0; i < recvs; ++i) AddCase(open[i], /*send=*/false);
        if (with_send) AddCase(AnyChannel(), /*send=*/true);
      }
      const int pick = Uniform(4);
      extra = pick < 2 ? Extra::kNone : (pick == 2 ? Extra::kDefault : Extra::kTimeout);
      if (role_ == Role::kReceiver && extra == Extra::kNone && HasSendCase()) {
        extra = Extra::kTimeout;
      }
    }
    for (int i = 0; i < select_.count; ++i) {
      if (select_.cases[i].send) select_.cases[i].token = NewToken();
    }
    bool closed_before = false;  // some case's channel was closed before the select
    for (int i = 0; i < select_.count; ++i) closed_before |= select_.cases[i].closed_before;
    const absl::Duration timeout = TimeoutInput();
    for (int i = 0; i < select_.count; ++i) {
      ChannelCounts& counts = round_.counts[select_.cases[i].channel];
      (select_.cases[i].send ? counts.sends_begun : counts.recvs_begun).fetch_add(1);
    }

    const int fired = SelectFrom<0>(extra, timeout);

    if (select_.handlers_run != 1) {
      Violation(-1, std::to_string(select_.handlers_run) + " handlers ran");
    }
    if (fired != select_.fired_case) {
      Violation(-1, "returned " + std::to_string(fired) + " but case " +
                        std::to_string(select_.fired_case) + " ran");
    }
    if (fired == select_.count && closed_before) {
      Violation(-1, "default/timeout fired although a case's channel was already closed");
    }
    for (int i = 0; i < select_.count; ++i) {
      CaseSpec& spec = select_.cases[i];
      if (!spec.send) {
        if (i != fired || !select_.got_value) round_.counts[spec.channel].recvs_failed.fetch_add(1);
        continue;
      }
      if (i != fired) {
        round_.counts[spec.channel].sends_failed.fetch_add(1);
        if (!spec.token.intact()) Violation(spec.channel, "unchosen send case took the value");
        log_.sends.push_back({spec.channel, spec.token.seq, false});
        continue;
      }
      const absl::Status& status = select_.send_status;
      if (!status.ok() && status.code() != absl::StatusCode::kFailedPrecondition) {
        Violation(spec.channel, "send case fired with " + status.ToString());
      }
      AfterSend(spec.channel, spec.token, status.ok(), !status.ok(), spec.closed_before);
    }
    if (fired == select_.count) this_fiber::Yield();  // nothing happened: let others run
  }

  // --- Select plumbing ------------------------------------------------------------

  struct CaseSpec {
    int channel = 0;
    bool send = false;
    bool closed_before = false;  // the channel was closed before the select started
    Token token;                 // send cases: the value offered
  };
  struct SelectState {
    CaseSpec cases[kMaxSelectCases];
    int count = 0;
    int fired_case = -1;  // set by whichever handler ran
    int handlers_run = 0;
    absl::Status send_status;
    bool got_value = false;  // the receive case that fired got a value
  };

  void AddCase(int c, bool send) {
    select_.cases[select_.count++] = CaseSpec{c, send, channel(c).closed(), Token()};
  }
  bool HasSendCase() const {
    for (int i = 0; i < select_.count; ++i) {
      if (select_.cases[i].send) return true;
    }
    return false;
  }

  void CaseFired(int index) {
    ++select_.handlers_run;
    select_.fired_case = index;
  }

  // Builds the cases for select_.cases[kDepth..count) and runs Select over them, with
  // the extra case last (so its index is select_.count).
  template <int kDepth, typename... Cases>
  int SelectFrom(Extra extra, absl::Duration timeout, Cases&&... cases) {
    if constexpr (kDepth < kMaxSelectCases) {
      if (kDepth < select_.count) {
        CaseSpec& spec = select_.cases[kDepth];
        if (spec.send) {
          return SelectFrom<kDepth + 1>(
              extra, timeout, std::forward<Cases>(cases)...,
              OnSend(channel(spec.channel), spec.token, [this](absl::Status status) {
                CaseFired(kDepth);
                select_.send_status = std::move(status);
              }));
        }
        return SelectFrom<kDepth + 1>(
            extra, timeout, std::forward<Cases>(cases)...,
            OnRecv(channel(spec.channel), [this](std::optional<Token> value) {
              CaseFired(kDepth);
              if (value) {
                select_.got_value = true;
                OnValue(select_.cases[kDepth].channel, std::move(*value));
              } else {
                OnClosed(select_.cases[kDepth].channel);
              }
            }));
      }
    }
    if constexpr (sizeof...(Cases) == 0) {
      std::fprintf(stderr, "channel_model_test: a select with no channel cases\n");
      std::abort();
    } else {
      auto extra_fired = [this] { CaseFired(select_.count); };
      switch (extra) {
        case Extra::kNone: return Select(cases...);
        case Extra::kDefault: return Select(cases..., OnDefault(extra_fired));
        case Extra::kTimeout: return Select(cases..., OnTimeout(timeout, extra_fired));
      }
      return -1;
    }
  }

  // --- Checks ---------------------------------------------------------------------

  // `sent`: the operation reports the value sent; `failed_closed`: it reports the
  // channel closed. Otherwise the value was not sent for another reason (full, context,
  // another select case won).
  void AfterSend(int c, const Token& token, bool sent, bool failed_closed, bool closed_before) {
    (sent ? round_.counts[c].sends_completed : round_.counts[c].sends_failed).fetch_add(1);
    if (sent) {
      if (!token.moved_from()) Violation(c, "reported sent but the value was not taken");
      if (closed_before) Violation(c, "send succeeded on a channel already closed");
    } else {
      if (!token.intact()) Violation(c, "failed send did not hand back the value untouched");
      if (failed_closed) {
        if (!channel(c).closed()) Violation(c, "send reported closed; closed() is false");
        if (!CloseMayHaveHappened()) Violation(c, "send reported closed before any Close");
      }
    }
    log_.sends.push_back({c, token.seq, sent});
  }

  void OnValue(int c, Token value) {
    if (!value.intact()) {
      Violation(c, "received a damaged value " + value.ToString());
      return;
    }
    if (drained_[c]) Violation(c, "received " + value.ToString() + " after closed and drained");
    round_.counts[c].recvs_completed.fetch_add(1);
    log_.recvs.push_back({c, value.sender, value.seq});
  }

  void OnClosed(int c) {
    if (!channel(c).closed()) Violation(c, "receive reported closed; closed() is false");
    if (channel(c).size() != 0) Violation(c, "receive reported drained; size() is not 0");
    if (!CloseMayHaveHappened()) Violation(c, "receive reported closed before any Close");
    drained_[c] = true;
  }

  // A context for one operation: usually a short deadline (an input, not a timing
  // assertion), sometimes one already past or cancelled, which must fail the operation
  // with that status without attempting it.
  struct OpContext {
    ContextWithCancel handle;
    absl::StatusCode done_before = absl::StatusCode::kOk;
  };
  OpContext MakeContext() {
    switch (Uniform(7)) {
      case 0: {
        ContextWithCancel cancelled = WithCancel(Context::Background());
        cancelled.cancel.Cancel();
        return {cancelled, absl::StatusCode::kCancelled};
      }
      case 1:
        return {WithDeadline(Context::Background(), absl::Now() - absl::Milliseconds(1)),
                absl::StatusCode::kDeadlineExceeded};
      case 2:
      case 3: return {WithTimeout(Context::Background(), absl::Microseconds(20))};
      case 4:
      case 5: return {WithTimeout(Context::Background(), absl::Microseconds(200))};
      default: return {WithTimeout(Context::Background(), absl::Milliseconds(1))};
    }
  }

  void CheckContextOutcome(int c, const OpContext& context, const absl::Status& status,
                           absl::StatusCode closed_code) {
    if (context.done_before != absl::StatusCode::kOk) {
      if (status.code() != context.done_before) {
        Violation(c, "context done beforehand, yet status " + status.ToString());
      }
      return;
    }
    if (status.ok() || status.code() == closed_code ||
        status.code() == absl::StatusCode::kDeadlineExceeded) {
      return;
    }
    Violation(c, "unexpected status " + status.ToString());
  }

  absl::Duration TimeoutInput() {
    switch (Uniform(4)) {
      case 0: return -absl::Microseconds(1);  // already expired
      case 1: return absl::Microseconds(20);
      case 2: return absl::Microseconds(200);
      default: return absl::Milliseconds(1);
    }
  }

  void SampleSize() {
    const TokenChannel& sampled = channel(AnyChannel());
    const std::size_t size = sampled.size();
    if (size > sampled.capacity()) {
      Violation(-1, "size() " + std::to_string(size) + " exceeds capacity " +
                        std::to_string(sampled.capacity()));
    }
  }

  // Receivers and the sweeper outlive the test fiber's Close; senders see a Close only
  // in the EarlyClose test.
  bool CloseMayHaveHappened() const { return role_ != Role::kSender || round_.early_close; }

  void Violation(int c, const std::string& what) {
    log_.violations.push_back(
        "fiber " + std::to_string(id_) + " op " + std::to_string(op_) + " " + op_name_ +
        (c >= 0 ? " channel " + std::to_string(c) : std::string()) + ": " + what);
  }

  // --- Helpers --------------------------------------------------------------------

  static std::mt19937 MakeRng(uint32_t seed, int id) {
    std::seed_seq sequence{seed, static_cast<uint32_t>(id)};
    return std::mt19937(sequence);
  }

  TokenChannel& channel(int c) { return *round_.channels[c]; }
  Token NewToken() { return Token(id_, next_seq_++); }
  int Uniform(int n) { return static_cast<int>(rng_() % static_cast<uint32_t>(n)); }
  bool Chance(int one_in) { return Uniform(one_in) == 0; }
  int Pick(std::initializer_list<int> weights) {
    int total = 0;
    for (int w : weights) total += w;
    int roll = Uniform(total);
    int index = 0;
    for (int w : weights) {
      if (roll < w) return index;
      roll -= w;
      ++index;
    }
    return index - 1;
  }
  int AnyChannel() { return Uniform(kChannels); }
  std::vector<int> OpenChannels() const {
    std::vector<int> open;
    for (int c = 0; c < kChannels; ++c) {
      if (!drained_[c]) open.push_back(c);
    }
    return open;
  }
  int OpenChannel() {
    const std::vector<int> open = OpenChannels();
    return open[Uniform(static_cast<int>(open.size()))];
  }
  bool AllDrained() const { return OpenChannels().empty(); }

  const int id_;
  const Role role_;
  Round& round_;
  FiberLog& log_;
  std::mt19937 rng_;
  uint32_t next_seq_ = 0;
  int op_ = 0;
  const char* op_name_ = "";
  bool drained_[kChannels] = {};  // this fiber has seen the channel closed and drained
  SelectState select_;
};

// Checks the logs against the model (rules 1 and 2 of the header).
void CheckModel(Round& round, int64_t* values_sent) {
  struct Sent {
    int channel;
    bool ok;
    int received = 0;
  };
  std::unordered_map<uint64_t, Sent> sent;
  std::vector<std::string>& out = round.logs[kMain].violations;
  for (int f = 0; f < kLogs; ++f) {
    for (const SendRecord& s : round.logs[f].sends) {
      sent.emplace(Token::Key(f, s.seq), Sent{s.channel, s.ok});
    }
  }
  auto name = [](int sender, uint32_t seq) {
    return "(" + std::to_string(sender) + "," + std::to_string(seq) + ")";
  };
  for (int f = 0; f < kLogs; ++f) {
    std::map<std::pair<int, int>, uint32_t> last;  // (channel, sender) -> last seq seen
    for (const RecvRecord& r : round.logs[f].recvs) {
      const std::string what = "fiber " + std::to_string(f) + " received " + name(r.sender, r.seq) +
                               " on channel " + std::to_string(r.channel);
      auto it = sent.find(Token::Key(r.sender, r.seq));
      if (it == sent.end()) {
        out.push_back(what + ": never sent");
        continue;
      }
      if (!it->second.ok) out.push_back(what + ": its send failed");
      if (it->second.channel != r.channel) {
        out.push_back(what + ": it was sent on channel " + std::to_string(it->second.channel));
      }
      ++it->second.received;
      auto [previous, first] = last.try_emplace({r.channel, r.sender}, r.seq);
      if (!first) {
        if (r.seq <= previous->second) {
          out.push_back(what + " after " + name(r.sender, previous->second) +
                        ": per-sender FIFO broken");
        }
        previous->second = r.seq;
      }
    }
  }
  *values_sent = 0;
  for (const auto& [key, s] : sent) {
    if (!s.ok) continue;
    ++*values_sent;
    if (s.received != 1) {
      out.push_back("value " + name(static_cast<int>(key >> 32), static_cast<uint32_t>(key)) +
                    " sent on channel " + std::to_string(s.channel) + " was received " +
                    std::to_string(s.received) + " times");
    }
  }
}

class ChannelModelTest : public testing::RuntimeTest {
 protected:
  void RunRounds(bool early_close) {
    const uint32_t base = BaseSeed();
    const int rounds = kRoundsPerTest * StressScale();
    for (int r = 0; r < rounds && !HasFailure(); ++r) {
      RunRound(base + static_cast<uint32_t>(r), early_close);
    }
  }

 private:
  void RunRound(uint32_t seed, bool early_close) {
    Round round(seed, early_close);
    std::vector<std::string>& violations = round.logs[kMain].violations;
    RunInFiber([&] {
      std::vector<std::unique_ptr<Actor>> actors;
      std::vector<JoinHandle> senders;
      std::vector<JoinHandle> receivers;
      for (int id = kSenders; id <= kSweeper; ++id) {
        actors.push_back(
            std::make_unique<Actor>(id, id == kSweeper ? Role::kSweeper : Role::kReceiver, round));
        receivers.push_back(Spawn([actor = actors.back().get()] { actor->Run(); }));
      }
      for (int id = 0; id < kSenders; ++id) {
        actors.push_back(std::make_unique<Actor>(id, Role::kSender, round));
        senders.push_back(Spawn([actor = actors.back().get()] { actor->Run(); }));
      }
      for (JoinHandle& sender : senders) JoinOrAbort(sender, round);
      // Close what sender 0 did not close early; closing again always fails.
      for (int c = 0; c < kChannels; ++c) {
        const absl::StatusCode expected =
            round.close_at[c] >= 0 ? absl::StatusCode::kFailedPrecondition : absl::StatusCode::kOk;
        if (round.channels[c]->Close().code() != expected) {
          violations.push_back("channel " + std::to_string(c) + ": final Close did not return " +
                               absl::StatusCodeToString(expected));
        }
        if (round.channels[c]->Close().code() != absl::StatusCode::kFailedPrecondition) {
          violations.push_back("channel " + std::to_string(c) +
                               ": Close twice did not return FailedPrecondition");
        }
      }
      for (JoinHandle& receiver : receivers) JoinOrAbort(receiver, round);
      for (int c = 0; c < kChannels; ++c) CheckClosedAndDrained(c, round);
    });
    int64_t values_sent = 0;
    CheckModel(round, &values_sent);
    std::vector<std::string> all;
    for (const FiberLog& log : round.logs) {
      all.insert(all.end(), log.violations.begin(), log.violations.end());
    }
    EXPECT_GT(values_sent, 0) << round.Describe();
    if (!all.empty()) {
      std::string report;
      for (int i = 0; i < static_cast<int>(all.size()) && i < kMaxReported; ++i) {
        report += "  " + all[i] + "\n";
      }
      ADD_FAILURE() << all.size() << " violations of the channel model in round "
                    << round.Describe() << " (rerun with TROUPE_MODEL_SEED=" << seed << "):\n"
                    << report;
    }
  }

  void JoinOrAbort(JoinHandle& handle, Round& round) {
    ContextWithCancel bound = WithTimeout(Context::Background(), kJoinBound);
    const absl::Status status = handle.Join(bound.context);
    if (status.ok()) return;
    if (status.code() == absl::StatusCode::kDeadlineExceeded) {
      std::fprintf(stderr,
                   "channel_model_test: a fiber did not finish within %s in round %s "
                   "(rerun with TROUPE_MODEL_SEED=%u); aborting instead of hanging\n%s\n",
                   absl::FormatDuration(kJoinBound).c_str(), round.Describe().c_str(), round.seed,
                   FormatFiberDump(runtime().DumpFibers()).c_str());
      std::fflush(nullptr);
      std::abort();
    }
    round.logs[kMain].violations.push_back("a fiber failed: " + status.ToString());
  }

  // After Close and drain, every receive reports closed, every send fails with the
  // value untouched, and the channel stays empty.
  static void CheckClosedAndDrained(int c, Round& round) {
    TokenChannel& channel = *round.channels[c];
    std::vector<std::string>& out = round.logs[kMain].violations;
    const std::string where = "after Close and drain, channel " + std::to_string(c) + ": ";
    if (!channel.closed()) out.push_back(where + "closed() is false");
    if (channel.size() != 0) out.push_back(where + "size() is not 0");
    if (channel.Recv().has_value()) out.push_back(where + "Recv returned a value");
    Token token;
    if (channel.TryRecv(&token) != ChannelStatus::kClosed) {
      out.push_back(where + "TryRecv did not return kClosed");
    }
    if (channel.Recv(Context::Background()).status().code() != absl::StatusCode::kOutOfRange) {
      out.push_back(where + "Recv(context) did not return OutOfRange");
    }
    bool recv_saw_closed = false;
    if (Select(OnRecv(channel, [&](std::optional<Token> v) { recv_saw_closed = !v; }),
               OnDefault([] {})) != 0 ||
        !recv_saw_closed) {
      out.push_back(where + "Select did not fire its receive case with nullopt");
    }
    Token value(kMain, 0);
    if (channel.TrySend(std::move(value)) != ChannelStatus::kClosed || !value.intact()) {
      out.push_back(where + "TrySend did not fail with kClosed and hand the value back");
    }
    if (channel.Send(std::move(value)).code() != absl::StatusCode::kFailedPrecondition ||
        !value.intact()) {
      out.push_back(where + "Send did not fail with FailedPrecondition and keep the value");
    }
    absl::Status send_status;
    if (Select(OnSend(channel, value, [&](absl::Status s) { send_status = s; }),
               OnDefault([] {})) != 0 ||
        send_status.code() != absl::StatusCode::kFailedPrecondition || !value.intact()) {
      out.push_back(where + "Select did not fire its send case with FailedPrecondition");
    }
    if (channel.Close().code() != absl::StatusCode::kFailedPrecondition) {
      out.push_back(where + "Close did not return FailedPrecondition");
    }
  }
};

TEST_P(ChannelModelTest, RandomProgramsMatchTheModel) { RunRounds(/*early_close=*/false); }

TEST_P(ChannelModelTest, EarlyCloseFailsLaterSendsAndLosesNothing) {
  RunRounds(/*early_close=*/true);
}

TROUPE_INSTANTIATE_OVER_PROCS(ChannelModelTest);

}  // namespace
}  // namespace troupe
