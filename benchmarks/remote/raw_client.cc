#include "troupe/benchmarks/remote/raw_client.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "troupe/benchmarks/remote/bench_messages.pb.h"

namespace troupe::remote_bench {
namespace {

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "remote benchmarks, C client: %s\n", why.c_str());
  std::exit(1);
}

natsConnection* Connect(const std::string& url, bool send_asap) {
  natsOptions* options = nullptr;
  natsConnection* connection = nullptr;
  if (natsOptions_Create(&options) != NATS_OK ||
      natsOptions_SetURL(options, url.c_str()) != NATS_OK ||
      natsOptions_SetSendAsap(options, send_asap) != NATS_OK ||
      natsConnection_Connect(&connection, options) != NATS_OK) {
    Die("cannot connect to " + url);
  }
  natsOptions_Destroy(options);
  return connection;
}

}  // namespace

RawPair::RawPair(const std::string& url, const std::string& subject, bool send_asap,
                 bool decode)
    : subject_(subject), decode_(decode) {
  requester_ = Connect(url, send_asap);
  responder_ = Connect(url, send_asap);
  if (natsConnection_Subscribe(&subscription_, responder_, subject_.c_str(), &OnMessage, this) !=
          NATS_OK ||
      natsSubscription_SetOnCompleteCB(subscription_, &OnComplete, this) != NATS_OK ||
      natsConnection_Flush(responder_) != NATS_OK) {
    Die("cannot subscribe to " + subject_);
  }
}

RawPair::~RawPair() {
  if (!closed_) Close();
}

void RawPair::Close() {
  closed_ = true;
  if (natsSubscription_Unsubscribe(subscription_) != NATS_OK) Die("cannot unsubscribe");
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!completed_cv_.wait_for(lock, std::chrono::seconds(10), [&] { return completed_; })) {
      Die("the subscription's delivery thread did not finish within 10 s");
    }
  }
  natsSubscription_Destroy(subscription_);
  natsConnection_Destroy(requester_);
  natsConnection_Destroy(responder_);
}

void RawPair::OnComplete(void* closure) {
  auto* pair = static_cast<RawPair*>(closure);
  std::lock_guard<std::mutex> lock(pair->mutex_);
  pair->completed_ = true;
  pair->completed_cv_.notify_one();  // under the lock: Close may free the pair at once
}

void RawPair::OnMessage(natsConnection* connection, natsSubscription*, natsMsg* message,
                        void* closure) {
  auto* pair = static_cast<RawPair*>(closure);
  if (pair->decode_) {
    Work work;
    if (!work.ParseFromArray(natsMsg_GetData(message), natsMsg_GetDataLength(message))) {
      Die("a message on " + pair->subject_ + " is not a Work");
    }
  }
  pair->counted_.fetch_add(1, std::memory_order_relaxed);  // a counter
  if (natsMsg_GetReply(message) != nullptr) {
    Done done;
    done.set_id(1);
    const std::string bytes = done.SerializeAsString();
    natsConnection_Publish(connection, natsMsg_GetReply(message), bytes.data(),
                           static_cast<int>(bytes.size()));
  }
  natsMsg_Destroy(message);
}

bool RawPair::Request(const std::string& payload) {
  natsMsg* reply = nullptr;
  if (natsConnection_Request(&reply, requester_, subject_.c_str(), payload.data(),
                             static_cast<int>(payload.size()), 10000) != NATS_OK) {
    return false;
  }
  natsMsg_Destroy(reply);
  return true;
}

bool RawPair::Publish(const std::string& payload) {
  return natsConnection_Publish(requester_, subject_.c_str(), payload.data(),
                                static_cast<int>(payload.size())) == NATS_OK;
}

bool RawPair::PublishWork(const Work& work) {
  std::string payload;
  work.SerializeToString(&payload);
  return Publish(payload);
}

int64_t RawPair::dropped() const {
  int64_t dropped = 0;
  if (natsSubscription_GetDropped(subscription_, &dropped) != NATS_OK) Die("no dropped count");
  return dropped;
}

}  // namespace troupe::remote_bench
