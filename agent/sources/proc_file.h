// A kernel file that a source reads and parses every tick (/proc/stat, /proc/meminfo,
// ...): the read buffer is reused, every error names the path, and lines the parser
// skipped are logged once rather than every second.
//
// Parsed structs that may skip lines expose `SkippedLines skipped`
// ("line N: reason"); others (Loadavg) need not.
//
// Not thread-safe; owned by one source.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "common/log.h"

namespace vigil::agent {

class ProcFile {
 public:
  explicit ProcFile(std::string path) : path_(std::move(path)) {}

  const std::string& path() const { return path_; }

  template <typename Parsed>
  absl::StatusOr<Parsed> ReadAndParse(absl::StatusOr<Parsed> (*parse)(absl::string_view)) {
    absl::Status read = ReadFileInto(path_, &buffer_);
    if (!read.ok()) return read;
    absl::StatusOr<Parsed> parsed = parse(buffer_);
    if (!parsed.ok()) {
      return absl::Status(parsed.status().code(),
                          absl::StrCat(path_, " ", parsed.status().message()));
    }
    if constexpr (requires { parsed->skipped; }) {
      if (parsed->skipped.count > 0 && !warned_) {
        warned_ = true;
        LogWarning(path_, ": skipped ", parsed->skipped.count,
                   " malformed lines, first: ", parsed->skipped.first);
      }
    }
    return parsed;
  }

 private:
  const std::string path_;
  std::string buffer_;
  bool warned_ = false;
};

}  // namespace vigil::agent
