#include "troupe/tests/profiling/profile_reader.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "troupe/profiling/internal/gzip.h"

namespace troupe::profiling_test {

namespace {

// One field of a message: a varint, or length-delimited bytes.
struct Field {
  int number = 0;
  int wire_type = 0;
  uint64_t varint = 0;
  absl::string_view bytes;
};

bool ReadVarint(absl::string_view& in, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const uint8_t byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    *value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

absl::StatusOr<std::vector<Field>> ReadFields(absl::string_view in) {
  std::vector<Field> fields;
  while (!in.empty()) {
    uint64_t tag;
    if (!ReadVarint(in, &tag)) return absl::InvalidArgumentError("truncated tag");
    Field field;
    field.number = static_cast<int>(tag >> 3);
    field.wire_type = static_cast<int>(tag & 7);
    if (field.wire_type == 0) {
      if (!ReadVarint(in, &field.varint)) return absl::InvalidArgumentError("truncated varint");
    } else if (field.wire_type == 2) {
      uint64_t length;
      if (!ReadVarint(in, &length) || length > in.size()) {
        return absl::InvalidArgumentError(absl::StrCat("truncated field ", field.number));
      }
      field.bytes = in.substr(0, length);
      in.remove_prefix(length);
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unexpected wire type ", field.wire_type));
    }
    fields.push_back(field);
  }
  return fields;
}

// A repeated integer field, packed or not.
absl::Status AppendIntegers(const Field& field, std::vector<uint64_t>* out) {
  if (field.wire_type == 0) {
    out->push_back(field.varint);
    return absl::OkStatus();
  }
  absl::string_view packed = field.bytes;
  while (!packed.empty()) {
    uint64_t value;
    if (!ReadVarint(packed, &value)) return absl::InvalidArgumentError("truncated packed field");
    out->push_back(value);
  }
  return absl::OkStatus();
}

#define TROUPE_ASSIGN_FIELDS(fields, bytes)                      \
  absl::StatusOr<std::vector<Field>> fields##_or = ReadFields(bytes); \
  if (!fields##_or.ok()) return fields##_or.status();             \
  const std::vector<Field>& fields = *fields##_or

}  // namespace

bool ReadSample::HasFunctionContaining(absl::string_view part) const {
  for (const std::string& function : functions) {
    if (absl::StrContains(function, part)) return true;
  }
  return false;
}

absl::StatusOr<ReadProfile> ParseProfile(absl::string_view bytes) {
  std::string unzipped;
  if (bytes.size() >= 2 && static_cast<uint8_t>(bytes[0]) == 0x1f &&
      static_cast<uint8_t>(bytes[1]) == 0x8b) {
    absl::StatusOr<std::string> gunzipped = profiling_internal::Gunzip(bytes);
    if (!gunzipped.ok()) return gunzipped.status();
    unzipped = *std::move(gunzipped);
    bytes = unzipped;
  }
  TROUPE_ASSIGN_FIELDS(top, bytes);
  ReadProfile profile;
  for (const Field& field : top) {
    if (field.number == 6) profile.string_table.emplace_back(field.bytes);
  }
  if (profile.string_table.empty() || !profile.string_table[0].empty()) {
    return absl::InvalidArgumentError("string_table[0] must be \"\"");
  }
  auto str = [&](uint64_t index, std::string* out) -> absl::Status {
    if (index >= profile.string_table.size()) {
      return absl::InvalidArgumentError(absl::StrCat("string index ", index, " out of range"));
    }
    *out = profile.string_table[index];
    return absl::OkStatus();
  };
  auto value_type = [&](absl::string_view message,
                        std::pair<std::string, std::string>* out) -> absl::Status {
    TROUPE_ASSIGN_FIELDS(fields, message);
    for (const Field& field : fields) {
      absl::Status status = field.number == 1   ? str(field.varint, &out->first)
                            : field.number == 2 ? str(field.varint, &out->second)
                                                : absl::OkStatus();
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  };
  std::map<uint64_t, std::string> function_names;  // by function id
  std::map<uint64_t, std::vector<uint64_t>> location_functions;  // by location id
  for (const Field& field : top) {
    if (field.number == 5) {
      TROUPE_ASSIGN_FIELDS(fields, field.bytes);
      uint64_t id = 0;
      std::string name;
      for (const Field& f : fields) {
        if (f.number == 1) id = f.varint;
        if (f.number == 2) {
          if (absl::Status s = str(f.varint, &name); !s.ok()) return s;
        }
      }
      function_names[id] = name;
    } else if (field.number == 4) {
      TROUPE_ASSIGN_FIELDS(fields, field.bytes);
      uint64_t id = 0;
      std::vector<uint64_t> functions;
      for (const Field& f : fields) {
        if (f.number == 1) id = f.varint;
        if (f.number == 4) {
          TROUPE_ASSIGN_FIELDS(line, f.bytes);
          for (const Field& l : line) {
            if (l.number == 1) functions.push_back(l.varint);
          }
        }
      }
      location_functions[id] = functions;
    } else if (field.number == 3) {
      TROUPE_ASSIGN_FIELDS(fields, field.bytes);
      for (const Field& f : fields) {
        if (f.number == 5) {
          std::string file;
          if (absl::Status s = str(f.varint, &file); !s.ok()) return s;
          profile.mapping_files.push_back(file);
        }
      }
    } else if (field.number == 1) {
      profile.sample_types.emplace_back();
      if (absl::Status s = value_type(field.bytes, &profile.sample_types.back()); !s.ok()) return s;
    } else if (field.number == 11) {
      if (absl::Status s = value_type(field.bytes, &profile.period_type); !s.ok()) return s;
    } else if (field.number == 12) {
      profile.period = static_cast<int64_t>(field.varint);
    } else if (field.number == 10) {
      profile.duration_nanos = static_cast<int64_t>(field.varint);
    } else if (field.number == 13) {
      std::string comment;
      if (absl::Status s = str(field.varint, &comment); !s.ok()) return s;
      profile.comments.push_back(comment);
    }
  }
  for (const Field& field : top) {
    if (field.number != 2) continue;
    TROUPE_ASSIGN_FIELDS(fields, field.bytes);
    ReadSample sample;
    std::vector<uint64_t> location_ids;
    std::vector<uint64_t> values;
    for (const Field& f : fields) {
      absl::Status status = absl::OkStatus();
      if (f.number == 1) status = AppendIntegers(f, &location_ids);
      if (f.number == 2) status = AppendIntegers(f, &values);
      if (f.number == 3) {
        TROUPE_ASSIGN_FIELDS(label, f.bytes);
        std::string key, text;
        for (const Field& l : label) {
          if (l.number == 1) status.Update(str(l.varint, &key));
          if (l.number == 2) status.Update(str(l.varint, &text));
        }
        sample.labels[key] = text;
      }
      if (!status.ok()) return status;
    }
    for (uint64_t location : location_ids) {
      auto it = location_functions.find(location);
      if (it == location_functions.end()) {
        return absl::InvalidArgumentError(absl::StrCat("sample names location ", location,
                                                       ", which does not exist"));
      }
      for (uint64_t function : it->second) {
        auto name = function_names.find(function);
        if (name == function_names.end()) {
          return absl::InvalidArgumentError(absl::StrCat("location ", location, " names function ",
                                                         function, ", which does not exist"));
        }
        sample.functions.push_back(name->second);
      }
    }
    for (uint64_t value : values) sample.values.push_back(static_cast<int64_t>(value));
    if (sample.values.size() != profile.sample_types.size()) {
      return absl::InvalidArgumentError(absl::StrCat("a sample has ", sample.values.size(),
                                                     " values for ", profile.sample_types.size(),
                                                     " sample types"));
    }
    profile.samples.push_back(std::move(sample));
  }
  return profile;
}

absl::StatusOr<ReadProfile> EncodeAndParse(const profiling::Profile& profile) {
  absl::StatusOr<std::string> encoded = profiling::EncodePprof(profile);
  if (!encoded.ok()) return encoded.status();
  return ParseProfile(*encoded);
}

}  // namespace troupe::profiling_test
