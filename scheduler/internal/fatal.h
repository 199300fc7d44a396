// Fatal: the one way troupe stops the process on a broken invariant, as the Go
// runtime's `throw` does. A broken invariant is a bug in troupe or a misuse that
// cannot be reported as a status (a negative WaitGroup count, a fiber joined twice
// at once); it is never turned into an absl::Status.
//
// The message names the function and says what broke:
//   troupe: fatal error in WaitGroup::Add: negative count -1
#ifndef TROUPE_SCHEDULER_INTERNAL_FATAL_H_
#define TROUPE_SCHEDULER_INTERNAL_FATAL_H_

namespace troupe::scheduler_internal {

// Any thread or fiber. Writes "troupe: fatal error in <function>: <message>" (the
// message formatted as printf does) to stderr and aborts. Formats into a stack
// buffer: safe to call with the heap in any state, though not from a signal handler.
[[noreturn]] void Fatal(const char* function, const char* format, ...)
    __attribute__((format(printf, 2, 3)));

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_FATAL_H_
