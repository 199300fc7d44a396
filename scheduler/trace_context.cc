// TraceContext: see trace_context.h.
#include "troupe/scheduler/trace_context.h"

#include <algorithm>
#include <cstddef>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace troupe {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
// "00-" + 32 + "-" + 16 + "-" + 2.
constexpr std::size_t kTraceparentLength = 55;

template <std::size_t N>
bool AllZero(const std::array<uint8_t, N>& bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
}

// Random bytes, never all zero (a zero id means "none"). Each thread keeps its own
// generator: a call never parks, so a fiber cannot move threads in the middle.
template <std::size_t N>
void FillRandom(std::array<uint8_t, N>& bytes) {
  thread_local absl::BitGen generator;
  do {
    for (uint8_t& byte : bytes) byte = absl::Uniform<uint8_t>(generator);
  } while (AllZero(bytes));
}

template <std::size_t N>
std::string Hex(const std::array<uint8_t, N>& bytes) {
  std::string out(2 * N, '0');
  for (std::size_t i = 0; i < N; ++i) {
    out[2 * i] = kHexDigits[bytes[i] >> 4];
    out[2 * i + 1] = kHexDigits[bytes[i] & 0xf];
  }
  return out;
}

// Lowercase hex only (the specification forbids uppercase); -1 for anything else.
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Decodes `text` (2 * N characters) into `bytes`; false on a character that is not
// lowercase hex.
template <std::size_t N>
bool ParseHex(absl::string_view text, std::array<uint8_t, N>& bytes) {
  for (std::size_t i = 0; i < N; ++i) {
    const int high = HexValue(text[2 * i]);
    const int low = HexValue(text[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    bytes[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return true;
}

absl::Status Invalid(absl::string_view header, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "traceparent \"", header.substr(0, 64), header.size() > 64 ? "..." : "", "\" ", why,
      "; expected 00-<32 lowercase hex trace-id>-<16 lowercase hex parent-id>-<2 hex flags>"));
}

}  // namespace

TraceContext TraceContext::NewRoot(bool sampled) {
  TraceContext trace;
  FillRandom(trace.trace_id);
  FillRandom(trace.span_id);
  trace.flags = sampled ? kSampled : 0;
  return trace;
}

TraceContext TraceContext::NewChild() const {
  TraceContext child = *this;
  FillRandom(child.span_id);
  return child;
}

bool TraceContext::valid() const { return !AllZero(trace_id) && !AllZero(span_id); }

std::string TraceContext::TraceIdHex() const { return Hex(trace_id); }
std::string TraceContext::SpanIdHex() const { return Hex(span_id); }

absl::StatusOr<TraceContext> ParseTraceparent(absl::string_view header) {
  if (header.size() != kTraceparentLength) {
    return Invalid(header, absl::StrCat("has ", header.size(), " characters, not ",
                                        kTraceparentLength));
  }
  if (header.substr(0, 3) != "00-") {
    return Invalid(header, "is not version 00 (only version 00 is understood)");
  }
  if (header[35] != '-' || header[52] != '-') return Invalid(header, "has misplaced dashes");
  TraceContext trace;
  if (!ParseHex(header.substr(3, 32), trace.trace_id)) {
    return Invalid(header, "has a trace-id that is not lowercase hex");
  }
  if (!ParseHex(header.substr(36, 16), trace.span_id)) {
    return Invalid(header, "has a parent-id that is not lowercase hex");
  }
  std::array<uint8_t, 1> flags;
  if (!ParseHex(header.substr(53, 2), flags)) {
    return Invalid(header, "has flags that are not lowercase hex");
  }
  trace.flags = flags[0];
  if (AllZero(trace.trace_id)) return Invalid(header, "has an all-zero trace-id");
  if (AllZero(trace.span_id)) return Invalid(header, "has an all-zero parent-id");
  return trace;
}

std::string FormatTraceparent(const TraceContext& trace) {
  return absl::StrCat("00-", trace.TraceIdHex(), "-", trace.SpanIdHex(), "-",
                      Hex(std::array<uint8_t, 1>{trace.flags}));
}

}  // namespace troupe
