// ResultValue<R>: the value a pipeline stage or pool task yields, given what its
// function returns. `T` and `absl::StatusOr<T>` yield T; `absl::Status` and void
// yield void (the function produces only success or an error).
#ifndef TROUPE_PIPELINE_INTERNAL_RESULT_VALUE_H_
#define TROUPE_PIPELINE_INTERNAL_RESULT_VALUE_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace troupe::pipeline_internal {

template <typename R>
struct ResultValue {
  using type = R;
};
template <typename U>
struct ResultValue<absl::StatusOr<U>> {
  using type = U;
};
template <>
struct ResultValue<absl::Status> {
  using type = void;
};

}  // namespace troupe::pipeline_internal

#endif  // TROUPE_PIPELINE_INTERNAL_RESULT_VALUE_H_
