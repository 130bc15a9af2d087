#include "collector/query/result_proto.h"

namespace vigil::query {

const char* ResultTypeName(const QueryResult& result) {
  switch (result.type) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kInstantVector:
      return "vector";
    case ValueType::kRangeVector:
      return "matrix";
    case ValueType::kString:
      return "string";
  }
  return "vector";
}

void ResultToProto(const QueryResult& result, v1::EvaluateResponse* response) {
  response->set_result_type(ResultTypeName(result));
  response->set_series_touched(result.stats.series_touched);
  response->set_samples_decoded(result.stats.samples_decoded);
  response->set_wall_us(result.stats.wall_ns / 1000);
  if (result.type == ValueType::kString) {
    response->set_string_value(result.string);
    return;
  }
  if (result.type == ValueType::kScalar) {
    v1::SeriesData* series = response->add_series();
    series->add_timestamps_ms(result.scalar.t_ms);
    series->add_values(result.scalar.v);
    return;
  }
  for (const Series& s : result.series) {
    v1::SeriesData* series = response->add_series();
    for (const Label& label : s.labels.labels()) {
      v1::Label* l = series->add_labels();
      l->set_name(label.name);
      l->set_value(label.value);
    }
    series->mutable_timestamps_ms()->Reserve(static_cast<int>(s.points.size()));
    series->mutable_values()->Reserve(static_cast<int>(s.points.size()));
    for (const Point& p : s.points) {
      series->add_timestamps_ms(p.t_ms);
      series->add_values(p.v);
    }
  }
}

}  // namespace vigil::query
