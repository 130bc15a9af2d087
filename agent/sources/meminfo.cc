#include "agent/sources/meminfo.h"

#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agent/sources/proc_file.h"
#include "common/file.h"
#include "common/log.h"

namespace vigil::agent {
namespace {

// Parses one line into *entry. Returns an error message, empty on success.
std::string ParseLine(absl::string_view line, MeminfoEntry* entry) {
  const size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return "no ':'";
  const absl::string_view key = absl::StripAsciiWhitespace(line.substr(0, colon));
  if (key.empty()) return "empty key";
  const std::vector<absl::string_view> fields =
      absl::StrSplit(line.substr(colon + 1), absl::ByAnyChar(" \t"), absl::SkipEmpty());
  if (fields.empty() || fields.size() > 2) {
    return absl::StrCat("expected \"", key, ": <number> [kB]\"");
  }
  uint64_t value = 0;
  if (!absl::SimpleAtoi(fields[0], &value)) return absl::StrCat("bad number \"", fields[0], "\"");
  entry->key = NormalizeMeminfoKey(key);
  entry->in_bytes = fields.size() == 2;
  if (entry->in_bytes) {
    if (fields[1] != "kB") return absl::StrCat("unknown unit \"", fields[1], "\"");
    if (value > std::numeric_limits<uint64_t>::max() / 1024) return "value out of range";
    value *= 1024;
  }
  entry->value = value;
  return "";
}

class MeminfoSource : public Source {
 public:
  explicit MeminfoSource(std::string path) : file_(std::move(path)) {}

  absl::string_view name() const override { return "meminfo"; }

  absl::Status Collect(const TickContext& /*tick*/, SampleSink& sink) override {
    absl::StatusOr<Meminfo> meminfo = file_.ReadAndParse(ParseMeminfo);
    if (!meminfo.ok()) return meminfo.status();
    std::string metric;
    for (const MeminfoEntry& entry : meminfo->entries) {
      metric = absl::StrCat("node_memory_", entry.key, entry.in_bytes ? "_bytes" : "");
      sink.Add(metric, {}, static_cast<double>(entry.value));
    }
    return absl::OkStatus();
  }

 private:
  ProcFile file_;
};

}  // namespace

std::optional<uint64_t> Meminfo::Get(absl::string_view key) const {
  for (const MeminfoEntry& entry : entries) {
    if (entry.key == key) return entry.value;
  }
  return std::nullopt;
}

std::string NormalizeMeminfoKey(absl::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '(') {
      out.push_back('_');
    } else if (c != ')') {
      out.push_back(c);
    }
  }
  return out;
}

absl::StatusOr<Meminfo> ParseMeminfo(absl::string_view text) {
  Meminfo meminfo;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    MeminfoEntry entry;
    const std::string error = ParseLine(line, &entry);
    if (error.empty()) {
      meminfo.entries.push_back(std::move(entry));
    } else {
      meminfo.skipped.Add(line_number, error);
    }
  }
  if (meminfo.entries.empty()) {
    if (meminfo.skipped.count > 0) return absl::InvalidArgumentError(meminfo.skipped.first);
    return absl::InvalidArgumentError("no entries");
  }
  return meminfo;
}

absl::StatusOr<std::unique_ptr<Source>> CreateMeminfoSource(const SourceOptions& options) {
  return std::make_unique<MeminfoSource>(absl::StrCat(options.proc_root, "/meminfo"));
}

}  // namespace vigil::agent
