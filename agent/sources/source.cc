#include "agent/sources/source.h"

namespace vigil::agent {

absl::string_view EventSeverityName(EventSeverity severity) {
  switch (severity) {
    case EventSeverity::kInfo:
      return "info";
    case EventSeverity::kWarning:
      return "warning";
    case EventSeverity::kCritical:
      return "critical";
  }
  return "info";
}

}  // namespace vigil::agent
