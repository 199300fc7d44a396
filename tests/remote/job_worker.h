// A pool worker actor for the remote pool tests: it answers each Job with its id
// and the worker's number; a `block` job first waits on the test's gate, a `fail`
// job is answered ResourceExhausted.
#ifndef TROUPE_TESTS_REMOTE_JOB_WORKER_H_
#define TROUPE_TESTS_REMOTE_JOB_WORKER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>
#include <variant>

#include "absl/status/status.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/reply.h"
#include "troupe/scheduler/channel.h"
#include "troupe/tests/remote/test_messages.pb.h"

namespace troupe::remote_testing {

using remote_test::Job;
using remote_test::JobResult;

struct JobRequest {
  Job job;
  Reply<JobResult> reply;
};
using JobMessage = std::variant<JobRequest>;

inline JobRequest MakeJobRequest(Job job, Reply<JobResult> reply) {
  return JobRequest{std::move(job), std::move(reply)};
}

// What the test sees of a worker: how many jobs entered a block.
struct JobProbe {
  std::atomic<int> blocked{0};
};

class JobWorker : public Actor<JobMessage> {
 public:
  JobWorker(int64_t number, Channel<int> gate, std::shared_ptr<JobProbe> probe)
      : number_(number), gate_(std::move(gate)), probe_(std::move(probe)) {}
  void Receive(JobMessage& message) override {
    JobRequest& request = std::get<JobRequest>(message);
    if (request.job.block()) {
      probe_->blocked.fetch_add(1, std::memory_order_relaxed);  // polled by the test
      (void)gate_.Recv(Context());
    }
    if (request.job.fail()) {
      request.reply.Send(absl::ResourceExhaustedError("the job's own error"));
      return;
    }
    JobResult result;
    result.set_id(request.job.id());
    result.set_worker(number_);
    request.reply.Send(std::move(result));
  }

 private:
  int64_t number_;
  Channel<int> gate_;
  std::shared_ptr<JobProbe> probe_;
};

inline Job MakeJob(int64_t id, bool block = false) {
  Job job;
  job.set_id(id);
  job.set_block(block);
  return job;
}

}  // namespace troupe::remote_testing

#endif  // TROUPE_TESTS_REMOTE_JOB_WORKER_H_
