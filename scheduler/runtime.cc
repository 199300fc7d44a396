#include "scheduler/runtime.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "scheduler/internal/scheduler.h"
#include "scheduler/internal/stack_pool.h"

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
  return std::unique_ptr<Runtime>(new Runtime(
      std::make_unique<Scheduler>(resolved->procs, resolved->stack_size)));
}

Runtime::Runtime(std::unique_ptr<Scheduler> scheduler) : scheduler_(std::move(scheduler)) {}

Runtime::~Runtime() = default;

JoinHandle Runtime::Spawn(absl::AnyInvocable<void() &&> body) {
  return JoinHandle(scheduler_->Spawn(std::move(body)));
}

absl::Status Runtime::Run(absl::AnyInvocable<void() &&> main) {
  if (CurrentFiber() != nullptr) {
    return absl::FailedPreconditionError(
        "Runtime::Run must be called from a plain thread, not from a fiber");
  }
  return Spawn(std::move(main)).Join();
}

RuntimeStats Runtime::Stats() const { return scheduler_->ReadCounters(); }

int Runtime::procs() const { return scheduler_->procs(); }

std::size_t Runtime::stack_size() const { return scheduler_->stack_size(); }

JoinHandle Spawn(absl::AnyInvocable<void() &&> body) {
  scheduler_internal::Fiber* self = CurrentFiber();
  if (self == nullptr) {
    std::fprintf(stderr,
                 "troupe: fatal error in troupe::Spawn: called from a plain thread; use "
                 "Runtime::Spawn\n");
    std::abort();
  }
  return JoinHandle(self->scheduler->Spawn(std::move(body)));
}

}  // namespace troupe
