// Stack-overflow reporting: a SIGSEGV handler that recognises a fault in the guard
// page of the running fiber's stack and stops the process with a message naming the
// fiber, instead of a bare "Segmentation fault".
//
// The handler runs on an alternate signal stack (the fiber's own stack is exhausted),
// so every machine thread installs one with InstallAlternateSignalStack. Faults
// anywhere else are passed on to the handler that was installed before troupe's (or
// to the default action), unchanged.
#ifndef TROUPE_SCHEDULER_INTERNAL_GUARD_PAGE_HANDLER_H_
#define TROUPE_SCHEDULER_INTERNAL_GUARD_PAGE_HANDLER_H_

namespace troupe::scheduler_internal {

// Any thread; idempotent. Installs the process-wide SIGSEGV handler once.
void InstallGuardPageHandler();

// Machine threads, at start. The memory is released when the thread exits.
void InstallAlternateSignalStack();

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_GUARD_PAGE_HANDLER_H_
