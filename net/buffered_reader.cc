#include "troupe/net/buffered_reader.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace troupe {

BufferedReader::BufferedReader(TcpConnection& connection, std::size_t read_size)
    : connection_(connection), read_size_(std::max<std::size_t>(read_size, 1)) {}

absl::Status BufferedReader::Fill(const Context& context) {
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ >= read_size_) {  // reclaim the consumed front now and then
    buffer_.erase(0, start_);
    start_ = 0;
  }
  const std::size_t had = buffer_.size();
  buffer_.resize(had + read_size_);
  absl::StatusOr<std::size_t> n = connection_.Read(&buffer_[had], read_size_, context);
  buffer_.resize(had + (n.ok() ? *n : 0));
  return n.status();
}

std::string BufferedReader::Take(std::size_t size) {
  std::string taken = buffer_.substr(start_, size);
  start_ += size;
  return taken;
}

absl::StatusOr<std::string> BufferedReader::ReadUntil(absl::string_view delimiter,
                                                      std::size_t max_bytes,
                                                      const Context& context) {
  if (delimiter.empty()) return absl::InvalidArgumentError("ReadUntil: the delimiter is empty");
  std::size_t searched = 0;  // bytes of buffered() known not to start the delimiter
  while (true) {
    const absl::string_view unread = buffered();
    const std::size_t found = unread.find(delimiter, searched);
    if (found != absl::string_view::npos && found + delimiter.size() <= max_bytes) {
      return Take(found + delimiter.size());
    }
    if (unread.size() >= max_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "ReadUntil: no delimiter within ", max_bytes, " bytes (they stay buffered)"));
    }
    searched = unread.size() >= delimiter.size() ? unread.size() - delimiter.size() + 1 : 0;
    if (absl::Status filled = Fill(context); !filled.ok()) return filled;
  }
}

absl::StatusOr<std::string> BufferedReader::ReadLine(std::size_t max_bytes,
                                                     const Context& context) {
  absl::StatusOr<std::string> line = ReadUntil("\n", max_bytes, context);
  if (!line.ok()) return line;
  line->pop_back();
  if (!line->empty() && line->back() == '\r') line->pop_back();
  return line;
}

absl::StatusOr<std::string> BufferedReader::ReadFull(std::size_t size, const Context& context) {
  while (buffered().size() < size) {
    if (absl::Status filled = Fill(context); !filled.ok()) return filled;
  }
  return Take(size);
}

absl::StatusOr<std::size_t> BufferedReader::Read(char* buffer, std::size_t size,
                                                 const Context& context) {
  if (size == 0) return 0;
  if (buffered().empty()) {
    if (size >= read_size_) return connection_.Read(buffer, size, context);  // no copy
    if (absl::Status filled = Fill(context); !filled.ok()) return filled;
  }
  const std::size_t n = std::min(size, buffered().size());
  std::memcpy(buffer, buffer_.data() + start_, n);
  start_ += n;
  return n;
}

}  // namespace troupe
