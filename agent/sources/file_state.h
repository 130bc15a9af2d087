// What the file_watch source (file_watch.h) knows of one file: existence, size, times,
// inode, owner, mode and a SHA-256 of its content; how two observations differ; and the
// text form of the baseline kept across agent restarts. The content itself is never
// kept or shown (pg_hba.conf and sqlnet.ora may hold secrets): only its hash.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vigil::agent {

struct FileState {
  bool exists = false;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  uint64_t inode = 0;
  uint32_t mode = 0;  // permission bits and set-id bits (st_mode & 07777)
  uint32_t uid = 0;
  uint32_t gid = 0;
  // Lower-case hex SHA-256; empty when not hashed (hashing off, too large, unreadable).
  std::string sha256;
  bool auto_discovered = false;  // found from a running database, not configured

  // Whether the content may differ from `other`'s without hashing: size, mtime, ctime or
  // inode differ (an editor that writes a new file and renames it changes the inode).
  bool MayHaveNewContent(const FileState& other) const {
    return size != other.size || mtime_ns != other.mtime_ns || ctime_ns != other.ctime_ns ||
           inode != other.inode;
  }
};

// stat(2)s `path`; a missing file is a state with exists = false, other failures an
// error. Does not hash.
absl::StatusOr<FileState> StatFile(const std::string& path);

// The SHA-256 of the file at `path`, read in blocks; fails if it cannot be read or when
// `stopping` is set.
absl::StatusOr<std::string> Sha256OfFile(const std::string& path,
                                         const std::atomic<bool>* stopping = nullptr);

// What changed from `before` to `after`: "appeared", "disappeared", "content", "mode",
// "owner" (in that order), and a message with the old and new values (hash prefixes,
// never content). With `compare_content` false only existence, mode and owner count.
struct FileChange {
  std::vector<std::string> changes;  // empty: no change
  std::string message;
};
FileChange CompareFileStates(const std::string& path, const FileState& before,
                             const FileState& after, bool compare_content);

// The change kinds, for counters that exist before the first change.
inline constexpr absl::string_view kFileChangeKinds[] = {"appeared", "disappeared", "content",
                                                         "mode", "owner"};

// The baseline file: a version line, then one line per file. Unparseable lines are
// skipped (a damaged baseline loses those files' history, nothing else).
std::string FormatFileStates(const std::map<std::string, FileState>& states);
std::map<std::string, FileState> ParseFileStates(absl::string_view text);

}  // namespace vigil::agent
