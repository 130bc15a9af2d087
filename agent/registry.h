// The explicit list of every source the agent knows, selected by name from config.
#pragma once

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/sources/source.h"

namespace vigil::agent {

struct SourceInfo {
  absl::string_view name;
  absl::string_view description;
  absl::StatusOr<std::unique_ptr<Source>> (*create)(const SourceOptions& options);
};

// All known sources, in a stable order.
const std::vector<SourceInfo>& AllSources();

// Creates the named source; an error names the unknown source and lists the known ones.
absl::StatusOr<std::unique_ptr<Source>> CreateSource(absl::string_view name,
                                                     const SourceOptions& options);

}  // namespace vigil::agent
