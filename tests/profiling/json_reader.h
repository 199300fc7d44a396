// A strict JSON reader for tests (RFC 8259: objects, arrays, strings with every
// escape, numbers, true, false, null; nothing after the value but whitespace), so
// that a test can check that what troupe writes as JSON parses, and then look
// inside it. Independent of the writers under test.
#ifndef TROUPE_TESTS_PROFILING_JSON_READER_H_
#define TROUPE_TESTS_PROFILING_JSON_READER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace troupe::profiling_test {

struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;  // decoded (escapes resolved, \u as UTF-8)
  std::vector<JsonValue> array;
  std::map<std::string, JsonValue> object;

  // The member `key` of an object, or null if absent or not an object.
  const JsonValue* Find(const std::string& key) const;
};

// The value `text` holds; InvalidArgument naming the offset of the first error.
absl::StatusOr<JsonValue> ParseJson(absl::string_view text);

}  // namespace troupe::profiling_test

#endif  // TROUPE_TESTS_PROFILING_JSON_READER_H_
