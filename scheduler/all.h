// Every public header of troupe/scheduler: Fibers, the scheduler, channels, select, contexts, timers, sync primitives, signals.
// Include the single headers instead to keep builds lean; this one is for quick starts.
#ifndef TROUPE_SCHEDULER_ALL_H_
#define TROUPE_SCHEDULER_ALL_H_

#include "troupe/scheduler/blocking.h"  // IWYU pragma: export
#include "troupe/scheduler/channel.h"  // IWYU pragma: export
#include "troupe/scheduler/condition_variable.h"  // IWYU pragma: export
#include "troupe/scheduler/context.h"  // IWYU pragma: export
#include "troupe/scheduler/dynamic_select.h"  // IWYU pragma: export
#include "troupe/scheduler/fan.h"  // IWYU pragma: export
#include "troupe/scheduler/fiber_info.h"  // IWYU pragma: export
#include "troupe/scheduler/fiber_labels.h"  // IWYU pragma: export
#include "troupe/scheduler/fiber_local.h"  // IWYU pragma: export
#include "troupe/scheduler/join_handle.h"  // IWYU pragma: export
#include "troupe/scheduler/log.h"  // IWYU pragma: export
#include "troupe/scheduler/mutex.h"  // IWYU pragma: export
#include "troupe/scheduler/pool.h"  // IWYU pragma: export
#include "troupe/scheduler/runtime.h"  // IWYU pragma: export
#include "troupe/scheduler/runtime_stats.h"  // IWYU pragma: export
#include "troupe/scheduler/select.h"  // IWYU pragma: export
#include "troupe/scheduler/semaphore.h"  // IWYU pragma: export
#include "troupe/scheduler/signal.h"  // IWYU pragma: export
#include "troupe/scheduler/this_fiber.h"  // IWYU pragma: export
#include "troupe/scheduler/timer.h"  // IWYU pragma: export
#include "troupe/scheduler/trace.h"  // IWYU pragma: export
#include "troupe/scheduler/trace_context.h"  // IWYU pragma: export
#include "troupe/scheduler/wait_group.h"  // IWYU pragma: export

#endif  // TROUPE_SCHEDULER_ALL_H_
