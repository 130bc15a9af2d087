// Parses a Prometheus series selector into label matchers:
//   node_load1
//   node_cpu_seconds_total{mode="idle",cpu=~"0|1"}
//   {__name__=~"node_disk_.*",device!~"loop.*"}
// Strings may be quoted with ", ' or ` and use \\ \" \' \n \t escapes (not in `...`).
// Errors name the 1-based position in the text.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "collector/storage/label_matcher.h"

namespace vigil::query {

absl::StatusOr<std::vector<storage::LabelMatcher>> ParseSelector(absl::string_view text);

}  // namespace vigil::query
