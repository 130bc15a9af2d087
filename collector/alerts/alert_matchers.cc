#include "collector/alerts/alert_matchers.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "collector/query/selector.h"

namespace vigil::alerts {

absl::StatusOr<std::vector<storage::LabelMatcher>> ParseAlertMatchers(absl::string_view text) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  if (trimmed.empty()) {
    return absl::InvalidArgumentError(
        "no matchers: give at least one, e.g. {instance=\"his-db1\"}");
  }
  // Without braces and with an operator before any brace, it is a bare matcher list.
  const size_t brace = trimmed.find('{');
  const size_t op = trimmed.find_first_of("=!");
  std::string selector(trimmed);
  if (op != absl::string_view::npos && (brace == absl::string_view::npos || op < brace)) {
    selector = absl::StrCat("{", trimmed, "}");
  }
  absl::StatusOr<std::vector<storage::LabelMatcher>> parsed = query::ParseSelector(selector);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("matchers \"", trimmed, "\": ", parsed.status().message()));
  }
  std::vector<storage::LabelMatcher> matchers;
  for (storage::LabelMatcher& m : *parsed) {
    if (m.name() != kMetricNameLabel) {
      matchers.push_back(std::move(m));
      continue;
    }
    absl::StatusOr<storage::LabelMatcher> renamed =
        storage::LabelMatcher::Create(m.type(), std::string(kAlertNameLabel), m.value());
    if (!renamed.ok()) return renamed.status();
    matchers.push_back(*std::move(renamed));
  }
  return matchers;
}

bool MatchesAll(const std::vector<storage::LabelMatcher>& matchers, const LabelSet& labels) {
  for (const storage::LabelMatcher& m : matchers) {
    if (!m.Matches(labels.Get(m.name()))) return false;
  }
  return true;
}

}  // namespace vigil::alerts
