#include "collector/ctl/rules_command.h"

#include "collector/alerts/rule_file.h"

namespace vigil::ctl {

int CheckRuleFiles(const std::vector<std::string>& files, std::ostream& out, std::ostream& err) {
  int exit_code = 0;
  for (const std::string& file : files) {
    absl::StatusOr<std::vector<std::string>> paths = alerts::ExpandRuleFilePaths({file});
    if (!paths.ok()) {
      err << paths.status().message() << "\n";
      exit_code = 1;
      continue;
    }
    if (paths->empty()) {
      err << file << ": no file matches\n";
      exit_code = 1;
      continue;
    }
    for (const std::string& path : *paths) {
      absl::StatusOr<alerts::RuleSet> rules = alerts::LoadRuleFiles({path});
      if (!rules.ok()) {
        err << rules.status().message() << "\n";
        exit_code = 1;
        continue;
      }
      out << path << ": " << rules->groups.size()
          << (rules->groups.size() == 1 ? " group, " : " groups, ") << rules->RuleCount()
          << (rules->RuleCount() == 1 ? " rule" : " rules") << "\n";
    }
  }
  return exit_code;
}

}  // namespace vigil::ctl
