#include "collector/alerts/rule_file.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "collector/query/ast.h"
#include "tests/support/temp_dir.h"

namespace vigil::alerts {
namespace {

using vigil::testing::TempDir;

// The errors of a file that must not load, one per line.
std::vector<std::string> Errors(const std::string& yaml) {
  absl::StatusOr<std::vector<RuleGroup>> groups = ParseRuleFile(yaml, "r.yaml");
  INFO(yaml);
  REQUIRE_FALSE(groups.ok());
  CHECK(groups.status().code() == absl::StatusCode::kInvalidArgument);
  return absl::StrSplit(groups.status().message(), '\n');
}

// The one error of a file with one mistake.
std::string Error(const std::string& yaml) {
  std::vector<std::string> errors = Errors(yaml);
  INFO(yaml);
  CHECK(errors.size() == 1);
  return errors[0];
}

// A file with one group "g" holding `rule` (indented as a rule's keys, without "- ").
std::string OneRule(const std::string& rule) {
  std::string indented;
  bool first = true;
  for (absl::string_view line : absl::StrSplit(rule, '\n')) {
    if (line.empty()) continue;
    absl::StrAppend(&indented, first ? "      - " : "        ", line, "\n");
    first = false;
  }
  return "groups:\n  - name: g\n    rules:\n" + indented;
}

LabelSet Labels(std::vector<Label> labels) { return LabelSet(std::move(labels)); }

std::vector<RuleGroup> Parse(const std::string& yaml) {
  absl::StatusOr<std::vector<RuleGroup>> groups = ParseRuleFile(yaml, "r.yaml");
  INFO(yaml);
  INFO(groups.status().message());
  REQUIRE(groups.ok());
  return *std::move(groups);
}

TEST_CASE("a rule file loads with every field of Prometheus' shape and Vigil's additions",
          "[rules]") {
  const std::vector<RuleGroup> groups = Parse(R"(groups:
  - name: host
    interval: 30s
    rules:
      - alert: HostCpuBusy
        expr: 100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))) > 90
        clear: 100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))) < 80
        for: 5m
        keep_firing_for: 1m30s
        severity: critical
        escalation: dba-night
        labels:
          team: dba
          host: "{{ $labels.instance }}"
        annotations:
          summary: "CPU of {{ $labels.instance }} is {{ $value | printf \"%.0f\" }}% busy"
          description: busy
  - name: down
    rules:
      - alert: HostDown
        host_silent: 1m
        inhibit_equal: [instance]
)");
  REQUIRE(groups.size() == 2);
  const RuleGroup& host = groups[0];
  CHECK(host.name == "host");
  CHECK(host.file == "r.yaml");
  CHECK(host.line == 2);
  CHECK(host.interval == absl::Seconds(30));
  REQUIRE(host.rules.size() == 1);
  const AlertRule& cpu = host.rules[0];
  CHECK(cpu.name == "HostCpuBusy");
  CHECK(cpu.line == 5);
  CHECK(cpu.file == "r.yaml");
  REQUIRE(cpu.parsed_expr != nullptr);
  CHECK(cpu.parsed_expr->type == query::ValueType::kInstantVector);
  CHECK(query::ToString(*cpu.parsed_expr) ==
        "100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode=\"idle\"}[5m]))) > 90");
  REQUIRE(cpu.parsed_clear != nullptr);
  CHECK(absl::StrContains(cpu.clear, "< 80"));
  CHECK(cpu.for_duration == absl::Minutes(5));
  CHECK(cpu.keep_firing_for == absl::Seconds(90));
  CHECK(cpu.host_silent == absl::ZeroDuration());
  CHECK(cpu.severity == Severity::kCritical);
  CHECK(cpu.escalation == "dba-night");
  // Sorted by name, severity included.
  REQUIRE(cpu.labels.size() == 3);
  CHECK(cpu.labels[0] == Label{"host", "{{ $labels.instance }}"});
  CHECK(cpu.labels[1] == Label{"severity", "critical"});
  CHECK(cpu.labels[2] == Label{"team", "dba"});
  REQUIRE(cpu.label_templates.size() == 3);
  CHECK(cpu.label_templates[0].Render(Labels({{"instance", "db1"}}), 0) == "db1");
  // Annotations in file order.
  REQUIRE(cpu.annotations.size() == 2);
  CHECK(cpu.annotations[0].name == "summary");
  CHECK(cpu.annotations[0].compiled.Render(Labels({{"instance", "db1"}}), 95.4) ==
        "CPU of db1 is 95% busy");
  CHECK(cpu.annotations[1].name == "description");

  const AlertRule& down = groups[1].rules[0];
  CHECK(down.host_silent == absl::Minutes(1));
  CHECK(down.parsed_expr == nullptr);
  CHECK(down.expr.empty());
  CHECK(down.inhibit_equal == std::vector<std::string>{"instance"});
  CHECK(groups[1].interval == absl::ZeroDuration());
}

TEST_CASE("the severity ends up in the labels: from severity:, labels.severity or warning",
          "[rules]") {
  const auto severity_label = [](const AlertRule& rule) {
    for (const Label& l : rule.labels) {
      if (l.name == "severity") return l.value;
    }
    return std::string("(none)");
  };
  AlertRule rule = Parse(OneRule("alert: A\nexpr: up == 0"))[0].rules[0];
  CHECK(rule.severity == Severity::kWarning);
  CHECK(severity_label(rule) == "warning");
  rule = Parse(OneRule("alert: A\nexpr: up == 0\nlabels:\n  severity: info"))[0].rules[0];
  CHECK(rule.severity == Severity::kInfo);
  CHECK(severity_label(rule) == "info");
  rule = Parse(OneRule(
      "alert: A\nexpr: up == 0\nseverity: critical\nlabels:\n  severity: critical"))[0]
             .rules[0];
  CHECK(rule.severity == Severity::kCritical);
  CHECK(rule.labels.size() == 1);
}

TEST_CASE("group labels are merged into each rule's; the rule's own win", "[rules]") {
  const AlertRule rule = Parse(R"(groups:
  - name: g
    labels:
      team: dba
      site: north
    rules:
      - alert: A
        expr: up == 0
        labels:
          site: south
)")[0]
                             .rules[0];
  REQUIRE(rule.labels.size() == 3);
  CHECK(rule.labels[0] == Label{"severity", "warning"});
  CHECK(rule.labels[1] == Label{"site", "south"});
  CHECK(rule.labels[2] == Label{"team", "dba"});
}

TEST_CASE("the example rule files of Prometheus' documentation load", "[rules]") {
  // prometheus/docs/configuration/alerting_rules.md (severity "page" changed to one of
  // Vigil's three) and recording_rules.md's alerting part.
  const std::vector<RuleGroup> groups = Parse(R"yaml(groups:
- name: example
  labels:
    team: myteam
  rules:
  - alert: HighRequestLatency
    expr: job:request_latency_seconds:mean5m{job="myjob"} > 0.5
    for: 10m
    keep_firing_for: 5m
    labels:
      severity: critical
    annotations:
      summary: High request latency
- name: templating
  rules:

  # Alert for any instance that is unreachable for >5 minutes.
  - alert: InstanceDown
    expr: up == 0
    for: 5m
    labels:
      severity: critical
    annotations:
      summary: "Instance {{ $labels.instance }} down"
      description: "{{ $labels.instance }} of job {{ $labels.job }} has been down for more than 5 minutes."

  # Alert for any instance that has a median request latency >1s.
  - alert: APIHighRequestLatency
    expr: api_http_request_latencies_second{quantile="0.5"} > 1
    for: 10m
    annotations:
      summary: "High request latency on {{ $labels.instance }}"
      description: "{{ $labels.instance }} has a median request latency above 1s (current value: {{ $value }}s)"
)yaml");
  REQUIRE(groups.size() == 2);
  CHECK(groups[0].rules[0].keep_firing_for == absl::Minutes(5));
  REQUIRE(groups[1].rules.size() == 2);
  const AlertRule& latency = groups[1].rules[1];
  CHECK(latency.annotations[1].compiled.Render(Labels({{"instance", "web1"}}), 1.25) ==
        "web1 has a median request latency above 1s (current value: 1.25s)");
}

TEST_CASE("an empty rule file or one without groups loads as no groups", "[rules]") {
  CHECK(Parse("").empty());
  CHECK(Parse("# nothing yet\n").empty());
  CHECK(Parse("groups:\n").empty());
  CHECK(Parse("groups:\n  - name: g\n").at(0).rules.empty());
}

TEST_CASE("unknown and repeated keys are errors with their line", "[rules]") {
  CHECK(Error(OneRule("alert: A\nexpr: up == 0\nfro: 5m")) ==
        "r.yaml:6: group \"g\", rule \"A\": fro: unknown key (known here: alert, expr, for, "
        "keep_firing_for, labels, annotations, clear, severity, escalation, host_silent, "
        "inhibit_equal)");
  CHECK(Error("group:\n  - name: g\n") == "r.yaml:1: group: unknown key (known here: groups)");
  CHECK(
      Error("groups:\n  - name: g\n    intervall: 1m\n") ==
      "r.yaml:3: group \"g\": intervall: unknown key (known here: name, interval, rules, labels)");
  CHECK(Error(OneRule("alert: A\nexpr: up == 0\nexpr: up == 1")) ==
        "r.yaml:6: group \"g\", rule \"A\": expr: is given twice");
  CHECK(Error("groups:\n  - name: g\n    limit: 10\n") ==
        "r.yaml:3: group \"g\": limit: is not supported by Vigil");
  CHECK(Error("groups: {}\n") == "r.yaml:1: groups: must be a list of groups");
  CHECK(Error("- a\n") == "r.yaml:1: the file must be a mapping with a `groups:` list");
}

TEST_CASE("a YAML syntax error names the line and column", "[rules]") {
  const std::string e = Error("groups:\n  - name: g\n    rules: [\n");
  CHECK(absl::StartsWith(e, "r.yaml:4:"));
  CHECK(absl::StrContains(e, "YAML syntax"));
}

TEST_CASE("groups need a unique name", "[rules]") {
  CHECK(Error("groups:\n  - interval: 1m\n") == "r.yaml:2: group #1: name: is required");
  CHECK(Error("groups:\n  - name: g\n  - name: h\n  - name: g\n") ==
        "r.yaml:4: group \"g\": name: group \"g\" is already defined at line 2 (group names must "
        "be unique in a file)");
  CHECK(Error("groups:\n  - name: g\n    rules: {}\n") ==
        "r.yaml:3: group \"g\": rules: must be a list of rules");
}

TEST_CASE("alerting rules need a valid name; recording rules are refused", "[rules]") {
  CHECK(Error(OneRule("expr: up == 0")) ==
        "r.yaml:4: group \"g\", rule #1: alert: is required "
        "(the alert's name)");
  CHECK(Error(OneRule("alert: 1st alert\nexpr: up == 0")) ==
        "r.yaml:4: group \"g\", rule \"1st alert\": alert: \"1st alert\" is not a valid alert "
        "name (letters, digits, _ and :, not starting with a digit)");
  CHECK(Error(OneRule("record: job:up:sum\nexpr: sum by (job) (up)")) ==
        "r.yaml:4: group \"g\", rule \"job:up:sum\": record: recording rules are not supported: "
        "Vigil evaluates alerting rules only (put the expression into the alert's expr)");
  CHECK(Error("groups:\n  - name: g\n    rules:\n      - just a word\n") ==
        "r.yaml:4: group \"g\", rule #1: a rule must be a mapping (alert, expr, for, ...)");
}

TEST_CASE("expr and clear must parse and give an instant vector", "[rules]") {
  CHECK(Error(OneRule("alert: A\nexpr: up ==")) ==
        "r.yaml:5: group \"g\", rule \"A\": expr: parse error at line 1, column 6: unexpected end "
        "of input");
  CHECK(Error(OneRule("alert: A\nexpr: 1 + 1")) ==
        "r.yaml:5: group \"g\", rule \"A\": expr: must give an instant vector (series), not a "
        "scalar; an alert fires for each series the expression returns");
  CHECK(Error(OneRule("alert: A\nexpr: up[5m]")) ==
        "r.yaml:5: group \"g\", rule \"A\": expr: must give an instant vector (series), not a "
        "range vector; an alert fires for each series the expression returns");
  CHECK(Error(OneRule("alert: A\nexpr: up > 90\nclear: up <")) ==
        "r.yaml:6: group \"g\", rule \"A\": clear: parse error at line 1, column 5: unexpected "
        "end of input");
  CHECK(Error(OneRule("alert: A\nexpr: up > 90\nclear: time()")) ==
        "r.yaml:6: group \"g\", rule \"A\": clear: must give an instant vector (series), not a "
        "scalar; an alert fires for each series the expression returns");
  CHECK(Error(OneRule("alert: A\nexpr: \"\"")) ==
        "r.yaml:5: group \"g\", rule \"A\": expr: must not be empty");
  CHECK(Error(OneRule("alert: A\nexpr: [up]")) ==
        "r.yaml:5: group \"g\", rule \"A\": expr: must be a single value, not a list or mapping");
}

TEST_CASE("exactly one of expr and host_silent; no clear with host_silent", "[rules]") {
  CHECK(Error(OneRule("alert: A\nfor: 5m")) ==
        "r.yaml:4: group \"g\", rule \"A\": expr: is required (or host_silent: DURATION for the "
        "built-in host-down rule)");
  CHECK(
      Error(OneRule("alert: A\nexpr: up == 0\nhost_silent: 1m")) ==
      "r.yaml:6: group \"g\", rule \"A\": host_silent: give either expr or host_silent, not both");
  CHECK(Error(OneRule("alert: A\nhost_silent: 1m\nclear: up == 1")) ==
        "r.yaml:6: group \"g\", rule \"A\": clear: is not allowed with host_silent (the host-down "
        "alert resolves when the host reports again)");
  CHECK(Error(OneRule("alert: A\nhost_silent: 0s")) ==
        "r.yaml:5: group \"g\", rule \"A\": host_silent: must be longer than 0s");
}

TEST_CASE("durations use PromQL's syntax", "[rules]") {
  CHECK(Error(OneRule("alert: A\nexpr: up == 0\nfor: 5 minutes")) ==
        "r.yaml:6: group \"g\", rule \"A\": for: unknown unit \" minutes\" in duration \"5 "
        "minutes\"");
  CHECK(Error(OneRule("alert: A\nexpr: up == 0\nkeep_firing_for: -1m")) ==
        "r.yaml:6: group \"g\", rule \"A\": keep_firing_for: not a valid duration \"-1m\" (write "
        "it like 5m, 1h30m, 100ms, 2d, 1w or 1y)");
  CHECK(Error(OneRule("alert: A\nhost_silent: 60")) ==
        "r.yaml:5: group \"g\", rule \"A\": host_silent: not a valid duration \"60\" (write it "
        "like 5m, 1h30m, 100ms, 2d, 1w or 1y)");
  CHECK(Error("groups:\n  - name: g\n    interval: 1m30\n") ==
        "r.yaml:3: group \"g\": interval: not a valid duration \"1m30\" (write it like 5m, "
        "1h30m, 100ms, 2d, 1w or 1y)");
  CHECK(Parse(OneRule("alert: A\nexpr: up == 0\nfor: 1h30m"))[0].rules[0].for_duration ==
        absl::Minutes(90));
}

TEST_CASE("the severity must be valid and agree between severity: and labels.severity", "[rules]") {
  CHECK(Error(OneRule("alert: A\nexpr: up == 0\nseverity: page")) ==
        "r.yaml:6: group \"g\", rule \"A\": severity: \"page\" is not a severity (info, warning "
        "or critical)");
  CHECK(Error(OneRule("alert: A\nexpr: up == 0\nlabels:\n  severity: page")) ==
        "r.yaml:7: group \"g\", rule \"A\": labels.severity: \"page\" is not a severity (info, "
        "warning or critical)");
  CHECK(
      Error(OneRule("alert: A\nexpr: up == 0\nseverity: critical\nlabels:\n  severity: warning")) ==
      "r.yaml:6: group \"g\", rule \"A\": severity: \"critical\" differs from labels.severity "
      "\"warning\" (give one, or the same in both)");
}

TEST_CASE("label names must be valid and not reserved", "[rules]") {
  CHECK(Error(OneRule("alert: A\nexpr: up == 0\nlabels:\n  team-name: dba")) ==
        "r.yaml:7: group \"g\", rule \"A\": labels.team-name: not a valid label name "
        "([a-zA-Z_][a-zA-Z0-9_]*)");
  CHECK(Error(OneRule("alert: A\nexpr: up == 0\nlabels:\n  __name__: x")) ==
        "r.yaml:7: group \"g\", rule \"A\": labels.__name__: label names starting with __ are "
        "reserved");
  CHECK(Error(OneRule("alert: A\nexpr: up == 0\nlabels:\n  alertname: B")) ==
        "r.yaml:7: group \"g\", rule \"A\": labels.alertname: alertname is set from the rule's "
        "`alert:` name");
  CHECK(Error(OneRule("alert: A\nexpr: up == 0\nlabels:\n  team: [a, b]")) ==
        "r.yaml:7: group \"g\", rule \"A\": labels.team: must be a single value, not a list or "
        "mapping");
  CHECK(Error(OneRule("alert: A\nexpr: up == 0\nlabels: dba")) ==
        "r.yaml:6: group \"g\", rule \"A\": labels: must be a mapping of label names to values");
  CHECK(Error(OneRule("alert: A\nexpr: up == 0\nannotations:\n  a-b: x")) ==
        "r.yaml:7: group \"g\", rule \"A\": annotations.a-b: not a valid annotation name "
        "([a-zA-Z_][a-zA-Z0-9_]*)");
}

TEST_CASE("templates in label values and annotations must compile", "[rules]") {
  CHECK(Error(OneRule("alert: A\nexpr: up == 0\nlabels:\n  host: \"{{ $labels }}\"")) ==
        "r.yaml:7: group \"g\", rule \"A\": labels.host: template: column 4: $labels needs a label "
        "name: $labels.NAME");
  CHECK(Error(OneRule("alert: A\nexpr: up == 0\nannotations:\n  summary: \"{{ if $value }}x{{ "
                      "end }}\"")) ==
        "r.yaml:7: group \"g\", rule \"A\": annotations.summary: template: column 4: \"if\" is "
        "not supported in alert templates (only $labels.NAME, $value, and the functions "
        "humanize, humanize1024, humanizePercentage, humanizeDuration, printf)");
}

TEST_CASE("inhibit_equal is a list of label names; escalation is a name", "[rules]") {
  CHECK(Error(OneRule("alert: A\nhost_silent: 1m\ninhibit_equal: instance")) ==
        "r.yaml:6: group \"g\", rule \"A\": inhibit_equal: must be a list of label names, e.g. "
        "[instance]");
  CHECK(Error(OneRule("alert: A\nhost_silent: 1m\ninhibit_equal: [instance, bad-name]")) ==
        "r.yaml:6: group \"g\", rule \"A\": inhibit_equal: \"bad-name\" is not a valid label name");
  CHECK(Error(OneRule("alert: A\nhost_silent: 1m\nescalation: \"\"")) ==
        "r.yaml:6: group \"g\", rule \"A\": escalation: must not be empty");
}

TEST_CASE("every error of a file is reported, each with its own line", "[rules]") {
  const std::vector<std::string> errors = Errors(R"(groups:
  - name: g
    rules:
      - alert: A
        expr: up ==
      - alert: B
        expr: up == 0
        for: soon
  - name: h
    rules:
      - alert: C
        expr: up == 0
        severity: urgent
)");
  REQUIRE(errors.size() == 3);
  CHECK(absl::StartsWith(errors[0], "r.yaml:5: group \"g\", rule \"A\": expr: "));
  CHECK(absl::StartsWith(errors[1], "r.yaml:8: group \"g\", rule \"B\": for: "));
  CHECK(absl::StartsWith(errors[2], "r.yaml:13: group \"h\", rule \"C\": severity: "));
}

TEST_CASE("LoadRuleFiles reads files and globs; a glob may match nothing, a path must exist",
          "[rules]") {
  TempDir dir;
  dir.WriteFile("rules/a.yaml", OneRule("alert: A\nexpr: up == 0"));
  dir.WriteFile("rules/b.yaml",
                "groups:\n  - name: g\n    rules:\n      - alert: B\n        expr: up == 0\n"
                "      - alert: B\n        expr: up == 2\n  - name: h\n");
  dir.WriteFile("other/c.yml", OneRule("alert: C\nexpr: up == 0"));

  absl::StatusOr<RuleSet> set = LoadRuleFiles({dir.Path("rules/*.yaml"), dir.Path("none/*.yaml"),
                                               dir.Path("other/c.yml"), dir.Path("rules/a.yaml")});
  INFO(set.status().message());
  REQUIRE(set.ok());
  CHECK(set->files == std::vector<std::string>{dir.Path("rules/a.yaml"), dir.Path("rules/b.yaml"),
                                               dir.Path("other/c.yml")});
  // Group names repeat across files; alert names repeat within a group.
  CHECK(set->groups.size() == 4);
  CHECK(set->RuleCount() == 4);
  CHECK(set->groups[1].rules[1].name == "B");
  CHECK(set->groups[1].rules[1].file == dir.Path("rules/b.yaml"));
  CHECK(set->groups[1].rules[1].line == 6);

  absl::StatusOr<RuleSet> missing = LoadRuleFiles({dir.Path("rules/a.yaml"), dir.Path("x.yaml")});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message() ==
        "cannot read rule file: open " + dir.Path("x.yaml") + ": No such file or directory");

  CHECK(LoadRuleFiles({dir.Path("none/*.yaml")})->groups.empty());
}

TEST_CASE("LoadRuleFiles reports the errors of every file", "[rules]") {
  TempDir dir;
  dir.WriteFile("a.yaml", OneRule("alert: A\nexpr: up =="));
  dir.WriteFile("b.yaml", OneRule("alert: B\nexpr: up == 0\nseverity: high"));
  absl::StatusOr<RuleSet> set = LoadRuleFiles({dir.Path("*.yaml")});
  REQUIRE_FALSE(set.ok());
  const std::vector<std::string> errors = absl::StrSplit(set.status().message(), '\n');
  REQUIRE(errors.size() == 2);
  CHECK(absl::StartsWith(errors[0], dir.Path("a.yaml") + ":5: group \"g\", rule \"A\": expr: "));
  CHECK(absl::StartsWith(errors[1],
                         dir.Path("b.yaml") + ":6: group \"g\", rule \"B\": severity: \"high\""));
}

TEST_CASE("severity names round-trip", "[rules]") {
  for (Severity s : {Severity::kInfo, Severity::kWarning, Severity::kCritical}) {
    Severity parsed = Severity::kInfo;
    REQUIRE(ParseSeverity(SeverityName(s), &parsed));
    CHECK(parsed == s);
  }
  Severity unchanged = Severity::kCritical;
  CHECK_FALSE(ParseSeverity("Critical", &unchanged));
  CHECK(unchanged == Severity::kCritical);
}

}  // namespace
}  // namespace vigil::alerts
