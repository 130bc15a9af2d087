#include "bench/metrics_text.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace vigil::bench {
namespace {

// The offset just past the `}` that closes the label set opening at line[0], skipping
// quoted label values (which may hold `}` and escaped quotes); npos if unterminated.
size_t LabelSetEnd(absl::string_view line) {
  bool quoted = false;
  for (size_t i = 1; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == '}') {
      return i + 1;
    }
  }
  return absl::string_view::npos;
}

}  // namespace

absl::StatusOr<double> MetricSum(absl::string_view exposition, absl::string_view name) {
  double sum = 0;
  bool found = false;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    ++line_number;
    line = absl::StripLeadingAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    if (!absl::ConsumePrefix(&line, name)) continue;
    if (line.empty() || (line.front() != '{' && line.front() != ' ')) continue;  // longer name
    if (line.front() == '{') {
      const size_t end = LabelSetEnd(line);
      if (end == absl::string_view::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("metrics line ", line_number, ": unterminated label set of ", name));
      }
      line.remove_prefix(end);
    }
    line = absl::StripLeadingAsciiWhitespace(line);
    const absl::string_view value = line.substr(0, line.find(' '));
    double v = 0;
    if (!absl::SimpleAtod(value, &v)) {
      return absl::InvalidArgumentError(absl::StrCat("metrics line ", line_number, ": value '",
                                                     value, "' of ", name, " is not a number"));
    }
    sum += v;
    found = true;
  }
  if (!found) return absl::NotFoundError(absl::StrCat("no sample of ", name, " in the metrics"));
  return sum;
}

}  // namespace vigil::bench
