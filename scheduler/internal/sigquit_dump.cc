#include "troupe/scheduler/internal/sigquit_dump.h"

#include <signal.h>

#include <atomic>
#include <mutex>

namespace troupe::scheduler_internal {

namespace {

std::atomic<uint64_t> sigquit_count{0};

void OnSigquit(int) {
  // relaxed: the monitor only needs to see the count change eventually.
  sigquit_count.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

void InstallSigquitHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_handler = &OnSigquit;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(SIGQUIT, &action, nullptr);
  });
}

uint64_t SigquitCount() { return sigquit_count.load(std::memory_order_relaxed); }

}  // namespace troupe::scheduler_internal
