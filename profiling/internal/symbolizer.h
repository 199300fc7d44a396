// Symbolizer: what a pprof file needs to name code addresses without the binary at
// hand — the process's executable mappings (file, offsets, GNU build ID, so that
// `go tool pprof` can also match the binary) and each address's function name (from
// the ELF symbol tables, through absl::Symbolize, demangled).
//
// Not for signal handlers: it allocates and reads files. Profilers capture raw
// addresses and symbolize when the profile is written.
#ifndef TROUPE_PROFILING_INTERNAL_SYMBOLIZER_H_
#define TROUPE_PROFILING_INTERNAL_SYMBOLIZER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace troupe::profiling_internal {

struct CodeMapping {
  uint64_t start = 0;  // [start, limit) in memory
  uint64_t limit = 0;
  uint64_t file_offset = 0;
  std::string file;      // absolute path ("/proc/self/exe" resolved)
  std::string build_id;  // lowercase hex, or empty
};

class Symbolizer {
 public:
  // Reads the mappings of every loaded object's executable segments.
  Symbolizer();

  const std::vector<CodeMapping>& mappings() const { return mappings_; }
  // The index in mappings() of the mapping holding `address`, or -1.
  int MappingOf(uint64_t address) const;
  // The demangled name of the function holding `address`, or "0x<address>" when no
  // symbol covers it (stripped code, JIT). Cached per address.
  const std::string& FunctionName(uint64_t address);

 private:
  std::vector<CodeMapping> mappings_;
  absl::flat_hash_map<uint64_t, std::string> names_;
};

}  // namespace troupe::profiling_internal

#endif  // TROUPE_PROFILING_INTERNAL_SYMBOLIZER_H_
