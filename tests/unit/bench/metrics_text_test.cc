#include "bench/metrics_text.h"

#include <catch2/catch.hpp>

namespace vigil::bench {
namespace {

constexpr char kExposition[] = R"(# HELP vigil_alert_rule_evaluations_total Rule evaluations.
# TYPE vigil_alert_rule_evaluations_total counter
vigil_alert_rule_evaluations_total 1234
# TYPE vigil_alert_rule_evaluations_total_extra counter
vigil_alert_rule_evaluations_total_extra 99
# TYPE vigil_alert_rule_evaluation_seconds histogram
vigil_alert_rule_evaluation_seconds_bucket{le="0.001"} 10
vigil_alert_rule_evaluation_seconds_bucket{le="+Inf"} 12
vigil_alert_rule_evaluation_seconds_sum 0.5
vigil_alert_rule_evaluation_seconds_count 12
vigil_notify_sent_total{receiver="a}b",channel="web\"hook"} 3
vigil_notify_sent_total{receiver="c"} 4 1700000000000
)";

TEST_CASE("MetricSum reads a counter without labels and ignores longer names", "[metrics_text]") {
  absl::StatusOr<double> v = MetricSum(kExposition, "vigil_alert_rule_evaluations_total");
  REQUIRE(v.ok());
  CHECK(*v == 1234);
}

TEST_CASE("MetricSum reads a histogram's sum and count, not its buckets", "[metrics_text]") {
  CHECK(*MetricSum(kExposition, "vigil_alert_rule_evaluation_seconds_sum") == 0.5);
  CHECK(*MetricSum(kExposition, "vigil_alert_rule_evaluation_seconds_count") == 12);
  CHECK(!MetricSum(kExposition, "vigil_alert_rule_evaluation_seconds").ok());
}

TEST_CASE("MetricSum adds every label set, with quoted braces and a timestamp", "[metrics_text]") {
  absl::StatusOr<double> v = MetricSum(kExposition, "vigil_notify_sent_total");
  REQUIRE(v.ok());
  CHECK(*v == 7);
}

TEST_CASE("MetricSum says which metric is missing or malformed", "[metrics_text]") {
  absl::StatusOr<double> missing = MetricSum(kExposition, "vigil_nothing_total");
  REQUIRE(missing.status().code() == absl::StatusCode::kNotFound);
  CHECK(missing.status().message().find("vigil_nothing_total") != std::string::npos);

  absl::StatusOr<double> bad = MetricSum("a 1\nx_total{k=\"v\"} many\n", "x_total");
  REQUIRE(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(bad.status().message().find("line 2") != std::string::npos);
  CHECK(bad.status().message().find("many") != std::string::npos);

  CHECK(MetricSum("x_total{k=\"v} 1\n", "x_total").status().code() ==
        absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vigil::bench
