#include "troupe/profiling/internal/symbolizer.h"

#include <elf.h>
#include <link.h>
#include <unistd.h>

#include <climits>

#include "absl/debugging/symbolize.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace troupe::profiling_internal {

namespace {

std::string ExecutablePath() {
  char path[PATH_MAX];
  const ssize_t length = readlink("/proc/self/exe", path, sizeof(path) - 1);
  return length > 0 ? std::string(path, static_cast<std::size_t>(length)) : std::string();
}

// The NT_GNU_BUILD_ID note of a loaded object, as hex, or "".
std::string BuildIdOf(const dl_phdr_info& object) {
  for (int i = 0; i < object.dlpi_phnum; ++i) {
    const ElfW(Phdr)& header = object.dlpi_phdr[i];
    if (header.p_type != PT_NOTE) continue;
    const char* note = reinterpret_cast<const char*>(object.dlpi_addr + header.p_vaddr);
    const char* const end = note + header.p_memsz;
    while (note + sizeof(ElfW(Nhdr)) <= end) {
      const auto* note_header = reinterpret_cast<const ElfW(Nhdr)*>(note);
      const char* name = note + sizeof(ElfW(Nhdr));
      const char* desc = name + ((note_header->n_namesz + 3) & ~3u);
      if (note_header->n_type == NT_GNU_BUILD_ID && note_header->n_namesz == 4 &&
          std::string_view(name, 3) == "GNU" && desc + note_header->n_descsz <= end) {
        std::string hex;
        for (uint32_t b = 0; b < note_header->n_descsz; ++b) {
          absl::StrAppendFormat(&hex, "%02x", static_cast<unsigned char>(desc[b]));
        }
        return hex;
      }
      note = desc + ((note_header->n_descsz + 3) & ~3u);
    }
  }
  return "";
}

int CollectMappings(dl_phdr_info* object, std::size_t, void* raw_mappings) {
  auto* mappings = static_cast<std::vector<CodeMapping>*>(raw_mappings);
  std::string file = object->dlpi_name != nullptr ? object->dlpi_name : "";
  if (file.empty()) file = mappings->empty() ? ExecutablePath() : "";  // the main program
  if (file.find("linux-vdso") != std::string::npos) file = "[vdso]";  // Go's name for it
  if (file.empty()) return 0;
  const std::string build_id = BuildIdOf(*object);
  for (int i = 0; i < object->dlpi_phnum; ++i) {
    const ElfW(Phdr)& header = object->dlpi_phdr[i];
    if (header.p_type != PT_LOAD || (header.p_flags & PF_X) == 0) continue;
    CodeMapping mapping;
    mapping.start = object->dlpi_addr + header.p_vaddr;
    mapping.limit = mapping.start + header.p_memsz;
    mapping.file_offset = header.p_offset;
    mapping.file = file;
    mapping.build_id = build_id;
    mappings->push_back(std::move(mapping));
  }
  return 0;
}

}  // namespace

Symbolizer::Symbolizer() { dl_iterate_phdr(&CollectMappings, &mappings_); }

int Symbolizer::MappingOf(uint64_t address) const {
  for (std::size_t i = 0; i < mappings_.size(); ++i) {
    if (address >= mappings_[i].start && address < mappings_[i].limit) return static_cast<int>(i);
  }
  return -1;
}

const std::string& Symbolizer::FunctionName(uint64_t address) {
  auto [it, inserted] = names_.try_emplace(address);
  if (inserted) {
    char name[1024];
    if (absl::Symbolize(reinterpret_cast<const void*>(address), name, sizeof(name))) {
      it->second = name;
    } else {
      it->second = absl::StrFormat("0x%x", address);
    }
  }
  return it->second;
}

}  // namespace troupe::profiling_internal
