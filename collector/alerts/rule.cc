#include "collector/alerts/rule.h"

namespace vigil::alerts {

absl::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kCritical:
      return "critical";
  }
  return "warning";
}

bool ParseSeverity(absl::string_view text, Severity* severity) {
  for (Severity s : {Severity::kInfo, Severity::kWarning, Severity::kCritical}) {
    if (text == SeverityName(s)) {
      *severity = s;
      return true;
    }
  }
  return false;
}

}  // namespace vigil::alerts
