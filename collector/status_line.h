// The one line of state `systemctl status vigil-collector` shows (sd_notify STATUS=):
// "listening on 0.0.0.0:7070; 12 agents connected; 6012 samples/s stored".
//
// Not thread-safe: one owner (the collector's signal-handling thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace vigil::collector {

class StatusLine {
 public:
  // `samples_stored` and `now`: the storage counter and the time the rate starts from.
  StatusLine(std::string address, uint64_t samples_stored, absl::Time now);

  // The line, with the rate of stored samples since the previous call (or construction),
  // and the audit log's write errors when there were any.
  std::string Update(absl::Time now, size_t connected_agents, uint64_t samples_stored,
                     uint64_t audit_write_errors = 0);

 private:
  const std::string address_;
  uint64_t samples_ = 0;
  absl::Time at_;
};

}  // namespace vigil::collector
