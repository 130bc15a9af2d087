#include "tests/unit/collector/query/promql_fixture.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <span>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "collector/query/parser.h"
#include "collector/query/prom_math.h"
#include "collector/query/selector.h"

namespace vigil::query::testing {
namespace {

// One value token of a series line, expanded.
struct Expanded {
  std::vector<std::optional<double>> values;  // nullopt: no sample at that step
};

double ParseNumber(absl::string_view text) {
  if (text == "stale") return std::bit_cast<double>(kStaleMarkerBits);
  if (text == "NaN") return kNaN;
  if (text == "Inf" || text == "+Inf") return kInf;
  if (text == "-Inf") return -kInf;
  double v = 0;
  if (!absl::SimpleAtod(text, &v)) FAIL("bad number in fixture: " << std::string(text));
  return v;
}

// `a+bxn`, `a-bxn`, `axn`, `_`, `_xn`, `stale`, a number.
void Expand(absl::string_view token, Expanded* out) {
  if (token == "_") {
    out->values.push_back(std::nullopt);
    return;
  }
  const size_t x = token.find('x');
  if (x == absl::string_view::npos || token == "stale") {
    out->values.push_back(ParseNumber(token));
    return;
  }
  int n = 0;
  if (!absl::SimpleAtoi(token.substr(x + 1), &n)) FAIL("bad repeat: " << std::string(token));
  const absl::string_view head = token.substr(0, x);
  if (head == "_") {
    for (int i = 0; i < n; ++i) out->values.push_back(std::nullopt);
    return;
  }
  // The sign of the increment is the last + or - that is not the number's own sign or
  // an exponent's.
  size_t op = absl::string_view::npos;
  for (size_t i = 1; i < head.size(); ++i) {
    if ((head[i] == '+' || head[i] == '-') && head[i - 1] != 'e' && head[i - 1] != 'E') op = i;
  }
  double start = 0, step = 0;
  if (op == absl::string_view::npos) {
    start = ParseNumber(head);
  } else {
    start = ParseNumber(head.substr(0, op));
    step = ParseNumber(head.substr(op + 1));
    if (head[op] == '-') step = -step;
  }
  for (int i = 0; i <= n; ++i) out->values.push_back(start + step * i);
}

}  // namespace

PromqlFixture::PromqlFixture(EngineOptions options) : clock_(absl::FromUnixMillis(0)) {
  storage::TsdbOptions o;
  o.dir = dir_.Path("db");
  o.clock = &clock_;
  o.sync_writes = false;
  absl::StatusOr<std::unique_ptr<storage::Tsdb>> opened = storage::Tsdb::Open(o);
  REQUIRE(opened.ok());
  tsdb_ = std::move(*opened);
  engine_ = std::make_unique<Engine>(tsdb_.get(), options, &metrics_);
}

PromqlFixture::~PromqlFixture() {
  engine_.reset();
  tsdb_.reset();
}

std::unique_ptr<Engine> PromqlFixture::MakeEngine(EngineOptions options) const {
  return std::make_unique<Engine>(tsdb_.get(), options);
}

void PromqlFixture::Add(const LabelSet& labels, const std::vector<int64_t>& ts,
                        const std::vector<double>& vs) {
  REQUIRE(ts.size() == vs.size());
  if (ts.empty()) return;
  absl::StatusOr<storage::SeriesId> id = tsdb_->index().GetOrCreate(labels);
  REQUIRE(id.ok());
  // Commits in slices, the clock at each slice's newest sample (as an agent sends what it
  // just sampled), so that samples older than the open window go to chunks as in life.
  constexpr size_t kSlice = 4096;
  for (size_t begin = 0; begin < ts.size(); begin += kSlice) {
    const size_t end = std::min(ts.size(), begin + kSlice);
    const int64_t newest = ts[end - 1];
    if (newest > clock_.NowMs()) clock_.Set(absl::FromUnixMillis(newest));
    newest_ms_ = std::max(newest_ms_, newest);
    storage::SeriesWrite w{*id, std::span(ts).subspan(begin, end - begin),
                           std::span(vs).subspan(begin, end - begin)};
    absl::StatusOr<storage::CommitResult> result = tsdb_->Commit(
        std::span<const storage::SeriesWrite>(&w, 1), {"fixture", "run", ++sequence_, 0});
    REQUIRE(result.ok());
    REQUIRE(result->stored == end - begin);
  }
}

void PromqlFixture::Load(absl::string_view text) {
  int64_t interval_ms = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    if (absl::ConsumePrefix(&line, "load ")) {
      absl::StatusOr<int64_t> interval = ParseDurationMs(absl::StripAsciiWhitespace(line));
      REQUIRE(interval.ok());
      interval_ms = *interval;
      continue;
    }
    REQUIRE(interval_ms > 0);
    // The labels end at the closing brace, or at the first space without braces.
    size_t split = line.find('}');
    split = split == absl::string_view::npos ? line.find(' ') : split + 1;
    REQUIRE(split != absl::string_view::npos);
    const LabelSet labels = ParseLabels(line.substr(0, split));
    Expanded expanded;
    for (absl::string_view token :
         absl::StrSplit(line.substr(split), ' ', absl::SkipWhitespace())) {
      Expand(token, &expanded);
    }
    std::vector<int64_t> ts;
    std::vector<double> vs;
    for (size_t i = 0; i < expanded.values.size(); ++i) {
      if (!expanded.values[i]) continue;
      ts.push_back(static_cast<int64_t>(i) * interval_ms);
      vs.push_back(*expanded.values[i]);
    }
    Add(labels, ts, vs);
  }
}

void PromqlFixture::Flush() {
  const int64_t span = tsdb_->options().chunk_span_ms;
  const int64_t later = newest_ms_ + 3 * span;
  if (later > clock_.NowMs()) clock_.Set(absl::FromUnixMillis(later));
  REQUIRE(tsdb_->Maintain().ok());
  REQUIRE(tsdb_->HeadSeriesCount() == 0);
}

LabelSet ParseLabels(absl::string_view text) {
  if (text == "{}") return LabelSet();
  absl::StatusOr<std::vector<storage::LabelMatcher>> matchers = ParseSelector(text);
  INFO(std::string(text));
  REQUIRE(matchers.ok());
  std::vector<Label> labels;
  for (const storage::LabelMatcher& m : *matchers) {
    REQUIRE(m.type() == storage::LabelMatcher::Type::kEqual);
    labels.push_back({m.name(), m.value()});
  }
  return LabelSet(std::move(labels));
}

std::vector<Sample> Flatten(const QueryResult& result) {
  std::vector<Sample> out;
  if (result.type == ValueType::kScalar) {
    out.push_back({"scalar", result.scalar.t_ms, result.scalar.v});
    return out;
  }
  for (const Series& s : result.series) {
    const std::string labels = s.labels.empty() ? "{}" : s.labels.ToString();
    for (const Point& p : s.points) out.push_back({labels, p.t_ms, p.v});
  }
  return out;
}

bool SameValue(double want, double got) {
  if (std::isnan(want) || std::isnan(got)) return std::isnan(want) && std::isnan(got);
  if (want == got) return true;
  return std::fabs(want - got) <= 1e-12 * std::max(std::fabs(want), std::fabs(got));
}

namespace {

int64_t Ms(double seconds) { return std::llround(seconds * 1000); }

std::string Describe(const std::vector<Sample>& samples) {
  std::string out;
  for (const Sample& s : samples)
    absl::StrAppend(&out, "  ", s.labels, " => ", s.v, " @", s.t_ms, "\n");
  return out.empty() ? "  (nothing)\n" : out;
}

}  // namespace

void CheckInstant(Engine& engine, const std::string& expr, double t_s,
                  const std::vector<Want>& want, bool ordered) {
  INFO("instant query: " << expr << " at " << t_s << "s");
  absl::StatusOr<QueryResult> result = engine.Instant(expr, Ms(t_s));
  if (!result.ok()) FAIL(result.status().ToString());
  std::vector<Sample> got = Flatten(*result);
  INFO("got:\n" << Describe(got));
  REQUIRE(got.size() == want.size());
  std::vector<bool> used(got.size(), false);
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("want " << want[i].labels << " => " << want[i].v);
    bool found = false;
    for (size_t j = 0; j < got.size() && !found; ++j) {
      if (used[j] || (ordered && j != i)) continue;
      if (got[j].labels != want[i].labels) continue;
      CHECK(got[j].t_ms == Ms(t_s));
      CHECK(SameValue(want[i].v, got[j].v));
      used[j] = found = true;
    }
    CHECK(found);
  }
}

void CheckRange(Engine& engine, const std::string& expr, double start_s, double end_s,
                double step_s, const std::vector<WantSeries>& want) {
  INFO("range query: " << expr << " from " << start_s << "s to " << end_s << "s step " << step_s);
  absl::StatusOr<QueryResult> result = engine.Range(expr, Ms(start_s), Ms(end_s), Ms(step_s));
  if (!result.ok()) FAIL(result.status().ToString());
  INFO("got:\n" << Describe(Flatten(*result)));
  REQUIRE(result->type == ValueType::kRangeVector);
  REQUIRE(result->series.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const Series& s = result->series[i];
    CHECK((s.labels.empty() ? "{}" : s.labels.ToString()) == want[i].labels);
    REQUIRE(s.points.size() == want[i].points.size());
    for (size_t j = 0; j < s.points.size(); ++j) {
      INFO("point " << j);
      CHECK(s.points[j].t_ms == Ms(want[i].points[j].first));
      CHECK(SameValue(want[i].points[j].second, s.points[j].v));
    }
  }
}

std::string ErrorOf(const absl::StatusOr<QueryResult>& result, absl::StatusCode code) {
  REQUIRE_FALSE(result.ok());
  INFO(result.status().ToString());
  CHECK(result.status().code() == code);
  return std::string(result.status().message());
}

std::string QueryError(Engine& engine, const std::string& expr, double t_s, absl::StatusCode code) {
  INFO("instant query: " << expr);
  return ErrorOf(engine.Instant(expr, Ms(t_s)), code);
}

void RunInstantCases(PromqlFixture& f, const std::vector<InstantCase>& cases) {
  for (const InstantCase& c : cases) CheckInstant(f.engine(), c.expr, c.t_s, c.want);
}

}  // namespace vigil::query::testing
