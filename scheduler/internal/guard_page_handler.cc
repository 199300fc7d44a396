#include "troupe/scheduler/internal/guard_page_handler.h"

#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <mutex>

#include "troupe/scheduler/internal/machine.h"

namespace troupe::scheduler_internal {

namespace {

struct sigaction previous_action;

// Async-signal-safe formatting: the handler may use neither stdio nor malloc, and so
// not the log sink (log.h) either: it writes to stderr itself.
void WriteText(const char* text) {
  ssize_t ignored = write(STDERR_FILENO, text, strlen(text));
  (void)ignored;
}

void WriteNumber(uint64_t value) {
  char digits[24];
  int length = 0;
  do {
    digits[length++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  char text[24];
  for (int i = 0; i < length; ++i) text[i] = digits[length - 1 - i];
  text[length] = '\0';
  WriteText(text);
}

void OnSegmentationFault(int signal, siginfo_t* info, void* context) {
  Machine* machine = CurrentMachine();
  Fiber* fiber = machine != nullptr ? machine->current : nullptr;
  if (fiber != nullptr && fiber->stack.contains_guard(info->si_addr)) {
    WriteText("troupe: fatal error: stack overflow in fiber ");
    WriteNumber(fiber->id.load(std::memory_order_relaxed));
    WriteText(" (stack size ");
    WriteNumber(fiber->stack.usable_size());
    WriteText(" bytes; raise RuntimeOptions::stack_size)\n");
    std::abort();
  }
  // Not ours: hand it on as if troupe's handler were not there.
  if (previous_action.sa_flags & SA_SIGINFO) {
    if (previous_action.sa_sigaction != nullptr) {
      previous_action.sa_sigaction(signal, info, context);
      return;
    }
  } else if (previous_action.sa_handler != SIG_DFL && previous_action.sa_handler != SIG_IGN) {
    previous_action.sa_handler(signal);
    return;
  }
  // Default action: re-raise with the default disposition when the handler returns.
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  sigaction(SIGSEGV, &default_action, nullptr);
}

struct AlternateStack {
  void* memory = nullptr;
  std::size_t size = 0;
  ~AlternateStack() {
    if (memory == nullptr) return;
    stack_t disable{};
    disable.ss_flags = SS_DISABLE;
    sigaltstack(&disable, nullptr);
    munmap(memory, size);
  }
};

thread_local AlternateStack alternate_stack;

}  // namespace

void InstallGuardPageHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_sigaction = &OnSegmentationFault;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    sigaction(SIGSEGV, &action, &previous_action);
  });
}

void InstallAlternateSignalStack() {
  if (alternate_stack.memory != nullptr) return;
  const std::size_t size = 64 * 1024;  // room for the handler, also under sanitizers
  void* memory =
      mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return;  // no report on overflow, but nothing breaks
  stack_t stack{};
  stack.ss_sp = memory;
  stack.ss_size = size;
  if (sigaltstack(&stack, nullptr) != 0) {
    munmap(memory, size);
    return;
  }
  alternate_stack.memory = memory;
  alternate_stack.size = size;
}

}  // namespace troupe::scheduler_internal
