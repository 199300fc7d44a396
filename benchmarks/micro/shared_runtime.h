// The one Runtime that all micro-benchmarks of a benchmark binary share: created on
// first use with the default options (TROUPE_PROCS or the CPU count), never
// destroyed, so that every benchmark measures a warm runtime (pooled stacks and
// fiber records) and none pays for starting threads. Exits with a message if the
// runtime cannot be created.
#ifndef TROUPE_BENCHMARKS_SHARED_RUNTIME_H_
#define TROUPE_BENCHMARKS_SHARED_RUNTIME_H_

#include <cstdio>
#include <cstdlib>

#include "troupe/scheduler/runtime.h"

namespace troupe::benchmarks {

inline Runtime& SharedRuntime() {
  static Runtime* runtime = [] {
    auto created = Runtime::Create();
    if (!created.ok()) {
      std::fprintf(stderr, "benchmark: cannot create the runtime: %s\n",
                   created.status().ToString().c_str());
      std::exit(2);
    }
    return created->release();
  }();
  return *runtime;
}

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_SHARED_RUNTIME_H_
