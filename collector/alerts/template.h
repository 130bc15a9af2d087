// Alert templates: the text of an annotation or a label value of a rule, with the
// subset of Go's text/template that Prometheus rule annotations use in practice:
//
//   literal text                     "Disk {{ $labels.mountpoint }} on {{ $labels.instance }}"
//   {{ $labels.NAME }}, {{ .Labels.NAME }}   a label of the alert ("" when absent)
//   {{ $value }}, {{ .Value }}       the expression's value, printed as Go's fmt %v
//                                    prints a float64 (Prometheus' output): 95, 0.5,
//                                    1e+06, 1.5e-05, NaN, +Inf, -Inf
//   {{ "text" }}, {{ `text` }}       a string literal
//   pipes and calls:                 {{ $value | humanize }}, {{ humanize $value }},
//                                    {{ $value | printf "%.1f" }}, {{ printf "%.1f" $value }}
//     humanize            SI prefixes, 4 significant digits: 1234 -> 1.234k, 0.002 -> 2m
//     humanize1024        powers of 1024: 2048 -> 2ki, 1073741824 -> 1Gi (Prometheus'
//                         spelling: "ki", then Mi, Gi, Ti, ...)
//     humanizePercentage  0.123 -> 12.3%
//     humanizeDuration    seconds: 93784 -> 1d 2h 3m 4s, 0.25 -> 250ms
//     printf FORMAT ARGS  verbs %f %e %g %d %s %v %% with flags, width and precision
//                         (%d truncates a float toward zero; Go would print %!d(...))
//   {{- ... -}}                      trim the whitespace before / after the action
//   {{/* comment */}}                nothing
//
// Anything else (if, range, with, define, variables, other functions, a bare
// {{ $labels }}) is a compile error that names it and its column.
//
// A function given a label that is not a number (humanize of "abc") renders the whole
// template as "<error expanding template: ...>", as Prometheus does.
//
// Value type; immutable after Compile, so one Template is rendered from any number of
// threads at once.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/labels.h"

namespace vigil::alerts {

class Template {
 public:
  struct Node;  // one literal or action (template.cc)

  Template() = default;  // renders ""

  // Errors are kInvalidArgument: "column C: what is wrong" (for a text of several lines
  // "line L, column C: ..."; both 1-based).
  static absl::StatusOr<Template> Compile(absl::string_view text);

  std::string Render(const LabelSet& labels, double value) const;

  bool empty() const { return text_.empty(); }
  const std::string& text() const { return text_; }
  // True if the text has no actions: it renders as itself.
  bool is_literal() const;

 private:
  std::string text_;
  std::shared_ptr<const std::vector<Node>> nodes_;  // shared: copies are cheap
};

}  // namespace vigil::alerts
