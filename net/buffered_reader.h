// BufferedReader: framing on top of a TcpConnection, as Go's bufio.Reader is on top
// of a net.Conn: read a line, read up to a delimiter, read an exact number of bytes.
// Every call that searches takes a limit, so a peer that never sends the delimiter
// costs at most that many buffered bytes.
//
//   troupe::BufferedReader reader(*connection);
//   absl::StatusOr<std::string> line = reader.ReadLine(/*max_bytes=*/1024, ctx);
//   absl::StatusOr<std::string> payload = reader.ReadFull(length, ctx);
//
// Statuses are the connection's (OutOfRange at the end of the stream, DeadlineExceeded,
// Cancelled, ...) plus ResourceExhausted when a limit is reached. After an error the
// bytes read so far stay buffered (see buffered()), so nothing is lost silently.
//
// One reader per connection, used by one fiber at a time; read the connection only
// through it (bytes it buffered are not seen by TcpConnection::Read).
#ifndef TROUPE_NET_BUFFERED_READER_H_
#define TROUPE_NET_BUFFERED_READER_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "troupe/net/tcp.h"
#include "troupe/scheduler/context.h"

namespace troupe {

class BufferedReader {
 public:
  static constexpr std::size_t kDefaultReadSize = 4096;

  // `connection` must outlive the reader. Each read(2) asks for `read_size` bytes.
  explicit BufferedReader(TcpConnection& connection, std::size_t read_size = kDefaultReadSize);
  BufferedReader(const BufferedReader&) = delete;
  BufferedReader& operator=(const BufferedReader&) = delete;

  // Parks until `delimiter` (not empty) arrives and returns everything up to and
  // including it. ResourceExhausted if `max_bytes` (delimiter included) arrive
  // without it; OutOfRange if the stream ends first.
  absl::StatusOr<std::string> ReadUntil(absl::string_view delimiter, std::size_t max_bytes,
                                        const Context& context = Context());
  // A line ended by "\n" or "\r\n", returned without the ending; `max_bytes` counts
  // the ending too.
  absl::StatusOr<std::string> ReadLine(std::size_t max_bytes, const Context& context = Context());
  // Exactly `size` bytes; OutOfRange if the stream ends first.
  absl::StatusOr<std::string> ReadFull(std::size_t size, const Context& context = Context());
  // At least one byte, at most `size`: buffered bytes first, else one read.
  absl::StatusOr<std::size_t> Read(char* buffer, std::size_t size,
                                   const Context& context = Context());

  // Bytes received and not yet returned.
  absl::string_view buffered() const {
    return absl::string_view(buffer_).substr(start_);
  }

 private:
  // Reads once more into the buffer (after the buffered bytes).
  absl::Status Fill(const Context& context);
  std::string Take(std::size_t size);

  TcpConnection& connection_;
  const std::size_t read_size_;
  std::string buffer_;     // buffer_[start_, size()) is unread
  std::size_t start_ = 0;
};

}  // namespace troupe

#endif  // TROUPE_NET_BUFFERED_READER_H_
