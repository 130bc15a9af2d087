// Label matchers over an alert's labels, as written in silences and maintenance
// windows: a Prometheus selector `{instance=~"his-db.*",severity="critical"}`. The
// braces may be left out (`instance=~"his-db.*"`), and a leading name selects the
// alert rule: `HisDbDown{instance="db1"}` is `{alertname="HisDbDown",instance="db1"}`.
//
// Pure functions; thread-safe.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "collector/storage/label_matcher.h"
#include "common/labels.h"

namespace vigil::alerts {

inline constexpr absl::string_view kAlertNameLabel = "alertname";

// Errors name the position in the text. An empty text is an error.
absl::StatusOr<std::vector<storage::LabelMatcher>> ParseAlertMatchers(absl::string_view text);

// True if every matcher matches `labels` (a missing label has the value "").
bool MatchesAll(const std::vector<storage::LabelMatcher>& matchers, const LabelSet& labels);

}  // namespace vigil::alerts
