// The "meminfo" source: <proc_root>/meminfo, with node_exporter's metric names.
//
//   node_memory_<Key>_bytes   for lines in kB (value * 1024), e.g. node_memory_MemAvailable_bytes
//   node_memory_<Key>         for unit-less lines, e.g. node_memory_HugePages_Total
//
// Keys are normalised as node_exporter does: "Active(anon)" -> "Active_anon".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/sources/skipped_lines.h"
#include "agent/sources/source.h"

namespace vigil::agent {

struct MeminfoEntry {
  std::string key;        // normalised: "Active_anon"
  uint64_t value = 0;     // bytes if in_bytes, else the number as printed
  bool in_bytes = false;  // the kernel printed "kB"
};

struct Meminfo {
  std::vector<MeminfoEntry> entries;  // in file order
  SkippedLines skipped;

  // The entry with this normalised key, if present.
  std::optional<uint64_t> Get(absl::string_view key) const;
};

// "Active(anon)" -> "Active_anon": '(' becomes '_' and ')' is dropped.
std::string NormalizeMeminfoKey(absl::string_view key);

// Parses the content of /proc/meminfo ("Key:   123 kB" per line). Malformed lines are
// skipped and counted; fails ("line N: ...") only if no line could be parsed.
absl::StatusOr<Meminfo> ParseMeminfo(absl::string_view text);

absl::StatusOr<std::unique_ptr<Source>> CreateMeminfoSource(const SourceOptions& options);

}  // namespace vigil::agent
