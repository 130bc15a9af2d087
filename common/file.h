// Whole-file reads and atomic writes. Errors name the path and the errno text.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vigil {

// Reads the whole file at `path` (works for /proc files, whose stat size is 0).
// Fails with kNotFound if absent, kPermissionDenied if unreadable, kResourceExhausted
// if it is larger than `max_bytes`.
absl::StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes = 64 << 20);

// Reads into `*out`, reusing its capacity (for per-tick /proc reads).
absl::Status ReadFileInto(const std::string& path, std::string* out, size_t max_bytes = 64 << 20);

// Reads from `fd`'s current offset to the end into `*out`; `path` names it in errors.
absl::Status ReadFdInto(int fd, const std::string& path, std::string* out,
                        size_t max_bytes = 64 << 20);

// Writes `data` to a temporary file beside `path`, fsyncs it and renames it over
// `path`, so readers see the old or the new content, never a torn one.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view data, int mode = 0644);

// Maps an errno to an absl::Status whose message starts with `context`.
absl::Status ErrnoStatus(int err, absl::string_view context);

}  // namespace vigil
