#include "collector/query/eval_value.h"

namespace vigil::query {

bool StepSeries::Empty() const {
  for (uint8_t p : present) {
    if (p != 0) return false;
  }
  return true;
}

void DropEmptySeries(StepMatrix* matrix) {
  size_t keep = 0;
  for (size_t i = 0; i < matrix->size(); ++i) {
    if ((*matrix)[i].Empty()) continue;
    if (keep != i) (*matrix)[keep] = std::move((*matrix)[i]);
    ++keep;
  }
  matrix->resize(keep);
}

}  // namespace vigil::query
