// WakePlacement: makes the kernel start a woken machine (M) on another CPU than the
// thread that wakes it.
//
// Why. An M is woken to run a P beside the waker, which keeps its own P and keeps
// running. Linux places a woken thread on the waker's CPU when it does not consider
// the other CPUs free, and then the wakee preempts the waker. On KVM guests an idle
// vCPU is halted, and a halted vCPU reads as "preempted" to the guest scheduler, so
// this happens even while the other CPU idles: measured here (2 vCPUs, the actors
// design at half load), 2,466 of 2,496 M-to-M wakes landed on the waker's CPU, 2,140
// of them with the other CPU idle. Each one stalls the waker's P for the wakee's run,
// or for a whole time slice (milliseconds) when the wakee keeps running.
//
// How. Before the wake, the wakee's CPU affinity is narrowed to the CPUs the process
// may use minus the waker's current one; the woken M widens it back as soon as it
// runs. Costs two sched_setaffinity calls per M wake, none per fiber switch. Off
// when the process may use only one CPU. The mask is read once, when the runtime
// starts: a later change of the process's affinity is not followed.
#ifndef TROUPE_SCHEDULER_INTERNAL_WAKE_PLACEMENT_H_
#define TROUPE_SCHEDULER_INTERNAL_WAKE_PLACEMENT_H_

#include <sched.h>
#include <sys/types.h>

namespace troupe::scheduler_internal {

class WakePlacement {
 public:
  // Reads the CPUs the calling thread may use. With `enabled` false, does nothing.
  explicit WakePlacement(bool enabled = true);

  // The calling thread's kernel id, for SteerAway.
  static pid_t CurrentThreadId();

  // Narrows `wakee`'s affinity so that it starts on another CPU than the caller's.
  // Returns whether it did (false: one CPU only, or the call failed).
  bool SteerAway(pid_t wakee) const;
  // By the woken thread itself: back to every CPU the process may use.
  void Restore() const;

 private:
  cpu_set_t allowed_;
  bool enabled_ = false;
};

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_WAKE_PLACEMENT_H_
