// SIGQUIT fiber dumps. The signal handler only counts the signal (async-signal-safe);
// each runtime's monitor thread sees the count change within one tick and prints its
// fiber dump to stderr, as a JVM prints its threads. The process keeps running.
#ifndef TROUPE_SCHEDULER_INTERNAL_SIGQUIT_DUMP_H_
#define TROUPE_SCHEDULER_INTERNAL_SIGQUIT_DUMP_H_

#include <cstdint>

namespace troupe::scheduler_internal {

// Any thread; idempotent.
void InstallSigquitHandler();
// How many SIGQUITs have arrived since the handler was installed.
uint64_t SigquitCount();

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_SIGQUIT_DUMP_H_
