#include "tests/integration/promql_compat_data.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numbers>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/sample_value.h"
#include "common/status.h"

namespace vigil::testing {
namespace {

constexpr int64_t kStepMs = 15'000;
constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kBatchMs = 10 * kMinuteMs;

// splitmix64: the same numbers on every machine.
struct Rng {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int64_t Below(int64_t n) { return static_cast<int64_t>(Next() % static_cast<uint64_t>(n)); }
};

CompatSeries Series(std::vector<Label> labels) { return {LabelSet(std::move(labels)), {}, {}}; }

void Add(CompatSeries& s, int64_t t, double v) {
  s.ts.push_back(t);
  s.vs.push_back(v);
}

std::string Instance(char host) { return absl::StrCat("host-", std::string(1, host), ":9100"); }

}  // namespace

std::vector<CompatSeries> MakeCompatData() {
  const int64_t t0 = kCompatStartMs;
  const int64_t end = kCompatStartMs + kCompatSpanMs;  // exclusive
  Rng rng{20231114};
  std::vector<CompatSeries> out;

  int index = 0;
  for (char host : {'a', 'b'}) {
    for (const char* method : {"get", "post"}) {
      for (const char* code : {"200", "500"}) {
        CompatSeries s = Series({{"__name__", "compat_requests_total"},
                                 {"job", "api"},
                                 {"instance", Instance(host)},
                                 {"method", method},
                                 {"code", code}});
        const bool errors = code == std::string("500");
        const bool fractional = host == 'a' && method == std::string("post") && !errors;
        const bool restarts = host == 'a' && method == std::string("get") && !errors;
        const bool drops_to_zero = host == 'b' && method == std::string("post") && errors;
        double v = 100.0 * ++index;
        for (int64_t t = t0; t < end; t += kStepMs) {
          double inc = errors       ? (rng.Below(20) == 0 ? 1.0 + rng.Below(3) : 0.0)
                       : fractional ? 0.25 * rng.Below(40)
                                    : static_cast<double>(rng.Below(10 * (index + 1)));
          v += inc;
          if (restarts && t == t0 + 2 * kHourMs + 7 * kMinuteMs + 30'000) v = 3;
          if (drops_to_zero && t == t0 + 4 * kHourMs) v = 0;
          Add(s, t, v);
        }
        out.push_back(std::move(s));
      }
    }
  }

  int k = 0;
  for (char host : {'a', 'b', 'c'}) {
    for (const char* zone : {"x", "y"}) {
      CompatSeries s = Series({{"__name__", "compat_gauge"},
                               {"job", "node"},
                               {"instance", Instance(host)},
                               {"zone", zone}});
      const double base = (k - 2.5) * 1.5;
      const double period = static_cast<double>(40 * kMinuteMs + k * 7 * kMinuteMs);
      int i = 0;
      for (int64_t t = t0; t < end; t += kStepMs, ++i) {
        double v = base +
                   2 * std::sin(2 * std::numbers::pi * static_cast<double>(t - t0) / period) +
                   0.25 * static_cast<double>(rng.Below(5));
        v = std::round(v * 4) / 4;  // quarters: round's ties, exact sums
        if (host == 'c' && zone == std::string("y") && i % 40 == 7) {
          v = std::numeric_limits<double>::quiet_NaN();
        }
        if (host == 'c' && zone == std::string("x") && t == t0 + 2 * kHourMs + 30 * kMinuteMs) {
          v = std::numeric_limits<double>::infinity();
        }
        Add(s, t, v);
      }
      out.push_back(std::move(s));
      ++k;
    }
  }

  {
    CompatSeries s =
        Series({{"__name__", "compat_gap"}, {"job", "node"}, {"instance", Instance('a')}});
    for (int64_t t = t0; t < end; t += kStepMs) {
      const int64_t off = t - t0;
      if (off >= kHourMs && off < kHourMs + 12 * kMinuteMs) continue;
      if (off >= 4 * kHourMs && off < 4 * kHourMs + 3 * kMinuteMs) continue;
      Add(s, t, 10 + 0.5 * static_cast<double>(rng.Below(7)));
    }
    out.push_back(std::move(s));
  }
  {
    CompatSeries s =
        Series({{"__name__", "compat_stop_total"}, {"job", "node"}, {"instance", Instance('a')}});
    double v = 0;
    for (int64_t t = t0; t <= t0 + 3 * kHourMs; t += kStepMs) {
      v += static_cast<double>(rng.Below(5));
      Add(s, t, v);
    }
    out.push_back(std::move(s));
  }
  {
    CompatSeries s = Series(
        {{"__name__", "compat_irregular_total"}, {"job", "api"}, {"instance", Instance('b')}});
    double v = 1000;
    for (int64_t t = t0 + 1234; t < end; t += 1000 + rng.Below(89'001)) {
      v += 0.5 + static_cast<double>(rng.Below(50));
      Add(s, t, v);
    }
    out.push_back(std::move(s));
  }
  const char* const kVersions[] = {"1.0", "1.1", "2.0"};
  for (int h = 0; h < 3; ++h) {
    CompatSeries s = Series({{"__name__", "compat_info"},
                             {"job", "node"},
                             {"instance", Instance(static_cast<char>('a' + h))},
                             {"version", kVersions[h]}});
    for (int64_t t = t0; t < end; t += kMinuteMs) Add(s, t, 1);
    out.push_back(std::move(s));
  }
  {
    CompatSeries s =
        Series({{"__name__", "compat_late"}, {"job", "node"}, {"instance", Instance('d')}});
    for (int64_t t = t0 + 5 * kHourMs; t < end; t += kStepMs) {
      Add(s, t, 42 + static_cast<double>(rng.Below(3)));
    }
    out.push_back(std::move(s));
  }
  {
    CompatSeries s = Series({{"__name__", "compat_single"}, {"job", "node"}});
    int i = 0;
    for (int64_t t = t0; t < end; t += kStepMs, ++i) Add(s, t, 0.1 * (i % 17));
    out.push_back(std::move(s));
  }
  return out;
}

std::string ToOpenMetrics(const std::vector<CompatSeries>& data) {
  std::string out;
  for (const CompatSeries& s : data) {
    std::string labels;
    for (const Label& l : s.labels.labels()) {
      if (l.name == kMetricNameLabel) continue;
      absl::StrAppend(&labels, labels.empty() ? "" : ",", l.name, "=\"", EscapeLabelValue(l.value),
                      "\"");
    }
    const std::string series = absl::StrCat(s.labels.Get(kMetricNameLabel), "{", labels, "}");
    for (size_t i = 0; i < s.ts.size(); ++i) {
      absl::StrAppendFormat(&out, "%s %s %d.%03d\n", series, FormatSampleValue(s.vs[i]),
                            s.ts[i] / 1000, s.ts[i] % 1000);
    }
  }
  out += "# EOF\n";
  return out;
}

absl::Status LoadIntoTsdb(const std::vector<CompatSeries>& data, storage::Tsdb& tsdb,
                          ManualClock& clock) {
  // The series of each instance (an agent's host), with their ids.
  std::map<std::string, std::vector<std::pair<const CompatSeries*, storage::SeriesId>>> hosts;
  for (const CompatSeries& s : data) {
    VIGIL_ASSIGN_OR_RETURN(storage::SeriesId id, tsdb.index().GetOrCreate(s.labels));
    std::string host(s.labels.Get(kInstanceLabel));
    hosts[host.empty() ? "compat" : host].emplace_back(&s, id);
  }
  std::map<std::string, uint64_t> sequence;
  std::vector<storage::SeriesWrite> writes;
  for (int64_t batch = kCompatStartMs; batch < kCompatStartMs + kCompatSpanMs; batch += kBatchMs) {
    clock.Set(absl::FromUnixMillis(batch + kBatchMs - 1));
    for (const auto& [host, series] : hosts) {
      writes.clear();
      size_t expected = 0;
      for (const auto& [s, id] : series) {
        const auto lo = std::lower_bound(s->ts.begin(), s->ts.end(), batch) - s->ts.begin();
        const auto hi =
            std::lower_bound(s->ts.begin(), s->ts.end(), batch + kBatchMs) - s->ts.begin();
        if (lo == hi) continue;
        const size_t n = static_cast<size_t>(hi - lo);
        writes.push_back({id, std::span<const int64_t>(s->ts.data() + lo, n),
                          std::span<const double>(s->vs.data() + lo, n)});
        expected += n;
      }
      if (writes.empty()) continue;
      const uint64_t seq = ++sequence[host];
      VIGIL_ASSIGN_OR_RETURN(storage::CommitResult r,
                             tsdb.Commit(writes, {host, "compat", seq, batch + kBatchMs - 1}));
      if (r.stored != expected) {
        return absl::InternalError(absl::StrCat("batch at ", batch, " of ", host, ": stored ",
                                                r.stored, " of ", expected, " samples"));
      }
    }
    VIGIL_RETURN_IF_ERROR(tsdb.Maintain());
  }
  return absl::OkStatus();
}

}  // namespace vigil::testing
