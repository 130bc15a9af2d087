#include "collector/alerts/rule_file.h"

#include <glob.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "collector/query/parser.h"
#include "common/file.h"

namespace vigil::alerts {
namespace {

constexpr size_t kMaxRuleFileBytes = 16 << 20;

constexpr absl::string_view kFileKeys[] = {"groups"};
constexpr absl::string_view kGroupKeys[] = {"name", "interval", "rules", "labels"};
constexpr absl::string_view kRuleKeys[] = {
    "alert", "expr",     "for",        "keep_firing_for", "labels",       "annotations",
    "clear", "severity", "escalation", "host_silent",     "inhibit_equal"};

int LineOf(const YAML::Node& node) { return node.Mark().line + 1; }

// Where an error is: the group and rule it belongs to (names, or "#N" while a name is
// missing).
struct Scope {
  std::string group;  // "" at the file's top level
  std::string rule;   // "" outside a rule
};

// Reads one file, collecting every error it finds.
class RuleFileParser {
 public:
  explicit RuleFileParser(const std::string& file) : file_(file) {}

  std::vector<RuleGroup> Parse(const YAML::Node& root) {
    std::vector<RuleGroup> groups;
    if (!root.IsDefined() || root.IsNull()) return groups;  // an empty file: no groups
    const Scope top;
    if (!root.IsMap()) {
      Error(LineOf(root), top, "", "the file must be a mapping with a `groups:` list");
      return groups;
    }
    if (!CheckKeys(root, kFileKeys, top, "")) return groups;
    const YAML::Node list = root["groups"];
    if (!list.IsDefined() || list.IsNull()) return groups;
    if (!list.IsSequence()) {
      Error(LineOf(list), top, "groups", "must be a list of groups");
      return groups;
    }
    std::map<std::string, int> names;  // group name -> line
    for (size_t i = 0; i < list.size(); ++i) {
      RuleGroup group;
      if (ParseGroup(list[i], i, &group, &names)) groups.push_back(std::move(group));
    }
    return groups;
  }

  const std::vector<std::string>& errors() const { return errors_; }

 private:
  void Error(int line, const Scope& scope, absl::string_view field, absl::string_view reason) {
    std::string where = absl::StrCat(file_, ":", line, ": ");
    if (!scope.group.empty()) absl::StrAppend(&where, "group ", scope.group);
    if (!scope.rule.empty()) absl::StrAppend(&where, ", rule ", scope.rule);
    if (!scope.group.empty()) absl::StrAppend(&where, ": ");
    if (!field.empty()) absl::StrAppend(&where, field, ": ");
    errors_.push_back(absl::StrCat(where, reason));
  }

  // Unknown and repeated keys of a mapping; `prefix` is the field path before them.
  // Keys in `handled` are reported by the caller.
  template <size_t N>
  bool CheckKeys(const YAML::Node& map, const absl::string_view (&allowed)[N], const Scope& scope,
                 absl::string_view prefix, std::initializer_list<absl::string_view> handled = {}) {
    bool ok = true;
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (std::find(handled.begin(), handled.end(), key) != handled.end()) continue;
      const std::string field = prefix.empty() ? key : absl::StrCat(prefix, ".", key);
      if (!seen.insert(key).second) {
        Error(LineOf(it->first), scope, field, "is given twice");
        ok = false;
      } else if (std::find(std::begin(allowed), std::end(allowed), key) == std::end(allowed)) {
        Error(LineOf(it->first), scope, field,
              absl::StrCat("unknown key (known here: ", absl::StrJoin(allowed, ", "), ")"));
        ok = false;
      }
    }
    return ok;
  }

  // The line of `key` in `map` (the map's own line when absent).
  static int KeyLine(const YAML::Node& map, absl::string_view key) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (it->first.Scalar() == key) return LineOf(it->first);
    }
    return LineOf(map);
  }

  static bool Has(const YAML::Node& map, absl::string_view key) {
    const YAML::Node child = map[std::string(key)];
    return child.IsDefined() && !child.IsNull();
  }

  // A scalar field: false (and an error) when it is a list or mapping.
  bool GetScalar(const YAML::Node& map, absl::string_view key, const Scope& scope,
                 absl::string_view field, std::string* out) {
    if (!Has(map, key)) return true;
    const YAML::Node child = map[std::string(key)];
    if (!child.IsScalar()) {
      Error(KeyLine(map, key), scope, field, "must be a single value, not a list or mapping");
      return false;
    }
    *out = child.Scalar();
    return true;
  }

  bool GetDuration(const YAML::Node& map, absl::string_view key, const Scope& scope,
                   absl::Duration* out) {
    std::string text;
    if (!Has(map, key)) return true;
    if (!GetScalar(map, key, scope, key, &text)) return false;
    absl::StatusOr<int64_t> ms = query::ParseDurationMs(text);
    if (!ms.ok()) {
      Error(KeyLine(map, key), scope, key, ms.status().message());
      return false;
    }
    *out = absl::Milliseconds(*ms);
    return true;
  }

  // What a mapping of names to texts (`labels:`, `annotations:`) may hold, in the words
  // of its errors.
  struct TextMap {
    absl::string_view key;            // "labels", "annotations"
    absl::string_view not_a_mapping;  // when the key holds no mapping
    absl::string_view invalid_name;   // when a name is not [a-zA-Z_][a-zA-Z0-9_]*
    absl::string_view not_a_text;     // when a value is a list or mapping
    bool label_names = false;         // also refuse __* and alertname
  };

  // Calls `take(name, value, line, field)` for each well-formed entry of `kind.key` in
  // `map`, in file order; reports the others. False if anything was reported.
  bool ForEachText(const YAML::Node& map, const TextMap& kind, const Scope& scope,
                   const std::function<bool(const std::string& name, std::string value, int line,
                                            const std::string& field)>& take) {
    if (!Has(map, kind.key)) return true;
    const YAML::Node node = map[std::string(kind.key)];
    if (!node.IsMap()) {
      Error(KeyLine(map, kind.key), scope, kind.key, kind.not_a_mapping);
      return false;
    }
    bool ok = true;
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string name = it->first.Scalar();
      const std::string field = absl::StrCat(kind.key, ".", name);
      const int line = LineOf(it->first);
      absl::string_view problem;
      if (!seen.insert(name).second) {
        problem = "is given twice";
      } else if (!IsValidLabelName(name)) {
        problem = kind.invalid_name;
      } else if (kind.label_names && absl::StartsWith(name, "__")) {
        problem = "label names starting with __ are reserved";
      } else if (kind.label_names && name == "alertname") {
        problem = "alertname is set from the rule's `alert:` name";
      } else if (!it->second.IsScalar() && !it->second.IsNull()) {
        problem = kind.not_a_text;
      }
      if (!problem.empty()) {
        Error(line, scope, field, problem);
        ok = false;
        continue;
      }
      ok = take(name, it->second.IsNull() ? "" : it->second.Scalar(), line, field) && ok;
    }
    return ok;
  }

  // A `labels:` mapping: names valid and not reserved, values single.
  bool GetLabels(const YAML::Node& map, const Scope& scope,
                 std::map<std::string, std::pair<std::string, int>>* labels) {
    static constexpr TextMap kLabels{"labels", "must be a mapping of label names to values",
                                     "not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)",
                                     "must be a single value, not a list or mapping", true};
    return ForEachText(
        map, kLabels, scope,
        [&](const std::string& name, std::string value, int line, const std::string&) {
          (*labels)[name] = {std::move(value), line};
          return true;
        });
  }

  bool ParseGroup(const YAML::Node& node, size_t index, RuleGroup* group,
                  std::map<std::string, int>* names) {
    Scope scope;
    scope.group = absl::StrCat("#", index + 1);
    group->file = file_;
    group->line = LineOf(node);
    if (!node.IsMap()) {
      Error(LineOf(node), scope, "", "a group must be a mapping (name, interval, rules)");
      return false;
    }
    std::string name;
    bool ok = GetScalar(node, "name", scope, "name", &name);
    if (ok && name.empty()) {
      Error(KeyLine(node, "name"), scope, "name", "is required");
      ok = false;
    }
    if (!name.empty()) scope.group = absl::StrCat("\"", name, "\"");
    for (absl::string_view unsupported : {"limit", "query_offset"}) {
      if (node[std::string(unsupported)].IsDefined()) {
        Error(KeyLine(node, unsupported), scope, unsupported, "is not supported by Vigil");
        ok = false;
      }
    }
    ok = CheckKeys(node, kGroupKeys, scope, "", {"limit", "query_offset"}) && ok;
    if (!name.empty()) {
      auto [it, inserted] = names->emplace(name, KeyLine(node, "name"));
      if (!inserted) {
        Error(KeyLine(node, "name"), scope, "name",
              absl::StrCat("group \"", name, "\" is already defined at line ", it->second,
                           " (group names must be unique in a file)"));
        ok = false;
      }
    }
    group->name = name;
    ok = GetDuration(node, "interval", scope, &group->interval) && ok;
    std::map<std::string, std::pair<std::string, int>> group_labels;
    ok = GetLabels(node, scope, &group_labels) && ok;

    const YAML::Node rules = node["rules"];
    if (rules.IsDefined() && !rules.IsNull()) {
      if (!rules.IsSequence()) {
        Error(KeyLine(node, "rules"), scope, "rules", "must be a list of rules");
        return false;
      }
      for (size_t i = 0; i < rules.size(); ++i) {
        AlertRule rule;
        if (ParseRule(rules[i], i, scope, group_labels, &rule)) {
          group->rules.push_back(std::move(rule));
        } else {
          ok = false;
        }
      }
    }
    return ok;
  }

  // An expression field: parsed, an instant vector.
  bool GetExpr(const YAML::Node& node, absl::string_view key, const Scope& scope, std::string* text,
               std::shared_ptr<const query::Expr>* parsed) {
    if (!GetScalar(node, key, scope, key, text)) return false;
    if (!Has(node, key)) return true;
    const int line = KeyLine(node, key);
    if (text->empty()) {
      Error(line, scope, key, "must not be empty");
      return false;
    }
    absl::StatusOr<query::ExprPtr> expr = query::ParseExpr(*text);
    if (!expr.ok()) {
      Error(line, scope, key, expr.status().message());
      return false;
    }
    if ((*expr)->type != query::ValueType::kInstantVector) {
      Error(line, scope, key,
            absl::StrCat("must give an instant vector (series), not a ",
                         query::ValueTypeName((*expr)->type),
                         "; an alert fires for each series the expression returns"));
      return false;
    }
    *parsed = std::shared_ptr<const query::Expr>(std::move(*expr));
    return true;
  }

  bool ParseRule(const YAML::Node& node, size_t index, Scope scope,
                 const std::map<std::string, std::pair<std::string, int>>& group_labels,
                 AlertRule* rule) {
    scope.rule = absl::StrCat("#", index + 1);
    rule->file = file_;
    rule->line = LineOf(node);
    if (!node.IsMap()) {
      Error(LineOf(node), scope, "", "a rule must be a mapping (alert, expr, for, ...)");
      return false;
    }
    if (node["record"].IsDefined()) {
      std::string record;
      if (node["record"].IsScalar()) record = node["record"].Scalar();
      if (!record.empty()) scope.rule = absl::StrCat("\"", record, "\"");
      Error(KeyLine(node, "record"), scope, "record",
            "recording rules are not supported: Vigil evaluates alerting rules only (put the "
            "expression into the alert's expr)");
      return false;
    }
    bool ok = GetScalar(node, "alert", scope, "alert", &rule->name);
    if (!rule->name.empty()) scope.rule = absl::StrCat("\"", rule->name, "\"");
    ok = CheckKeys(node, kRuleKeys, scope, "") && ok;
    if (ok && rule->name.empty()) {
      Error(KeyLine(node, "alert"), scope, "alert", "is required (the alert's name)");
      ok = false;
    } else if (!rule->name.empty() && !IsValidMetricName(rule->name)) {
      Error(KeyLine(node, "alert"), scope, "alert",
            absl::StrCat("\"", rule->name,
                         "\" is not a valid alert name (letters, digits, _ and :, not starting "
                         "with a digit)"));
      ok = false;
    }

    ok = GetExpr(node, "expr", scope, &rule->expr, &rule->parsed_expr) && ok;
    ok = GetExpr(node, "clear", scope, &rule->clear, &rule->parsed_clear) && ok;
    ok = GetDuration(node, "for", scope, &rule->for_duration) && ok;
    ok = GetDuration(node, "keep_firing_for", scope, &rule->keep_firing_for) && ok;
    const bool has_host_silent = Has(node, "host_silent");
    if (GetDuration(node, "host_silent", scope, &rule->host_silent)) {
      if (has_host_silent && rule->host_silent <= absl::ZeroDuration()) {
        Error(KeyLine(node, "host_silent"), scope, "host_silent", "must be longer than 0s");
        ok = false;
      }
    } else {
      ok = false;
    }
    const bool has_expr = Has(node, "expr");
    if (has_expr && has_host_silent) {
      Error(KeyLine(node, "host_silent"), scope, "host_silent",
            "give either expr or host_silent, not both");
      ok = false;
    } else if (!has_expr && !has_host_silent) {
      Error(LineOf(node), scope, "expr",
            "is required (or host_silent: DURATION for the built-in host-down rule)");
      ok = false;
    }
    if (has_host_silent && Has(node, "clear")) {
      Error(KeyLine(node, "clear"), scope, "clear",
            "is not allowed with host_silent (the host-down alert resolves when the host "
            "reports again)");
      ok = false;
    }
    ok = GetScalar(node, "escalation", scope, "escalation", &rule->escalation) && ok;
    if (Has(node, "escalation") && rule->escalation.empty()) {
      Error(KeyLine(node, "escalation"), scope, "escalation", "must not be empty");
      ok = false;
    }
    ok = GetInhibitEqual(node, scope, &rule->inhibit_equal) && ok;
    ok = GetSeverityAndLabels(node, scope, group_labels, rule) && ok;
    ok = GetAnnotations(node, scope, &rule->annotations) && ok;
    return ok;
  }

  bool GetInhibitEqual(const YAML::Node& node, const Scope& scope, std::vector<std::string>* out) {
    if (!Has(node, "inhibit_equal")) return true;
    const YAML::Node list = node["inhibit_equal"];
    const int line = KeyLine(node, "inhibit_equal");
    if (!list.IsSequence()) {
      Error(line, scope, "inhibit_equal", "must be a list of label names, e.g. [instance]");
      return false;
    }
    bool ok = true;
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string name = list[i].IsScalar() ? list[i].Scalar() : "";
      if (!IsValidLabelName(name) || absl::StartsWith(name, "__")) {
        Error(LineOf(list[i]), scope, "inhibit_equal",
              absl::StrCat("\"", name, "\" is not a valid label name"));
        ok = false;
        continue;
      }
      out->push_back(name);
    }
    return ok;
  }

  bool GetSeverityAndLabels(const YAML::Node& node, const Scope& scope,
                            const std::map<std::string, std::pair<std::string, int>>& group_labels,
                            AlertRule* rule) {
    std::map<std::string, std::pair<std::string, int>> labels = group_labels;
    std::map<std::string, std::pair<std::string, int>> own;
    bool ok = GetLabels(node, scope, &own);
    for (auto& [name, value] : own) labels[name] = value;

    std::string severity_text;
    bool has_field = Has(node, "severity");
    if (!GetScalar(node, "severity", scope, "severity", &severity_text)) {
      ok = false;
      has_field = false;
    }
    Severity from_field = Severity::kWarning;
    if (has_field && !ParseSeverity(severity_text, &from_field)) {
      Error(KeyLine(node, "severity"), scope, "severity",
            absl::StrCat("\"", severity_text, "\" is not a severity (info, warning or critical)"));
      ok = false;
      has_field = false;
    }
    auto in_labels = labels.find("severity");
    Severity from_labels = Severity::kWarning;
    bool has_label = in_labels != labels.end();
    if (has_label && !ParseSeverity(in_labels->second.first, &from_labels)) {
      Error(in_labels->second.second, scope, "labels.severity",
            absl::StrCat("\"", in_labels->second.first,
                         "\" is not a severity (info, warning or critical)"));
      ok = false;
      has_label = false;
    }
    if (has_field && has_label && from_field != from_labels) {
      Error(KeyLine(node, "severity"), scope, "severity",
            absl::StrCat("\"", SeverityName(from_field), "\" differs from labels.severity \"",
                         SeverityName(from_labels), "\" (give one, or the same in both)"));
      ok = false;
    }
    rule->severity = has_field ? from_field : (has_label ? from_labels : Severity::kWarning);
    labels["severity"] = {std::string(SeverityName(rule->severity)), rule->line};

    // std::map keeps them sorted by name, as AlertRule::labels wants.
    for (const auto& [name, value] : labels) {
      absl::StatusOr<Template> compiled = Template::Compile(value.first);
      if (!compiled.ok()) {
        Error(value.second, scope, absl::StrCat("labels.", name),
              absl::StrCat("template: ", compiled.status().message()));
        ok = false;
        continue;
      }
      rule->labels.push_back(Label{name, value.first});
      rule->label_templates.push_back(*std::move(compiled));
    }
    return ok;
  }

  bool GetAnnotations(const YAML::Node& node, const Scope& scope, std::vector<Annotation>* out) {
    static constexpr TextMap kAnnotations{"annotations", "must be a mapping of names to texts",
                                          "not a valid annotation name ([a-zA-Z_][a-zA-Z0-9_]*)",
                                          "must be a text, not a list or mapping", false};
    return ForEachText(
        node, kAnnotations, scope,
        [&](const std::string& name, std::string text, int line, const std::string& field) {
          absl::StatusOr<Template> compiled = Template::Compile(text);
          if (!compiled.ok()) {
            Error(line, scope, field, absl::StrCat("template: ", compiled.status().message()));
            return false;
          }
          out->push_back(Annotation{name, std::move(text), *std::move(compiled)});
          return true;
        });
  }

  const std::string& file_;
  std::vector<std::string> errors_;
};

bool IsPattern(absl::string_view path) {
  return path.find_first_of("*?[") != absl::string_view::npos;
}

}  // namespace

absl::StatusOr<std::vector<RuleGroup>> ParseRuleFile(absl::string_view yaml,
                                                     const std::string& file_name) {
  RuleFileParser parser(file_name);
  std::vector<RuleGroup> groups;
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    groups = parser.Parse(root);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(file_name, ":", e.mark.line + 1, ":",
                                                   e.mark.column + 1, ": YAML syntax: ", e.msg));
  }
  if (!parser.errors().empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(parser.errors(), "\n"));
  }
  return groups;
}

absl::StatusOr<std::vector<std::string>> ExpandRuleFilePaths(
    const std::vector<std::string>& paths_or_globs) {
  std::vector<std::string> files;
  std::set<std::string> seen;
  auto add = [&](const std::string& path) {
    if (seen.insert(path).second) files.push_back(path);
  };
  for (const std::string& pattern : paths_or_globs) {
    if (!IsPattern(pattern)) {
      add(pattern);
      continue;
    }
    glob_t matches{};
    const int rc = glob(pattern.c_str(), 0, nullptr, &matches);
    if (rc == 0) {
      for (size_t i = 0; i < matches.gl_pathc; ++i) add(matches.gl_pathv[i]);
    }
    globfree(&matches);
    if (rc != 0 && rc != GLOB_NOMATCH) {
      return absl::InvalidArgumentError(
          absl::StrCat("rule files \"", pattern, "\": cannot expand the pattern",
                       rc == GLOB_ABORTED ? " (a directory cannot be read)" : ""));
    }
  }
  return files;
}

absl::StatusOr<RuleSet> LoadRuleFiles(const std::vector<std::string>& paths_or_globs) {
  absl::StatusOr<std::vector<std::string>> files = ExpandRuleFilePaths(paths_or_globs);
  if (!files.ok()) return files.status();
  RuleSet set;
  std::vector<std::string> errors;
  for (const std::string& file : *files) {
    absl::StatusOr<std::string> text = ReadFile(file, kMaxRuleFileBytes);
    if (!text.ok()) {
      errors.push_back(absl::StrCat("cannot read rule file: ", text.status().message()));
      continue;
    }
    absl::StatusOr<std::vector<RuleGroup>> groups = ParseRuleFile(*text, file);
    if (!groups.ok()) {
      errors.push_back(std::string(groups.status().message()));
      continue;
    }
    set.files.push_back(file);
    for (RuleGroup& group : *groups) set.groups.push_back(std::move(group));
  }
  if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  return set;
}

}  // namespace vigil::alerts
