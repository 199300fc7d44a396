// Every public header of troupe/actors: Actors, supervision, routers, groups, shutdown.
// Include the single headers instead to keep builds lean; this one is for quick starts.
#ifndef TROUPE_ACTORS_ALL_H_
#define TROUPE_ACTORS_ALL_H_

#include "troupe/actors/actor.h"  // IWYU pragma: export
#include "troupe/actors/actor_groups.h"  // IWYU pragma: export
#include "troupe/actors/actor_options.h"  // IWYU pragma: export
#include "troupe/actors/actor_system.h"  // IWYU pragma: export
#include "troupe/actors/coordinated_shutdown.h"  // IWYU pragma: export
#include "troupe/actors/reply.h"  // IWYU pragma: export
#include "troupe/actors/router.h"  // IWYU pragma: export
#include "troupe/actors/supervisor.h"  // IWYU pragma: export
#include "troupe/actors/supervisor_options.h"  // IWYU pragma: export
#include "troupe/actors/tell_status.h"  // IWYU pragma: export

#endif  // TROUPE_ACTORS_ALL_H_
