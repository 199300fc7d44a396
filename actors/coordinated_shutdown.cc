#include "troupe/actors/coordinated_shutdown.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "troupe/scheduler/wait_group.h"

namespace troupe {

namespace {

const char* PhaseName(int phase) {
  static constexpr const char* kNames[] = {"stop accepting", "drain", "stop actors", "flush"};
  return kNames[phase];
}

// The failures of one Run, from the tasks' fibers.
class Failures {
 public:
  void Add(const absl::Status& status, absl::string_view what) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (first_code_ == absl::StatusCode::kOk) first_code_ = status.code();
    absl::StrAppend(&message_, message_.empty() ? "" : "; ", what, ": ", status.message());
  }
  absl::Status ToStatus() const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (first_code_ == absl::StatusCode::kOk) return absl::OkStatus();
    return absl::Status(first_code_, absl::StrCat("coordinated shutdown: ", message_));
  }

 private:
  mutable std::mutex mutex_;
  absl::StatusCode first_code_ = absl::StatusCode::kOk;
  std::string message_;
};

}  // namespace

CoordinatedShutdown::~CoordinatedShutdown() {
  for (JoinHandle& fiber : task_fibers_) fiber.Join().IgnoreError();
}

void CoordinatedShutdown::AddTask(ShutdownPhase phase, std::string name, Task task) {
  tasks_[static_cast<int>(phase)].push_back(NamedTask{std::move(name), std::move(task)});
}

absl::Status CoordinatedShutdown::Run(absl::Duration grace) {
  // relaxed: only which call is first matters.
  if (ran_.exchange(true, std::memory_order_relaxed)) {
    return absl::FailedPreconditionError("CoordinatedShutdown::Run was called already");
  }
  const absl::Time deadline = absl::Now() + grace;
  auto [within_grace, cancel] = WithDeadline(Context(), deadline);
  // Shared with the tasks' fibers, which may outlive Run if they overrun.
  auto failures = std::make_shared<Failures>();
  for (int phase = 0; phase < kPhases; ++phase) {
    auto group = std::make_shared<WaitGroup>();
    // Which tasks of this phase have returned, for naming the late ones.
    auto finished = std::make_shared<std::vector<std::atomic<bool>>>(tasks_[phase].size());
    for (std::size_t i = 0; i < tasks_[phase].size(); ++i) {
      group->Add(1);
      task_fibers_.push_back(system_.runtime().Spawn([named = tasks_[phase][i], i, group,
                                                      finished, failures,
                                                      context = within_grace, phase] {
        absl::Status status = named.task(context);
        if (!status.ok()) failures->Add(status, absl::StrCat(PhaseName(phase), "/", named.name));
        // release; pairs with the acquire below: a late task is one not marked yet.
        (*finished)[i].store(true, std::memory_order_release);
        group->Done();
      }));
    }
    if (!group->Wait(within_grace).ok()) {
      for (std::size_t i = 0; i < tasks_[phase].size(); ++i) {
        if (!(*finished)[i].load(std::memory_order_acquire)) {
          failures->Add(absl::DeadlineExceededError("still running when the grace period ended"),
                        absl::StrCat(PhaseName(phase), "/", tasks_[phase][i].name));
        }
      }
    }
    if (static_cast<ShutdownPhase>(phase) == ShutdownPhase::kStopActors) {
      const absl::Duration left = std::max(absl::ZeroDuration(), deadline - absl::Now());
      if (absl::Status stopped = system_.Shutdown(left); !stopped.ok()) {
        failures->Add(stopped, PhaseName(phase));
      }
    }
  }
  cancel.Cancel();
  return failures->ToStatus();
}

}  // namespace troupe
