// What a cumulative profile gained between two snapshots. The block and mutex
// profiles (block_profile.h, mutex_profile.h) accumulate for the life of the process,
// as Go's do; a part of a run (one design of the pattern comparison, one request's
// window) is the later snapshot less the earlier, as `go tool pprof -base` shows it.
//
//   const Profile before = BlockProfile();
//   RunTheWorkload();
//   const Profile workload = SubtractProfile(BlockProfile(), before);
#ifndef TROUPE_PROFILING_PROFILE_DELTA_H_
#define TROUPE_PROFILING_PROFILE_DELTA_H_

#include "troupe/profiling/profile.h"

namespace troupe::profiling {

// `profile` less `base`: each sample of `profile` with the values of `base`'s sample
// at the same stack (or pseudo frame) and labels taken off; samples whose values are
// then all zero or less are left out (they did not grow). Samples of `base` absent
// from `profile` are ignored (a cumulative profile only grows). Sample types, period
// and comments are `profile`'s; the duration is the time between the snapshots when
// both have a start time. Precondition: both have the same sample types.
Profile SubtractProfile(const Profile& profile, const Profile& base);

}  // namespace troupe::profiling

#endif  // TROUPE_PROFILING_PROFILE_DELTA_H_
