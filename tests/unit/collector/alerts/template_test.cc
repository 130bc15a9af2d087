#include "collector/alerts/template.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

namespace vigil::alerts {
namespace {

const LabelSet kLabels({{"instance", "db1"}, {"mountpoint", "/var/lib/pgsql"}, {"ratio", "0.25"}});

std::string Render(const std::string& text, double value, const LabelSet& labels = kLabels) {
  absl::StatusOr<Template> t = Template::Compile(text);
  INFO(text);
  REQUIRE(t.ok());
  return t->Render(labels, value);
}

std::string CompileError(const std::string& text) {
  absl::StatusOr<Template> t = Template::Compile(text);
  INFO(text);
  REQUIRE_FALSE(t.ok());
  return std::string(t.status().message());
}

TEST_CASE("a template renders literal text, labels and the value", "[template]") {
  CHECK(Render("Disk {{ $labels.mountpoint }} on {{ $labels.instance }} is full", 0) ==
        "Disk /var/lib/pgsql on db1 is full");
  CHECK(Render("{{.Labels.instance}}: {{ .Value }}", 95) == "db1: 95");
  CHECK(Render("no actions at all", 1) == "no actions at all");
  CHECK(Render("{{ \"{{\" }} and {{ `raw \\n` }}", 1) == "{{ and raw \\n");
  CHECK(Render("{{/* a comment */}}x", 1) == "x");
  CHECK(Template().Render(kLabels, 1).empty());
  CHECK(Template().empty());
  CHECK(Template::Compile("a {{ $value }}")->text() == "a {{ $value }}");
  CHECK(Template::Compile("plain")->is_literal());
  CHECK_FALSE(Template::Compile("{{ $value }}")->is_literal());
}

TEST_CASE("a label the alert does not have renders as nothing", "[template]") {
  CHECK(Render("[{{ $labels.nosuch }}]", 1) == "[]");
  CHECK(Render("[{{ .Labels.nosuch }}]", 1) == "[]");
  CHECK(Render("on {{ $labels.instance }}", 1, LabelSet()) == "on ");
}

TEST_CASE("$value prints as Prometheus (Go's %v of a float64) prints it", "[template]") {
  CHECK(Render("{{ $value }}", 95) == "95");
  CHECK(Render("{{ $value }}", 0.5) == "0.5");
  CHECK(Render("{{ $value }}", 92.35) == "92.35");
  CHECK(Render("{{ $value }}", 0) == "0");
  CHECK(Render("{{ $value }}", -3) == "-3");
  CHECK(Render("{{ $value }}", 123456) == "123456");
  CHECK(Render("{{ $value }}", 123456.7) == "123456.7");
  CHECK(Render("{{ $value }}", 1e6) == "1e+06");
  CHECK(Render("{{ $value }}", 1234567) == "1.234567e+06");
  CHECK(Render("{{ $value }}", 0.0001) == "0.0001");
  CHECK(Render("{{ $value }}", 0.000015) == "1.5e-05");
  CHECK(Render("{{ $value }}", 1e21) == "1e+21");
  CHECK(Render("{{ $value }}", 1.0 / 3) == "0.3333333333333333");
  CHECK(Render("{{ $value }}", 0.1 + 0.2) == "0.30000000000000004");
  CHECK(Render("{{ $value }}", std::nan("")) == "NaN");
  CHECK(Render("{{ $value }}", std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(Render("{{ $value }}", -std::numeric_limits<double>::infinity()) == "-Inf");
}

TEST_CASE("humanize uses SI prefixes with 4 significant digits", "[template]") {
  CHECK(Render("{{ $value | humanize }}", 1234) == "1.234k");
  CHECK(Render("{{ humanize $value }}", 1234) == "1.234k");
  CHECK(Render("{{ $value | humanize }}", 999) == "999");
  CHECK(Render("{{ $value | humanize }}", 1e9) == "1G");
  CHECK(Render("{{ $value | humanize }}", 12345678) == "12.35M");
  CHECK(Render("{{ $value | humanize }}", 0.002) == "2m");
  CHECK(Render("{{ $value | humanize }}", 0.0000015) == "1.5u");
  CHECK(Render("{{ $value | humanize }}", 0) == "0");
  CHECK(Render("{{ $value | humanize }}", -2500) == "-2.5k");
  CHECK(Render("{{ $value | humanize }}", std::nan("")) == "NaN");
  // A label is converted to a number first.
  CHECK(Render("{{ $labels.ratio | humanize }}", 0) == "250m");
}

TEST_CASE("humanize1024 uses binary prefixes as Prometheus spells them", "[template]") {
  CHECK(Render("{{ $value | humanize1024 }}", 2048) == "2ki");
  CHECK(Render("{{ $value | humanize1024 }}", 1073741824) == "1Gi");
  CHECK(Render("{{ $value | humanize1024 }}", 5.5 * 1048576) == "5.5Mi");
  CHECK(Render("{{ $value | humanize1024 }}", 1000) == "1000");
  CHECK(Render("{{ $value | humanize1024 }}", 0.5) == "0.5");
}

TEST_CASE("humanizePercentage and humanizeDuration", "[template]") {
  CHECK(Render("{{ $value | humanizePercentage }}", 0.123) == "12.3%");
  CHECK(Render("{{ $value | humanizePercentage }}", 1) == "100%");
  CHECK(Render("{{ $value | humanizePercentage }}", 0.5) == "50%");
  CHECK(Render("{{ $value | humanizeDuration }}", 93784) == "1d 2h 3m 4s");
  CHECK(Render("{{ $value | humanizeDuration }}", 3600) == "1h 0m 0s");
  CHECK(Render("{{ $value | humanizeDuration }}", 90) == "1m 30s");
  CHECK(Render("{{ $value | humanizeDuration }}", 1.5) == "1.5s");
  CHECK(Render("{{ $value | humanizeDuration }}", 0.25) == "250ms");
  CHECK(Render("{{ $value | humanizeDuration }}", 0) == "0s");
  CHECK(Render("{{ $value | humanizeDuration }}", -90) == "-1m 30s");
}

TEST_CASE("printf formats the value with a precision", "[template]") {
  CHECK(Render("{{ $value | printf \"%.2f\" }}", 92.345678) == "92.35");
  CHECK(Render("{{ printf \"%.1f%%\" $value }}", 92.35) == "92.3%");
  CHECK(Render("{{ $value | printf \"%.0f\" }}", 95.7) == "96");
  CHECK(Render("{{ $value | printf \"%d\" }}", 95.7) == "95");
  CHECK(Render("{{ $value | printf \"%5.1f|\" }}", 3.14159) == "  3.1|");
  CHECK(Render("{{ $value | printf \"%-6d|\" }}", 42) == "42    |");
  CHECK(Render("{{ $value | printf \"%.3e\" }}", 123456) == "1.235e+05");
  CHECK(Render("{{ $value | printf \"%g\" }}", 1e6) == "1e+06");
  CHECK(Render("{{ $value | printf \"%.3g\" }}", 3.14159) == "3.14");
  CHECK(Render("{{ $value | printf \"%s\" }}", 0.5) == "0.5");
  CHECK(Render("{{ printf \"%s is at %.1f\" $labels.instance $value }}", 7.25) == "db1 is at 7.2");
  CHECK(Render("{{ $value | printf \"%.2f\" }}", std::nan("")) == "NaN");
  CHECK(Render("{{ $value | humanize | printf \"[%s]\" }}", 2000) == "[2k]");
}

TEST_CASE("trim markers remove the whitespace next to an action", "[template]") {
  CHECK(Render("a   {{- $labels.instance -}}   b", 0) == "adb1b");
  CHECK(Render("a\n  {{- $labels.instance }}\n b", 0) == "adb1\n b");
  CHECK(Render("{{ $labels.instance -}}\n\n  done", 0) == "db1done");
}

TEST_CASE("a function given a label that is not a number renders Prometheus' error text",
          "[template]") {
  CHECK(Render("x {{ $labels.instance | humanize }}", 0) ==
        "<error expanding template: humanize: \"db1\" is not a number>");
}

TEST_CASE("what alert templates do not support is a compile error naming it and its column",
          "[template]") {
  CHECK(CompileError("{{ if $value }}x{{ end }}") ==
        "column 4: \"if\" is not supported in alert templates (only $labels.NAME, $value, and "
        "the functions humanize, humanize1024, humanizePercentage, humanizeDuration, printf)");
  CHECK(CompileError("{{ range $labels }}{{ end }}").find("column 4: \"range\" is not supported") !=
        std::string::npos);
  CHECK(CompileError("Host {{ $labels.instance | toUpper }}") ==
        "column 28: unknown function \"toUpper\" (supported: humanize, humanize1024, "
        "humanizePercentage, humanizeDuration, printf)");
  CHECK(CompileError("{{ $labels }}") == "column 4: $labels needs a label name: $labels.NAME");
  CHECK(CompileError("{{ .Labels }}") == "column 4: .Labels needs a label name: .Labels.NAME");
  CHECK(CompileError("{{ $externalLabels.env }}") ==
        "column 4: $externalLabels is not supported in alert templates (use $labels.NAME or "
        "$value)");
  CHECK(CompileError("{{ $value") == "column 10: unclosed action: missing }}");
  CHECK(CompileError("{{ }}") == "column 4: empty action {{ }}");
  CHECK(CompileError("{{ $value | }}") == "column 13: missing function after |");
  CHECK(CompileError("{{ | humanize }}") == "column 4: missing value before |");
  CHECK(CompileError("{{ $value | | humanize }}") == "column 13: missing function after |");
  CHECK(CompileError("{{ $value | $value }}") ==
        "column 13: after | comes a function, not a value");
  CHECK(CompileError("{{ $value | printf \"%x\" }}") ==
        "column 13: printf verb %x in \"%x\" is not supported (use %f, %e, %g, %d, %s or %v)");
  CHECK(CompileError("{{ printf \"%.1f %.1f\" $value }}") ==
        "column 4: printf format \"%.1f %.1f\" has 2 verb(s) for 1 value(s)");
  CHECK(CompileError("{{ printf $value }}") ==
        "column 4: printf needs a format string first, e.g. printf \"%.1f\"");
  CHECK(CompileError("{{ humanize $value $value }}") ==
        "column 4: humanize takes one value, not 2");
  CHECK(CompileError("{{ $x := 1 }}") ==
        "column 4: $x is not supported in alert templates (use $labels.NAME or $value)");
  CHECK(CompileError("{{ (humanize $value) }}") ==
        "column 4: parentheses are not supported in alert templates");
  CHECK(CompileError("{{ \"open }}") == "column 4: unterminated string");
  CHECK(CompileError("line one\n{{ $labels.instance | nope }}") ==
        "line 2, column 23: unknown function \"nope\" (supported: humanize, humanize1024, "
        "humanizePercentage, humanizeDuration, printf)");
}

}  // namespace
}  // namespace vigil::alerts
