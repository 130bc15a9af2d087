#include "collector/api/query_json.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/sample_value.h"

namespace vigil::api {
namespace {

void AppendJsonString(absl::string_view text, std::string* out) {
  out->append(nlohmann::json(std::string(text))
                  .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void AppendMetric(const LabelSet& labels, std::string* out) {
  out->append(R"("metric":{)");
  bool first = true;
  for (const Label& label : labels.labels()) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(label.name, out);
    out->push_back(':');
    AppendJsonString(label.value, out);
  }
  out->push_back('}');
}

// [<time>,"<value>"]
void AppendPoint(const query::Point& p, std::string* out) {
  out->push_back('[');
  AppendPromTimestamp(p.t_ms, out);
  absl::StrAppend(out, ",\"", FormatSampleValue(p.v), "\"]");
}

const char* ResultTypeName(query::ValueType type) {
  switch (type) {
    case query::ValueType::kScalar:
      return "scalar";
    case query::ValueType::kInstantVector:
      return "vector";
    case query::ValueType::kRangeVector:
      return "matrix";
    case query::ValueType::kString:
      return "string";
  }
  return "vector";
}

}  // namespace

void AppendPromTimestamp(int64_t ms, std::string* out) {
  if (ms < 0) {
    out->push_back('-');
    // -INT64_MIN overflows; no query time is near it.
    ms = ms == INT64_MIN ? INT64_MAX : -ms;
  }
  absl::StrAppend(out, ms / 1000);
  const int64_t fraction = ms % 1000;
  if (fraction != 0) {
    out->push_back('.');
    if (fraction < 100) out->push_back('0');
    if (fraction < 10) out->push_back('0');
    absl::StrAppend(out, fraction);
  }
}

std::string QueryDataJson(const query::QueryResult& result, int64_t eval_time_ms) {
  std::string out =
      absl::StrCat(R"({"resultType":")", ResultTypeName(result.type), R"(","result":)");
  switch (result.type) {
    case query::ValueType::kScalar:
      AppendPoint({eval_time_ms, result.scalar.v}, &out);
      break;
    case query::ValueType::kString:
      out.push_back('[');
      AppendPromTimestamp(eval_time_ms, &out);
      out.push_back(',');
      AppendJsonString(result.string, &out);
      out.push_back(']');
      break;
    case query::ValueType::kInstantVector:
    case query::ValueType::kRangeVector: {
      const bool matrix = result.type == query::ValueType::kRangeVector;
      out.push_back('[');
      bool first = true;
      for (const query::Series& series : result.series) {
        if (series.points.empty()) continue;
        if (!first) out.push_back(',');
        first = false;
        out.push_back('{');
        AppendMetric(series.labels, &out);
        if (matrix) {
          out.append(R"(,"values":[)");
          for (size_t i = 0; i < series.points.size(); ++i) {
            if (i > 0) out.push_back(',');
            AppendPoint(series.points[i], &out);
          }
          out.push_back(']');
        } else {
          out.append(R"(,"value":)");
          AppendPoint(series.points.front(), &out);
        }
        out.push_back('}');
      }
      out.push_back(']');
      break;
    }
  }
  out.push_back('}');
  return out;
}

}  // namespace vigil::api
