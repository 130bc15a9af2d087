#include "collector/status_line.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace vigil::collector {

StatusLine::StatusLine(std::string address, uint64_t samples_stored, absl::Time now)
    : address_(std::move(address)), samples_(samples_stored), at_(now) {}

std::string StatusLine::Update(absl::Time now, size_t connected_agents, uint64_t samples_stored,
                               uint64_t audit_write_errors) {
  const double seconds = absl::ToDoubleSeconds(now - at_);
  const double rate =
      seconds > 0 && samples_stored >= samples_ ? (samples_stored - samples_) / seconds : 0;
  samples_ = samples_stored;
  at_ = now;
  std::string line =
      absl::StrCat("listening on ", address_, "; ", connected_agents,
                   connected_agents == 1 ? " agent" : " agents", " connected; ",
                   absl::StrFormat(rate < 10 ? "%.1f" : "%.0f", rate), " samples/s stored");
  if (audit_write_errors > 0) {
    absl::StrAppend(&line, "; ", audit_write_errors, " audit log write error",
                    audit_write_errors == 1 ? "" : "s");
  }
  return line;
}

}  // namespace vigil::collector
