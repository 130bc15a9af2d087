// How urgent an alert is: info | warning | critical. Its own header so that on-call
// code (escalation policies) can name severities without the rule model.
// SeverityName and ParseSeverity are declared in rule.h.
#pragma once

namespace vigil::alerts {

enum class Severity { kInfo = 0, kWarning = 1, kCritical = 2 };

}  // namespace vigil::alerts
