#include "troupe/scheduler/runtime.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "troupe/scheduler/fiber_labels.h"
#include "troupe/scheduler/internal/scheduler.h"
#include "troupe/scheduler/internal/stack_pool.h"
#include "troupe/scheduler/internal/fatal.h"

namespace troupe {

using scheduler_internal::CurrentFiber;
using scheduler_internal::Scheduler;

absl::StatusOr<RuntimeOptions> ResolveRuntimeOptions(RuntimeOptions options) {
  if (options.procs == 0) {
    if (const char* env = std::getenv("TROUPE_PROCS"); env != nullptr && *env != '\0') {
      int procs = 0;
      if (!absl::SimpleAtoi(env, &procs) || procs < 1 || procs > RuntimeOptions::kMaxProcs) {
        return absl::InvalidArgumentError(
            absl::StrCat("TROUPE_PROCS must be an integer in [1, ", RuntimeOptions::kMaxProcs,
                         "]; got \"", env, "\""));
      }
      options.procs = procs;
    } else {
      options.procs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    }
  }
  if (options.procs < 1 || options.procs > RuntimeOptions::kMaxProcs) {
    return absl::InvalidArgumentError(absl::StrCat("procs must be in [1, ",
                                                   RuntimeOptions::kMaxProcs, "] (or 0 for the default); got ",
                                                   options.procs));
  }
  if (options.schedtrace_interval == absl::ZeroDuration()) {
    if (const char* env = std::getenv("TROUPE_SCHEDTRACE"); env != nullptr && *env != '\0') {
      int milliseconds = 0;
      if (!absl::SimpleAtoi(env, &milliseconds) || milliseconds < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "TROUPE_SCHEDTRACE must be a non-negative number of milliseconds; got \"", env,
            "\""));
      }
      options.schedtrace_interval = absl::Milliseconds(milliseconds);
    }
  }
  if (options.schedtrace_interval < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("schedtrace_interval must be >= 0; got ",
                     absl::FormatDuration(options.schedtrace_interval)));
  }
  if (options.long_running_threshold < absl::Milliseconds(1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("long_running_threshold must be >= 1ms; got ",
                     absl::FormatDuration(options.long_running_threshold)));
  }
  const std::size_t page = scheduler_internal::PageSize();
  if (options.stack_size < RuntimeOptions::kMinStackSize ||
      options.stack_size > RuntimeOptions::kMaxStackSize || options.stack_size % page != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "stack_size must be a multiple of the page size (", page, ") in [",
        RuntimeOptions::kMinStackSize, ", ", RuntimeOptions::kMaxStackSize, "]; got ",
        options.stack_size));
  }
  return options;
}

absl::StatusOr<std::unique_ptr<Runtime>> Runtime::Create(RuntimeOptions options) {
  absl::StatusOr<RuntimeOptions> resolved = ResolveRuntimeOptions(options);
  if (!resolved.ok()) return resolved.status();
  scheduler_internal::SchedulerOptions scheduler_options;
  scheduler_options.procs = resolved->procs;
  scheduler_options.stack_size = resolved->stack_size;
  scheduler_options.schedtrace_interval_ns =
      absl::ToInt64Nanoseconds(resolved->schedtrace_interval);
  scheduler_options.long_running_threshold_ns =
      absl::ToInt64Nanoseconds(resolved->long_running_threshold);
  scheduler_options.log_long_running = resolved->log_long_running_fibers;
  scheduler_options.dump_on_sigquit = resolved->dump_on_sigquit;
  scheduler_options.steer_wakeups = resolved->steer_wakeups;
  scheduler_options.on_deadlock = resolved->on_deadlock;
  return std::unique_ptr<Runtime>(
      new Runtime(std::make_unique<Scheduler>(std::move(scheduler_options))));
}

Runtime::Runtime(std::unique_ptr<Scheduler> scheduler) : scheduler_(std::move(scheduler)) {}

Runtime::~Runtime() = default;


absl::Status Runtime::Run(absl::AnyInvocable<void() &&> main) {
  if (CurrentFiber() != nullptr) {
    return absl::FailedPreconditionError(
        "Runtime::Run must be called from a plain thread, not from a fiber");
  }
  return Spawn(std::move(main)).Join();
}

RuntimeStats Runtime::Stats() const { return scheduler_->ReadCounters(); }

std::vector<FiberInfo> Runtime::DumpFibers() const { return scheduler_->DumpFibers(); }

void Runtime::StartTrace() { scheduler_->StartTrace(); }

Trace Runtime::StopTrace() { return scheduler_->StopTrace(); }

int Runtime::procs() const { return scheduler_->procs(); }

std::size_t Runtime::stack_size() const { return scheduler_->stack_size(); }

namespace scheduler_internal {

NewFiber CreateFiberOn(Scheduler& scheduler, bool waits_for_stack) {
  Fiber* fiber = scheduler.CreateFiber();
  if (fiber == nullptr) return NewFiber{scheduler.FailedSpawn(), nullptr};
  fiber->waits_for_stack = waits_for_stack;  // see SetAsideWithoutStack
  return NewFiber{fiber, &fiber->body};
}

void StartFiber(Fiber* fiber) { fiber->scheduler->StartFiber(fiber); }

void NameFiber(Fiber* fiber, const std::string& name) {
  // release; pairs with the acquire of dumps and traces (the set's contents were
  // written before). The fiber has not started: nobody else writes its labels yet.
  fiber->profile_labels.store(LabelSet::Intern({{"fiber", name}}), std::memory_order_release);
}

Scheduler& CurrentSchedulerOrDie(const char* caller) {
  Fiber* self = CurrentFiber();
  if (self == nullptr) {
    Fatal(caller, "called from a plain thread; use Runtime::Spawn");
  }
  return *self->scheduler;
}

}  // namespace scheduler_internal

}  // namespace troupe
