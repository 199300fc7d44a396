// TellStatus: what ActorRef::Tell and Router::Tell return — the status of a send,
// which may be ignored.
//
// absl::Status is [[nodiscard]]; a Tell's status is not, by choice: a message that
// Tell did not send is counted as a dead letter (ActorSystem::dead_letters,
// OnDeadLetter), so fire-and-forget loses nothing unobserved and needs no (void).
// Ask stays [[nodiscard]]: its answer is the point of the call. A TellStatus
// converts to absl::Status where one is wanted.
#ifndef TROUPE_ACTORS_TELL_STATUS_H_
#define TROUPE_ACTORS_TELL_STATUS_H_

#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace troupe {

class TellStatus {
 public:
  TellStatus(absl::Status status) : status_(std::move(status)) {}  // implicit, by design

  bool ok() const { return status_.ok(); }
  absl::StatusCode code() const { return status_.code(); }
  absl::string_view message() const { return status_.message(); }
  std::string ToString() const { return status_.ToString(); }

  const absl::Status& status() const& { return status_; }
  absl::Status status() && { return std::move(status_); }
  operator absl::Status() const& { return status_; }
  operator absl::Status() && { return std::move(status_); }

  friend std::ostream& operator<<(std::ostream& out, const TellStatus& status) {
    return out << status.status_;
  }

 private:
  absl::Status status_;
};

}  // namespace troupe

#endif  // TROUPE_ACTORS_TELL_STATUS_H_
