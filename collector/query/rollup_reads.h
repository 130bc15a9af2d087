// *_over_time over long windows from rollups (engine.h): a window [start, end] (both
// ends included) is cut into the raw samples of its ragged edges, the 1-minute rollup
// points of the whole minutes inside it, and the 1-hour points of the whole hours:
//
//   [start, a) raw | [a, b) minutes | [b, c) hours | [c, d) minutes | [d, end] raw
//
// a = start rounded up to a minute, d = end + 1 rounded down to a minute (the bucket of
// `end` itself is whole only if end is its last millisecond), b and c the hours likewise
// inside [a, d). min, max, count and last of the pieces, combined in time order, are
// exactly those of the raw samples; sum and avg differ only by the order of additions.
//
// Stateless functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>

#include "absl/strings/string_view.h"
#include "collector/storage/rollup_codec.h"

namespace vigil::query {

// The cut points of a window; pieces are half-open [x, y) and may be empty.
struct WindowPieces {
  int64_t start = 0;  // raw head [start, minutes_begin)
  int64_t minutes_begin = 0;
  int64_t hours_begin = 0;
  int64_t hours_end = 0;
  int64_t minutes_end = 0;  // raw tail [minutes_end, end_exclusive)
  int64_t end_exclusive = 0;
};

// Cuts [start, end] (start <= end).
WindowPieces CutWindow(int64_t start, int64_t end);

// The *_over_time functions rollups can answer.
enum class RollupFunction { kMin, kMax, kSum, kCount, kAvg, kLast };
// The function named `name` ("max_over_time", ...); false if rollups cannot answer it.
bool RollupFunctionOf(absl::string_view name, RollupFunction* out);

// One series' data for a window: raw samples (staleness markers dropped) covering at
// least the window's raw pieces, and the minute and hour points covering its rollup
// pieces, each ascending.
struct RollupInputs {
  std::span<const int64_t> ts;
  std::span<const double> vs;
  std::span<const storage::RollupPoint> minutes;
  std::span<const storage::RollupPoint> hours;
};

// Evaluates `f` over the window cut as `pieces`; false if the window holds no sample.
bool EvalRollupWindow(RollupFunction f, const WindowPieces& pieces, const RollupInputs& in,
                      double* out);

}  // namespace vigil::query
