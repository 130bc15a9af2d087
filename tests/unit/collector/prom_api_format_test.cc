// The HTTP API's parameter parsing and JSON, compared with what Prometheus accepts and
// writes (web/api/v1): times, durations, query results byte for byte, error shapes.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "collector/api/api_reply.h"
#include "collector/api/prom_params.h"
#include "collector/api/query_json.h"

namespace vigil::api {
namespace {

LabelSet Labels(std::vector<Label> labels) { return LabelSet(std::move(labels)); }

TEST_CASE("Times are Unix seconds (to the millisecond) or RFC 3339") {
  CHECK(*ParseTimeParam("1700000000") == 1'700'000'000'000);
  CHECK(*ParseTimeParam("1700000000.123") == 1'700'000'000'123);
  CHECK(*ParseTimeParam("1700000000.1234") == 1'700'000'000'123);
  CHECK(*ParseTimeParam("1700000000.5") == 1'700'000'000'500);
  CHECK(*ParseTimeParam("-1.5") == -1'500);
  CHECK(*ParseTimeParam("2023-11-14T22:13:20Z") == 1'700'000'000'000);
  CHECK(*ParseTimeParam("2023-11-14T23:13:20.25+01:00") == 1'700'000'000'250);
  for (const char* bad : {"", "now", "1e400", "NaN", "2023-11-14"}) {
    absl::StatusOr<int64_t> t = ParseTimeParam(bad);
    INFO(bad);
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().message() == std::string("cannot parse \"") + bad + "\" to a valid timestamp");
  }
}

TEST_CASE("Durations are seconds as a number or a duration") {
  CHECK(*ParseDurationParam("15") == 15'000);
  CHECK(*ParseDurationParam("0.5") == 500);
  CHECK(*ParseDurationParam("1m30s") == 90'000);
  CHECK(*ParseDurationParam("1d") == 86'400'000);
  CHECK(*ParseDurationParam("1y") == 365LL * 86'400'000);
  CHECK(*ParseDurationParam("100ms") == 100);
  CHECK(*ParseDurationParam("0") == 0);
  CHECK(*ParseDurationParam("-5") == -5'000);
  CHECK(ParseDurationParam("fast").status().message() ==
        "cannot parse \"fast\" to a valid duration");
  CHECK(ParseDurationParam("").status().message() == "cannot parse \"\" to a valid duration");
  CHECK(ParseDurationParam("1e300").status().message() ==
        "cannot parse \"1e300\" to a valid duration. It overflows int64");
}

TEST_CASE("Timestamps are written as Prometheus writes them") {
  auto text = [](int64_t ms) {
    std::string out;
    AppendPromTimestamp(ms, &out);
    return out;
  };
  CHECK(text(1'700'000'000'000) == "1700000000");
  CHECK(text(1'700'000'000'123) == "1700000000.123");
  CHECK(text(1'700'000'000'050) == "1700000000.050");
  CHECK(text(1'700'000'000'005) == "1700000000.005");
  CHECK(text(0) == "0");
  CHECK(text(-1'500) == "-1.500");
}

TEST_CASE("Query results in each of Prometheus' result types") {
  query::QueryResult vector;
  vector.type = query::ValueType::kInstantVector;
  vector.series = {{Labels({{"__name__", "up"}, {"instance", "db\"1"}}), {{1'700'000'000'500, 1}}},
                   {Labels({{"instance", "db2"}}), {{1'700'000'000'500, std::nan("")}}},
                   {Labels({{"instance", "gone"}}), {}}};
  CHECK(QueryDataJson(vector, 1'700'000'000'500) ==
        R"({"resultType":"vector","result":[)"
        R"({"metric":{"__name__":"up","instance":"db\"1"},"value":[1700000000.500,"1"]},)"
        R"({"metric":{"instance":"db2"},"value":[1700000000.500,"NaN"]}]})");

  query::QueryResult matrix;
  matrix.type = query::ValueType::kRangeVector;
  matrix.series = {{Labels({{"instance", "db1"}}),
                    {{1'700'000'000'000, std::numeric_limits<double>::infinity()},
                     {1'700'000'015'000, -std::numeric_limits<double>::infinity()},
                     {1'700'000'030'000, 0.1 + 0.2}}}};
  CHECK(QueryDataJson(matrix, 0) ==
        R"({"resultType":"matrix","result":[{"metric":{"instance":"db1"},"values":[)"
        R"([1700000000,"+Inf"],[1700000015,"-Inf"],[1700000030,"0.30000000000000004"]]}]})");

  query::QueryResult empty;
  empty.type = query::ValueType::kRangeVector;
  CHECK(QueryDataJson(empty, 0) == R"({"resultType":"matrix","result":[]})");

  query::QueryResult scalar;
  scalar.type = query::ValueType::kScalar;
  scalar.scalar = {1'700'000'000'000, 2.5};
  CHECK(QueryDataJson(scalar, 1'700'000'000'000) ==
        R"({"resultType":"scalar","result":[1700000000,"2.5"]})");

  query::QueryResult text;
  text.type = query::ValueType::kString;
  text.string = "a \"b\"";
  CHECK(QueryDataJson(text, 1'700'000'000'001) ==
        R"({"resultType":"string","result":[1700000000.001,"a \"b\""]})");
}

TEST_CASE("Replies: success envelope, warnings, and errors with Prometheus' statuses") {
  CHECK(SuccessJson("[]").body == R"({"status":"success","data":[]})");
  CHECK(Success(nlohmann::json::array({"a"}), {"cut"}).body ==
        R"({"status":"success","data":["a"],"warnings":["cut"]})");
  ApiReply bad = Error(ErrorType::kBadData, "invalid parameter \"start\"");
  CHECK(bad.status == 400);
  CHECK(bad.body ==
        R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"start\""})");
  struct Case {
    absl::Status status;
    int http;
    const char* type;
  };
  const Case cases[] = {
      {absl::InvalidArgumentError("x"), 400, "bad_data"},
      {absl::ResourceExhaustedError("x"), 422, "execution"},
      {absl::FailedPreconditionError("x"), 422, "execution"},
      {absl::DeadlineExceededError("x"), 503, "timeout"},
      {absl::CancelledError("x"), 499, "canceled"},
      {absl::UnavailableError("x"), 503, "unavailable"},
      {absl::InternalError("x"), 500, "internal"},
      {absl::DataLossError("x"), 500, "internal"},
      {absl::UnauthenticatedError("x"), 401, "unauthorized"},
      {absl::PermissionDeniedError("x"), 403, "forbidden"},
  };
  for (const Case& c : cases) {
    ApiReply reply = ErrorFromStatus(c.status);
    INFO(c.type);
    CHECK(reply.status == c.http);
    CHECK(nlohmann::json::parse(reply.body)["errorType"] == c.type);
    CHECK(reply.error == "x");
  }
}

}  // namespace
}  // namespace vigil::api
