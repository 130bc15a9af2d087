// The functions alert templates (template.h) call, as Prometheus' template functions
// behave (prometheus/template/template.go): humanize, humanize1024, humanizePercentage,
// humanizeDuration, printf, and Go's printing of a float64. Apart from Template so each
// can be tested and reused (the notifier formats values the same way).
//
// Pure functions; thread-safe.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vigil::alerts {

// What a template's operand or function evaluates to: the value (a number) or a label
// or string literal (text).
struct TemplateValue {
  bool is_number = false;
  double number = 0;
  std::string text;
};

// Go's %v of a float64, which is what Prometheus prints for {{ $value }}: the shortest
// digits that read back as `value` (strconv.FormatFloat(v, 'g', -1, 64)), in exponent
// form when the decimal exponent is below -4 or at least 6 (1e+06, 1.5e-05,
// 123456.7), and "NaN", "+Inf", "-Inf".
std::string FormatGoFloat(double value);

// The number a value stands for: itself, or its text parsed (as Prometheus'
// convertToFloat); an error names `function` and the text.
absl::StatusOr<double> ToNumber(const TemplateValue& value, absl::string_view function);

// 1234 -> "1.234k", 0.002 -> "2m" (SI prefixes, 4 significant digits).
std::string Humanize(double v);
// 2048 -> "2ki", 1073741824 -> "1Gi" (Prometheus spells kibi "ki").
std::string Humanize1024(double v);
// 0.123 -> "12.3%".
std::string HumanizePercentage(double v);
// Seconds: 93784 -> "1d 2h 3m 4s", 90 -> "1m 30s", 1.5 -> "1.5s", 0.25 -> "250ms".
std::string HumanizeDuration(double v);

// One `printf` conversion: flags, width and precision as written, and the verb
// (0 for a literal piece of the format).
struct FormatPiece {
  char verb = 0;
  std::string literal;  // verb == 0
  std::string flags;
  int width = -1;
  int precision = -1;
};

// Parses a printf format into literal pieces and conversions (%f %F %e %E %g %G %d %s
// %v with flags "+- #0", width and precision; %% is a literal); `*verbs` is the number
// of conversions. An error names the verb that is not supported.
absl::StatusOr<std::vector<FormatPiece>> ParsePrintfFormat(absl::string_view format, int* verbs);

// Formats `values` (as many as the format has conversions) as Go's fmt.Sprintf would,
// except that %d of a fractional number truncates toward zero where Go prints
// "%!d(float64=...)", and numeric verbs parse text values as numbers.
absl::StatusOr<std::string> Printf(const std::vector<FormatPiece>& format,
                                   std::span<const TemplateValue> values);

}  // namespace vigil::alerts
