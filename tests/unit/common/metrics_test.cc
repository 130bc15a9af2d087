#include "common/metrics.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace vigil {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <typename T>
T* Must(absl::StatusOr<T*> metric) {
  REQUIRE(metric.ok());
  return *metric;
}

TEST_CASE("Counter renders with HELP and TYPE") {
  MetricsRegistry registry;
  Counter* batches = Must(registry.AddCounter("vigil_batches_total", "Batches stored."));
  batches->Inc();
  batches->Add(41);
  batches->Add(size_t{2});
  batches->Add(0.5);
  CHECK(batches->Value() == 44.5);
  CHECK(registry.Render() ==
        "# HELP vigil_batches_total Batches stored.\n"
        "# TYPE vigil_batches_total counter\n"
        "vigil_batches_total 44.5\n");
}

TEST_CASE("Counter ignores negative and NaN additions") {
  Counter counter;
  counter.Add(3);
  counter.Add(-1);
  counter.Add(int64_t{-5});
  counter.Add(-0.5);
  counter.Add(kNaN);
  CHECK(counter.Value() == 3);
}

TEST_CASE("Gauge sets, adds and renders special values") {
  MetricsRegistry registry;
  Gauge* queue = Must(registry.AddGauge("vigil_queue_length", "Batches waiting."));
  CHECK(registry.Render() ==
        "# HELP vigil_queue_length Batches waiting.\n"
        "# TYPE vigil_queue_length gauge\n"
        "vigil_queue_length 0\n");
  queue->Set(10);
  queue->Add(-2.5);
  queue->Inc();
  queue->Dec();
  queue->Dec();
  CHECK(queue->Value() == 6.5);
  CHECK(registry.Render() ==
        "# HELP vigil_queue_length Batches waiting.\n"
        "# TYPE vigil_queue_length gauge\n"
        "vigil_queue_length 6.5\n");
  queue->Set(kInf);
  CHECK(registry.Render().find("vigil_queue_length +Inf\n") != std::string::npos);
  queue->Set(-kInf);
  CHECK(registry.Render().find("vigil_queue_length -Inf\n") != std::string::npos);
  queue->Set(kNaN);
  CHECK(registry.Render().find("vigil_queue_length NaN\n") != std::string::npos);
  queue->Set(1e-7);
  CHECK(registry.Render().find("vigil_queue_length 1e-07\n") != std::string::npos);
}

TEST_CASE("Histogram renders cumulative buckets, +Inf, sum and count") {
  MetricsRegistry registry;
  Histogram* latency =
      Must(registry.AddHistogram("vigil_commit_seconds", "Commit latency.", {0.001, 0.01, 0.1, 1}));
  for (double v : {0.0005, 0.001, 0.002, 0.05, 0.05, 0.5, 7.0}) latency->Observe(v);
  CHECK(registry.Render() ==
        "# HELP vigil_commit_seconds Commit latency.\n"
        "# TYPE vigil_commit_seconds histogram\n"
        "vigil_commit_seconds_bucket{le=\"0.001\"} 2\n"
        "vigil_commit_seconds_bucket{le=\"0.01\"} 3\n"
        "vigil_commit_seconds_bucket{le=\"0.1\"} 5\n"
        "vigil_commit_seconds_bucket{le=\"1\"} 6\n"
        "vigil_commit_seconds_bucket{le=\"+Inf\"} 7\n"
        "vigil_commit_seconds_sum 7.6035\n"
        "vigil_commit_seconds_count 7\n");
}

TEST_CASE("Histogram puts values above the last bound and NaN in +Inf") {
  Histogram histogram({1, 2});
  histogram.Observe(1);    // <= 1
  histogram.Observe(1.5);  // <= 2
  histogram.Observe(3);
  histogram.Observe(kInf);
  histogram.Observe(kNaN);
  histogram.Observe(-kInf);  // <= 1
  const Histogram::Snapshot snapshot = histogram.Read();
  CHECK(snapshot.cumulative_counts == std::vector<uint64_t>{2, 3, 6});
  CHECK(std::isnan(snapshot.sum));
}

TEST_CASE("Histogram family renders le after the family's labels") {
  MetricsRegistry registry;
  HistogramFamily* family = Must(registry.AddHistogramFamily(
      "vigil_batch_samples", "Samples per batch.", {"host"}, {10, 100, kInf}));
  family->WithLabels({"db2"})->Observe(50);
  family->WithLabels({"db1"})->Observe(5);
  CHECK(registry.Render() ==
        "# HELP vigil_batch_samples Samples per batch.\n"
        "# TYPE vigil_batch_samples histogram\n"
        "vigil_batch_samples_bucket{host=\"db1\",le=\"10\"} 1\n"
        "vigil_batch_samples_bucket{host=\"db1\",le=\"100\"} 1\n"
        "vigil_batch_samples_bucket{host=\"db1\",le=\"+Inf\"} 1\n"
        "vigil_batch_samples_sum{host=\"db1\"} 5\n"
        "vigil_batch_samples_count{host=\"db1\"} 1\n"
        "vigil_batch_samples_bucket{host=\"db2\",le=\"10\"} 0\n"
        "vigil_batch_samples_bucket{host=\"db2\",le=\"100\"} 1\n"
        "vigil_batch_samples_bucket{host=\"db2\",le=\"+Inf\"} 1\n"
        "vigil_batch_samples_sum{host=\"db2\"} 50\n"
        "vigil_batch_samples_count{host=\"db2\"} 1\n");
}

TEST_CASE("Families give one stable child per label values, rendered sorted") {
  MetricsRegistry registry;
  CounterFamily* refused = Must(registry.AddCounterFamily(
      "vigil_collector_samples_refused_total", "Samples not stored.", {"reason", "kind"}));
  Counter* too_old = refused->WithLabels({"too_old", "sample"});
  Counter* too_many = refused->WithLabels({"too_many_series", "sample"});
  CHECK(refused->WithLabels({"too_old", "sample"}) == too_old);
  CHECK(too_old != too_many);
  too_old->Add(3);
  too_many->Inc();
  CHECK(registry.Render() ==
        "# HELP vigil_collector_samples_refused_total Samples not stored.\n"
        "# TYPE vigil_collector_samples_refused_total counter\n"
        "vigil_collector_samples_refused_total{reason=\"too_many_series\",kind=\"sample\"} 1\n"
        "vigil_collector_samples_refused_total{reason=\"too_old\",kind=\"sample\"} 3\n");
}

TEST_CASE("Families are rendered sorted by name; empty ones are left out") {
  MetricsRegistry registry;
  Must(registry.AddGauge("b_gauge", "B."))->Set(2);
  Must(registry.AddCounter("a_total", "A."))->Inc();
  Must(registry.AddGaugeFamily("c_gauge", "No children yet.", {"x"}));
  Must(registry.AddCounter("B_upper_total", ""));
  CHECK(registry.Render() ==
        "# TYPE B_upper_total counter\n"
        "B_upper_total 0\n"
        "# HELP a_total A.\n"
        "# TYPE a_total counter\n"
        "a_total 1\n"
        "# HELP b_gauge B.\n"
        "# TYPE b_gauge gauge\n"
        "b_gauge 2\n");
}

TEST_CASE("Label values and help text are escaped") {
  MetricsRegistry registry;
  GaugeFamily* family = Must(registry.AddGaugeFamily(
      "vigil_path_info", "Paths with \\ and\nnewlines \"as is\".", {"path"}));
  family->WithLabels({"C:\\data \"x\"\nnext"})->Set(1);
  family->WithLabels({"bad\xff"})->Set(2);
  CHECK(registry.Render() ==
        "# HELP vigil_path_info Paths with \\\\ and\\nnewlines \"as is\".\n"
        "# TYPE vigil_path_info gauge\n"
        "vigil_path_info{path=\"C:\\\\data \\\"x\\\"\\nnext\"} 1\n"
        "vigil_path_info{path=\"bad\\\\xFF\"} 2\n");
}

TEST_CASE("Callbacks are evaluated at each render, their samples sorted") {
  MetricsRegistry registry;
  int calls = 0;
  REQUIRE(registry
              .AddCallback("vigil_storage_bytes", "Bytes on disk per resolution.",
                           MetricType::kGauge, {"resolution"},
                           [&calls](MetricEmitter& emitter) {
                             ++calls;
                             emitter.Emit({"raw"}, 1000 * calls);
                             emitter.Emit({"5m"}, 20);
                           })
              .ok());
  REQUIRE(registry
              .AddCallback("vigil_uptime_seconds_total", "Seconds since start.",
                           MetricType::kCounter, {},
                           [](MetricEmitter& emitter) { emitter.Emit(12.5); })
              .ok());
  REQUIRE(registry
              .AddCallback("vigil_nothing", "Emits nothing.", MetricType::kGauge, {},
                           [](MetricEmitter&) {})
              .ok());
  const std::string want_prefix =
      "# HELP vigil_storage_bytes Bytes on disk per resolution.\n"
      "# TYPE vigil_storage_bytes gauge\n"
      "vigil_storage_bytes{resolution=\"5m\"} 20\n";
  const std::string want_suffix =
      "# HELP vigil_uptime_seconds_total Seconds since start.\n"
      "# TYPE vigil_uptime_seconds_total counter\n"
      "vigil_uptime_seconds_total 12.5\n";
  CHECK(registry.Render() ==
        want_prefix + "vigil_storage_bytes{resolution=\"raw\"} 1000\n" + want_suffix);
  CHECK(registry.Render() ==
        want_prefix + "vigil_storage_bytes{resolution=\"raw\"} 2000\n" + want_suffix);
  CHECK(calls == 2);
}

TEST_CASE("A callback cannot be a histogram") {
  MetricsRegistry registry;
  CHECK(registry.AddCallback("h", "", MetricType::kHistogram, {}, [](MetricEmitter&) {}).code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("Invalid and duplicate names are refused") {
  MetricsRegistry registry;
  for (const char* name : {"", "1abc", "a-b", "a b", "é", "a{b}"}) {
    INFO("metric name '" << name << "'");
    CHECK(registry.AddCounter(name, "").status().code() == absl::StatusCode::kInvalidArgument);
  }
  for (const char* ok : {"a", "_a", "a:b", "A1_z:9"}) {
    INFO("metric name '" << ok << "'");
    CHECK(registry.AddGauge(ok, "").ok());
  }
  CHECK(registry.AddCounter("a", "").status().code() == absl::StatusCode::kAlreadyExists);
  CHECK(registry.AddCallback("a", "", MetricType::kGauge, {}, [](MetricEmitter&) {}).code() ==
        absl::StatusCode::kAlreadyExists);

  const std::vector<std::vector<std::string>> bad_labels = {
      {""}, {"1x"}, {"a:b"}, {"__reserved"}, {"x", "y", "x"}, {"a-b"}};
  for (const std::vector<std::string>& labels : bad_labels) {
    INFO("label names " << ::Catch::Detail::stringify(labels));
    CHECK(registry.AddCounterFamily("fam_total", "", labels).status().code() ==
          absl::StatusCode::kInvalidArgument);
  }
  CHECK(registry.AddCounterFamily("fam_total", "", {"le", "_x", "x1"}).ok());
  CHECK(registry.AddHistogramFamily("hist", "", {"le"}, {1}).status().code() ==
        absl::StatusCode::kInvalidArgument);
  // A refused registration does not take the name.
  CHECK(registry.AddHistogramFamily("hist", "", {"l"}, {1}).ok());
}

TEST_CASE("Bucket bounds must be finite and increasing") {
  MetricsRegistry registry;
  const std::vector<std::vector<double>> bad = {{1, 1},     {2, 1},    {kNaN},         {1, kNaN},
                                                {-kInf, 1}, {kInf, 1}, {1, kInf, kInf}};
  for (const std::vector<double>& bounds : bad) {
    INFO("bounds " << ::Catch::Detail::stringify(bounds));
    CHECK(registry.AddHistogram("h", "", bounds).status().code() ==
          absl::StatusCode::kInvalidArgument);
  }
  Histogram* none = Must(registry.AddHistogram("h", "", {}));
  none->Observe(3);
  CHECK(registry.Render() ==
        "# TYPE h histogram\n"
        "h_bucket{le=\"+Inf\"} 1\n"
        "h_sum 3\n"
        "h_count 1\n");
}

TEST_CASE("Bucket helpers") {
  CHECK(ExponentialBuckets(0.001, 10, 4) == std::vector<double>{0.001, 0.01, 0.1, 1});
  CHECK(ExponentialBuckets(1, 2, 5) == std::vector<double>{1, 2, 4, 8, 16});
  CHECK(LinearBuckets(0, 0.25, 4) == std::vector<double>{0, 0.25, 0.5, 0.75});
  CHECK(LinearBuckets(1, 1, 0).empty());
}

TEST_CASE("Concurrent updates from several threads all count") {
  MetricsRegistry registry;
  CounterFamily* family = Must(registry.AddCounterFamily("c_total", "", {"t"}));
  Counter* shared = family->WithLabels({"shared"});
  Gauge* gauge = Must(registry.AddGauge("g", ""));
  Histogram* histogram = Must(registry.AddHistogram("h", "", {0.5}));
  constexpr int kThreads = 8;
  constexpr int kIterations = 100000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Each thread also looks up its own child and the shared one concurrently.
      Counter* own = family->WithLabels({absl::StrCat("t", t % 2)});
      for (int i = 0; i < kIterations; ++i) {
        shared->Inc();
        shared->Add(0.25);
        own->Inc();
        gauge->Add(1);
        histogram->Observe(i % 2 == 0 ? 0.25 : 1.0);
      }
      (void)registry.Render();  // rendering while others write is safe
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double n = static_cast<double>(kThreads) * kIterations;
  CHECK(shared->Value() == n * 1.25);
  CHECK(family->WithLabels({"t0"})->Value() == n / 2);
  CHECK(family->WithLabels({"t1"})->Value() == n / 2);
  CHECK(gauge->Value() == n);
  const Histogram::Snapshot snapshot = histogram->Read();
  CHECK(snapshot.cumulative_counts ==
        std::vector<uint64_t>{static_cast<uint64_t>(n / 2), static_cast<uint64_t>(n)});
  CHECK(snapshot.sum == n / 2 * 1.25);
}

TEST_CASE("Rendered text passes promtool check metrics") {
  const std::string promtool = "/usr/bin/promtool";
  if (access(promtool.c_str(), X_OK) != 0) {
    WARN("promtool not installed (Debian package prometheus): format check skipped");
    return;
  }
  MetricsRegistry registry;
  Must(registry.AddCounter("vigil_test_batches_total", "Batches."))->Add(3);
  Must(registry.AddGauge("vigil_test_queue_batches", "Queue."))->Set(-1.5);
  CounterFamily* refused =
      Must(registry.AddCounterFamily("vigil_test_refused_total", "Refused.", {"reason"}));
  refused->WithLabels({"a \"quoted\"\\ value\nwith newline"})->Inc();
  refused->WithLabels({"too_old"})->Add(2);
  HistogramFamily* latency = Must(registry.AddHistogramFamily(
      "vigil_test_commit_seconds", "Latency.", {"kind"}, ExponentialBuckets(0.0001, 10, 6)));
  latency->WithLabels({"raw"})->Observe(0.003);
  latency->WithLabels({"raw"})->Observe(30);
  REQUIRE(registry
              .AddCallback("vigil_test_disk_bytes", "Disk.", MetricType::kGauge, {"resolution"},
                           [](MetricEmitter& e) {
                             e.Emit({"raw"}, 1e9);
                             e.Emit({"1h"}, 1e-9);
                           })
              .ok());
  testing::TempDir dir;
  dir.WriteFile("metrics.txt", registry.Render());
  std::string output;
  const int status = testing::RunCommand(
      {"/bin/sh", "-c", absl::StrCat(promtool, " check metrics < ", dir.Path("metrics.txt"))},
      &output);
  INFO(registry.Render());
  INFO(output);
  CHECK(status == 0);
}

}  // namespace
}  // namespace vigil
