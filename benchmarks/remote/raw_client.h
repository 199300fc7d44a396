// RawPair: the NATS C client alone, as the floor troupe's remote actors add to — a
// requester connection and a responder connection whose subscription counts every
// message and answers those that carry a reply subject (with a small Done), as a
// troupe node answers an Ask. Used by remote_bench.cc (Google Benchmark) and
// remote_main.cc (the JSON rows) alike. With `decode`, the responder also parses
// every message as a Work before it counts it, and PublishWork serialises one per
// call: the C client plus the protobuf codec, with none of troupe's framing, actors
// or hand-offs between threads.
//
// Any thread may call Request, Publish and PublishWork (the C client's connections
// are thread-safe); the counting runs on the subscription's delivery thread.
#ifndef TROUPE_BENCHMARKS_REMOTE_RAW_CLIENT_H_
#define TROUPE_BENCHMARKS_REMOTE_RAW_CLIENT_H_

#include <nats/nats.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "troupe/benchmarks/remote/bench_messages.pb.h"

namespace troupe::remote_bench {

class RawPair {
 public:
  // Connects both connections to `url` (in the C client's "send ASAP" mode when
  // `send_asap`, as troupe's nodes are by default) and subscribes the responder to
  // `subject`, parsing each message as a Work when `decode`. Exits the process with
  // a message if the server does not take them.
  RawPair(const std::string& url, const std::string& subject, bool send_asap,
          bool decode = false);
  // Closes it (Close) if it is not closed yet.
  ~RawPair();
  RawPair(const RawPair&) = delete;
  RawPair& operator=(const RawPair&) = delete;
  // Unsubscribes, waits until the subscription's delivery thread has left the
  // message handler for good (the client's completion callback; exits with a
  // message after 10 s), and closes both connections. Once only.
  void Close();

  // One request and its answer; false if no answer came within 10 s.
  bool Request(const std::string& payload);
  // One message to the subject, not answered; false if the client refused it.
  bool Publish(const std::string& payload);
  // Serialises `work` and publishes it, as Publish.
  bool PublishWork(const Work& work);

  // Messages the responder took, and those its client dropped (its pending limit
  // overflowed: a slow consumer).
  int64_t counted() const { return counted_.load(std::memory_order_relaxed); }  // a counter
  int64_t dropped() const;

 private:
  static void OnMessage(natsConnection* connection, natsSubscription*, natsMsg* message,
                        void* closure);
  static void OnComplete(void* closure);
  natsConnection* requester_ = nullptr;
  natsConnection* responder_ = nullptr;
  natsSubscription* subscription_ = nullptr;
  // Relaxed: a count only, polled by the measuring thread, which reads nothing else
  // the delivery thread wrote.
  std::atomic<int64_t> counted_{0};
  std::string subject_;
  const bool decode_;
  // Set by OnComplete, on the delivery thread, under the mutex; waited for by Close.
  std::mutex mutex_;
  std::condition_variable completed_cv_;
  bool completed_ = false;
  bool closed_ = false;  // by Close, on its caller's thread
};

}  // namespace troupe::remote_bench

#endif  // TROUPE_BENCHMARKS_REMOTE_RAW_CLIENT_H_
