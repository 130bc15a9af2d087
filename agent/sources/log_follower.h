// Follows one log file like `tail -F`: hands over the complete lines appended to it, and
// keeps following it when it is rotated (renamed and recreated, copied and truncated,
// deleted and recreated later) or missing at first.
//
// Why: the Oracle alert and listener logs and the auth log are files that grow, rotate
// and must be read without losing or repeating lines across agent restarts.
//
// Behaviour:
//  - Only complete lines are handed over; a half-written last line waits for its '\n'.
//    A line longer than max_line_bytes is cut (its first max_line_bytes are handed
//    over, the rest skipped) and counted.
//  - Each Poll() reads at most max_bytes_per_poll bytes, so a huge backlog cannot
//    stall the sampling thread; the rest is read by the next polls.
//  - On a file never seen before (no saved position), reading starts at its end: years
//    of history are not replayed. A file that appears after the follower started (or
//    after a rotation) is new, and is read from its beginning.
//  - Rotation: when the path names another file (device, inode) than the one open, the
//    rest of the open (old) file is read first, then the new one from its start. When
//    the file shrinks below the read offset (copytruncate), reading restarts at 0.
//  - Position: (path, device, inode, offset) is kept in `state_file`. It is saved at the
//    start of the next Poll() (at most every save_interval) and on destruction, i.e.
//    after the lines of the previous poll were handed to the caller and the agent has
//    pushed that tick's batch. After a restart, reading resumes at the saved offset (from 0
//    if the bytes before it changed: truncated and rewritten while stopped); if
//    the path now names another file, the old one is looked for beside it by its inode
//    (logrotate's alert.log.1, listener.log-20261123) and its rest is read first.
//    Guarantee: lines are handed over at least once; after a crash (not a clean stop) the
//    lines of at most the last save_interval may be handed over again. Lines written to a
//    rotated file that was also moved away from the log's directory (or deleted) while
//    the agent was stopped are lost.
//
// Thread-safety: none; one owner (a source, on the sampling thread).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace vigil::agent {

// The position file of log `name` of source `source`: <state_dir>/log-positions/
// <source>[-<name>].pos, with any character of `name` that is not a letter, digit, '_',
// '-' or '+' replaced by '_' (a SID or listener name must not make a path).
std::string LogPositionFile(const std::string& state_dir, absl::string_view source,
                            absl::string_view name = "");

struct LogFollowerOptions {
  std::string path;
  // Where the read position is remembered across restarts; "" = not remembered.
  std::string state_file;
  size_t max_bytes_per_poll = 1 << 20;
  size_t max_line_bytes = 16 << 10;
  absl::Duration save_interval = absl::Seconds(5);
};

// What the follower has done since it was created.
struct LogFollowerStats {
  uint64_t lines = 0;            // handed over
  uint64_t bytes = 0;            // consumed, including newlines and skipped parts
  uint64_t lines_truncated = 0;  // cut at max_line_bytes
  uint64_t rotations = 0;        // switched to a new file at the path
  uint64_t truncations = 0;      // the file shrank below the read offset
};

class LogFollower {
 public:
  explicit LogFollower(LogFollowerOptions options);
  ~LogFollower();  // saves the position
  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;

  // Hands the complete lines appended since the last poll (without '\n' and a trailing
  // '\r') to `on_line`, up to max_bytes_per_poll. A missing file is not an error
  // (found() is false); an unreadable one is.
  absl::Status Poll(absl::Time now, absl::FunctionRef<void(absl::string_view line)> on_line);

  // Follows another path from now on (auto-discovery found a new location). The file at
  // the new path is read from its end unless the saved position names it.
  void SetPath(const std::string& path);

  // Writes the position now (if it changed since the last save).
  absl::Status SavePosition();

  const std::string& path() const { return options_.path; }
  bool found() const { return found_; }
  // More is left to read than the last poll's budget allowed.
  bool behind() const { return behind_; }
  const LogFollowerStats& stats() const { return stats_; }

 private:
  struct Position {
    dev_t dev = 0;
    ino_t ino = 0;
    uint64_t offset = 0;
    bool skipping = false;  // inside the cut-off rest of an over-long line
  };
  // The kLogTailBytes before pos_.offset in the open file.
  std::string TailBeforeOffset();

  void Close();
  // Opens the path; `from_end` positions at its end. False if it does not exist.
  absl::Status OpenPath(bool from_end, bool* opened);
  // Restores the saved position on the first poll.
  absl::Status Restore();
  // Reads lines from the open file up to `*budget`; `*at_end` when EOF was reached.
  absl::Status ReadLines(size_t* budget, bool* at_end,
                         absl::FunctionRef<void(absl::string_view)> on_line);
  void HandLine(absl::string_view line, absl::FunctionRef<void(absl::string_view)> on_line);

  LogFollowerOptions options_;
  int fd_ = -1;
  Position pos_;
  bool restored_ = false;
  bool found_ = false;
  bool behind_ = false;
  bool saved_valid_ = false;
  Position saved_;
  std::string saved_path_;
  absl::Time last_save_ = absl::InfinitePast();
  std::string chunk_;
  LogFollowerStats stats_;
};

// The state file's content, and its parse (exposed for tests).
// `tail` is up to kLogTailBytes of the file before `offset`: on restore, a file that
// was truncated and rewritten past the offset while the agent was stopped is recognised
// because those bytes differ.
inline constexpr size_t kLogTailBytes = 32;
std::string FormatLogPosition(const std::string& path, dev_t dev, ino_t ino, uint64_t offset,
                              bool skipping, absl::string_view tail);
bool ParseLogPosition(absl::string_view text, std::string* path, dev_t* dev, ino_t* ino,
                      uint64_t* offset, bool* skipping, std::string* tail);

}  // namespace vigil::agent
