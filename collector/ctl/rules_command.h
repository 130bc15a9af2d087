// `vigilctl rules check FILE...`: validates alert rule files offline, exactly as the
// collector does at load (collector/alerts/rule_file.h), without a collector.
//
// Built into its own library (vigil_ctl_rules) because it needs the query parser of
// vigil_collector, which the rest of vigilctl's library (vigil_ctl) does not link.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace vigil::ctl {

// Checks each file (literal paths; a pattern is expanded as the collector's rule_files
// are). For a good file prints "FILE: N groups, M rules" to `out`; for a bad one its
// errors, one per line, to `err`. Returns the exit code: 0 when every file is good, 1
// otherwise.
int CheckRuleFiles(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);

}  // namespace vigil::ctl
