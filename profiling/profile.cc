// Encoding a Profile as profile.proto.
//
// profile.proto in brief (field numbers from github.com/google/pprof/proto/profile.proto):
//   Profile  1 sample_type*  2 sample*  3 mapping*  4 location*  5 function*
//            6 string_table* 9 time_nanos  10 duration_nanos  11 period_type
//            12 period  13 comment* (string indices)
//   ValueType 1 type  2 unit (string indices)
//   Sample   1 location_id (packed, leaf first)  2 value (packed)  3 label*
//   Label    1 key  2 str (string indices)
//   Mapping  1 id  2 memory_start  3 memory_limit  4 file_offset  5 filename
//            6 build_id  7 has_functions
//   Location 1 id  2 mapping_id  3 address  4 line*
//   Line     1 function_id
//   Function 1 id  2 name  3 system_name
// String index 0 is always "". Ids start at 1 (0 means "none").
//
// One Location per distinct address and one Function per distinct name, so a
// function that appears at many addresses is one node in pprof's graphs. Every
// mapping says has_functions: the names are in the file, and pprof does not try
// to symbolize again (it could: the mappings carry file names and build IDs).
#include "troupe/profiling/profile.h"

#include "absl/container/flat_hash_map.h"
#include "troupe/profiling/internal/gzip.h"
#include "troupe/profiling/internal/proto_writer.h"
#include "troupe/profiling/internal/symbolizer.h"

namespace troupe::profiling {

namespace {

using profiling_internal::ProtoWriter;

// Field numbers.
enum ProfileField {
  kSampleType = 1, kSample = 2, kMapping = 3, kLocation = 4, kFunction = 5,
  kStringTable = 6, kTimeNanos = 9, kDurationNanos = 10, kPeriodType = 11, kPeriod = 12,
  kComment = 13,
};

class ProfileEncoder {
 public:
  std::string Encode(const Profile& profile) {
    StringIndex("");  // index 0
    ProtoWriter out;
    for (const ValueType& type : profile.sample_types) out.Message(kSampleType, EncodeValueType(type));
    for (const ProfileSample& sample : profile.samples) out.Message(kSample, EncodeSample(sample));
    for (std::size_t i = 0; i < symbolizer_.mappings().size(); ++i) {
      out.Message(kMapping, EncodeMapping(i));
    }
    for (const ProtoWriter& location : locations_) out.Message(kLocation, location);
    for (const ProtoWriter& function : functions_) out.Message(kFunction, function);
    out.VarintIfNonZero(kTimeNanos, static_cast<uint64_t>(profile.time_nanos));
    out.VarintIfNonZero(kDurationNanos, static_cast<uint64_t>(profile.duration_nanos));
    if (!profile.period_type.type.empty()) {
      out.Message(kPeriodType, EncodeValueType(profile.period_type));
    }
    out.VarintIfNonZero(kPeriod, static_cast<uint64_t>(profile.period));
    std::vector<uint64_t> comments;
    for (const std::string& comment : profile.comments) comments.push_back(StringIndex(comment));
    for (uint64_t comment : comments) out.Varint(kComment, comment);
    // The string table last: every other field has interned its strings by now.
    for (const std::string& text : strings_) out.Bytes(kStringTable, text);
    return out.bytes();
  }

 private:
  uint64_t StringIndex(const std::string& text) {
    auto [it, inserted] = string_index_.try_emplace(text, strings_.size());
    if (inserted) strings_.push_back(text);
    return it->second;
  }

  ProtoWriter EncodeValueType(const ValueType& type) {
    ProtoWriter message;
    message.Varint(1, StringIndex(type.type));
    message.Varint(2, StringIndex(type.unit));
    return message;
  }

  ProtoWriter EncodeSample(const ProfileSample& sample) {
    std::vector<uint64_t> location_ids;
    for (uint64_t address : sample.stack) location_ids.push_back(LocationOf(address));
    if (sample.stack.empty() && !sample.pseudo_frame.empty()) {
      location_ids.push_back(PseudoLocation(sample.pseudo_frame));
    }
    std::vector<uint64_t> values(sample.values.begin(), sample.values.end());
    ProtoWriter message;
    message.PackedVarints(1, location_ids);
    message.PackedVarints(2, values);
    for (const auto& [key, value] : sample.labels) {
      ProtoWriter label;
      label.Varint(1, StringIndex(key));
      label.Varint(2, StringIndex(value));
      message.Message(3, label);
    }
    return message;
  }

  ProtoWriter EncodeMapping(std::size_t index) {
    const profiling_internal::CodeMapping& mapping = symbolizer_.mappings()[index];
    ProtoWriter message;
    message.Varint(1, index + 1);
    message.Varint(2, mapping.start);
    message.Varint(3, mapping.limit);
    message.Varint(4, mapping.file_offset);
    message.Varint(5, StringIndex(mapping.file));
    message.Varint(6, StringIndex(mapping.build_id));
    message.Varint(7, 1);  // has_functions
    return message;
  }

  uint64_t FunctionOf(const std::string& name) {
    auto [it, inserted] = function_ids_.try_emplace(name, functions_.size() + 1);
    if (inserted) {
      ProtoWriter function;
      function.Varint(1, it->second);
      function.Varint(2, StringIndex(name));
      function.Varint(3, StringIndex(name));
      functions_.push_back(std::move(function));
    }
    return it->second;
  }

  uint64_t AddLocation(uint64_t address, int mapping_index, uint64_t function_id) {
    const uint64_t id = locations_.size() + 1;
    ProtoWriter line;
    line.Varint(1, function_id);
    ProtoWriter location;
    location.Varint(1, id);
    location.VarintIfNonZero(2, static_cast<uint64_t>(mapping_index + 1));  // 0: none
    location.VarintIfNonZero(3, address);
    location.Message(4, line);
    locations_.push_back(std::move(location));
    return id;
  }

  uint64_t LocationOf(uint64_t address) {
    auto it = location_ids_.find(address);
    if (it != location_ids_.end()) return it->second;
    const uint64_t function_id = FunctionOf(symbolizer_.FunctionName(address));
    const uint64_t id = AddLocation(address, symbolizer_.MappingOf(address), function_id);
    location_ids_.emplace(address, id);
    return id;
  }

  uint64_t PseudoLocation(const std::string& name) {
    auto it = pseudo_location_ids_.find(name);
    if (it != pseudo_location_ids_.end()) return it->second;
    const uint64_t id = AddLocation(0, -1, FunctionOf(name));
    pseudo_location_ids_.emplace(name, id);
    return id;
  }

  profiling_internal::Symbolizer symbolizer_;
  std::vector<std::string> strings_;
  absl::flat_hash_map<std::string, uint64_t> string_index_;
  std::vector<ProtoWriter> locations_;
  absl::flat_hash_map<uint64_t, uint64_t> location_ids_;
  absl::flat_hash_map<std::string, uint64_t> pseudo_location_ids_;
  std::vector<ProtoWriter> functions_;
  absl::flat_hash_map<std::string, uint64_t> function_ids_;
};

}  // namespace

std::string EncodeProfileProto(const Profile& profile) { return ProfileEncoder().Encode(profile); }

absl::StatusOr<std::string> EncodePprof(const Profile& profile) {
  return profiling_internal::Gzip(EncodeProfileProto(profile));
}

}  // namespace troupe::profiling
