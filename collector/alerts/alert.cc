#include "collector/alerts/alert.h"

namespace vigil::alerts {

absl::string_view AlertStateName(AlertState state) {
  switch (state) {
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
    case AlertState::kResolved:
      return "resolved";
  }
  return "pending";
}

}  // namespace vigil::alerts
