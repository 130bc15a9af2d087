// Loading alert rule files (rule.h for the model): Prometheus' rule-file YAML with
// Vigil's additions, validated entirely at load so that a rule that loads also
// evaluates: unknown keys (a typo is an error, never a silently ignored field), PromQL
// that parses and yields an instant vector (`expr` and `clear`), durations (`for`,
// `keep_firing_for`, `interval`, `host_silent`) in PromQL's syntax, the severity
// (`severity:` and `labels.severity` agree when both are given; it always ends up in
// the labels), label names, templates (label values and annotations), exactly one of
// `expr` and `host_silent`, no `clear` with `host_silent`, `inhibit_equal` label names.
// Recording rules (`record:`) are refused: Vigil evaluates alerting rules only.
// Group-level `labels:` (Prometheus 3) are merged into each rule's (the rule's win).
//
// Every error reads `file:line: group "G", rule "R": field: reason`; all errors of a
// file are reported, one per line, in one kInvalidArgument status.
//
// Thread-safe (no shared state).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "collector/alerts/rule.h"

namespace vigil::alerts {

// Parses one rule file's text; `file_name` is used in messages and in the rules.
absl::StatusOr<std::vector<RuleGroup>> ParseRuleFile(absl::string_view yaml,
                                                     const std::string& file_name);

// Loads every file named by `paths_or_globs` in order (a pattern with * ? or [ is
// expanded with glob(3), sorted; one that matches nothing is not an error, a literal
// path that does not exist is). A file named twice is loaded once. Group names must be
// unique within a file; alert names need not be unique. All files' errors are reported.
absl::StatusOr<RuleSet> LoadRuleFiles(const std::vector<std::string>& paths_or_globs);

// The files `paths_or_globs` names, as LoadRuleFiles expands them.
absl::StatusOr<std::vector<std::string>> ExpandRuleFilePaths(
    const std::vector<std::string>& paths_or_globs);

}  // namespace vigil::alerts
