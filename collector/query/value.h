// What an evaluated PromQL expression returns, in the shapes of Prometheus' HTTP API:
// scalar, string, vector (one point per series, at the evaluation time) and matrix
// (many points per series).
//
// Value types; not thread-safe for concurrent mutation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "collector/query/ast.h"
#include "common/labels.h"

namespace vigil::query {

struct Point {
  int64_t t_ms = 0;
  double v = 0;
  bool operator==(const Point&) const = default;
};

struct Series {
  LabelSet labels;
  std::vector<Point> points;  // ascending time
};

// What one query cost; the HTTP API reports it under "stats" when asked, the engine's
// self metrics add it up, and the limits (engine.h) are checked against it.
struct QueryStats {
  size_t series_touched = 0;   // series selected, over all selectors of the query
  size_t samples_decoded = 0;  // raw samples plus rollup points read from storage
  int64_t wall_ns = 0;         // parse + evaluation
};

struct QueryResult {
  // Instant query: the expression's type (kRangeVector for `x[5m]`: a matrix of the raw
  // samples). Range query: kRangeVector (a matrix, one point per step where the series
  // had a value) or kScalar/kString evaluated at every step are also returned as a
  // matrix with one series without labels, as Prometheus does.
  ValueType type = ValueType::kInstantVector;
  // kInstantVector: one point each, t = evaluation time. kRangeVector: the points.
  // Sorted by labels for matrices; vectors keep the engine's order (sort/topk order).
  std::vector<Series> series;
  Point scalar;        // kScalar (instant query)
  std::string string;  // kString (instant query)
  QueryStats stats;
};

}  // namespace vigil::query
