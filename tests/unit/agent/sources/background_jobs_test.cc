// BackgroundJobs: slow jobs run off the sampling thread, each at its own interval, and
// their results (samples, events, job metrics) are handed over once.
#include "agent/sources/background_jobs.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>

#include "absl/synchronization/notification.h"
#include "common/child_process.h"
#include "tests/unit/agent/sources/recording_sink.h"

namespace vigil::agent {
namespace {

using testing::RecordingSink;

TEST_CASE("a hung job never delays Drain, and its results arrive once when it finishes") {
  absl::Notification release;
  std::atomic<int> runs{0};
  BackgroundJobs jobs(
      "test",
      {BackgroundJob{
          "slow", absl::Hours(1), [&](const JobContext&, SampleSink& sink) {
            release.WaitForNotification();
            ++runs;
            sink.Add("slow_value", {{"k", "v"}}, 42);
            sink.AddEvent(
                Event{absl::Now(), "slow_done", EventSeverity::kWarning, {{"k", "v"}}, "finished"});
            return absl::OkStatus();
          }}});
  RecordingSink sink;
  // The job is blocked: Drain returns at once with nothing.
  REQUIRE(jobs.Drain(sink).ok());
  CHECK(sink.samples().empty());
  release.Notify();
  REQUIRE(WaitFor(
      [&] {
        REQUIRE(jobs.Drain(sink).ok());
        return sink.Find("slow_value", {{"k", "v"}}).has_value();
      },
      absl::Seconds(10)));
  CHECK(*sink.Find("slow_value", {{"k", "v"}}) == 42);
  CHECK(sink.Find("vigil_agent_job_up", {{"source", "test"}, {"job", "slow"}}) == 1);
  CHECK(sink.Find("vigil_agent_job_errors_total", {{"source", "test"}, {"job", "slow"}}) == 0);
  REQUIRE(sink.EventsOf("slow_done").size() == 1);
  CHECK(sink.EventsOf("slow_done")[0].message == "finished");
  // Handed over once: the next drain adds nothing (the next run is an hour away).
  sink.Clear();
  REQUIRE(jobs.Drain(sink).ok());
  CHECK(sink.samples().empty());
  CHECK(sink.events().empty());
  CHECK(runs == 1);
}

TEST_CASE("a failing job is a metric, keeps what it added before failing, and runs again") {
  std::atomic<int> runs{0};
  BackgroundJobs jobs("test", {BackgroundJob{"flaky", absl::Milliseconds(50),
                                             [&](const JobContext&, SampleSink& sink) {
                                               const int n = ++runs;
                                               sink.Add("partial", {}, n);
                                               if (n == 1) return absl::UnavailableError("down");
                                               return absl::OkStatus();
                                             }}});
  RecordingSink sink;
  REQUIRE(jobs.AwaitFirstRuns(absl::Seconds(10)));
  REQUIRE(jobs.Drain(sink).ok());
  CHECK(sink.Find("partial") == 1);
  CHECK(sink.Find("vigil_agent_job_up", {{"source", "test"}, {"job", "flaky"}}) == 0);
  CHECK(sink.Find("vigil_agent_job_errors_total", {{"source", "test"}, {"job", "flaky"}}) == 1);
  sink.Clear();
  REQUIRE(WaitFor(
      [&] {
        REQUIRE(jobs.Drain(sink).ok());
        return sink.Find("vigil_agent_job_up", {{"source", "test"}, {"job", "flaky"}}) == 1;
      },
      absl::Seconds(10)));
  CHECK(runs >= 2);
}

TEST_CASE("the destructor tells a running job to stop and waits for it") {
  std::atomic<bool> saw_stop{false};
  absl::Notification started;
  {
    BackgroundJobs jobs(
        "test", {BackgroundJob{"long", absl::Hours(1), [&](const JobContext& context, SampleSink&) {
                                 started.Notify();
                                 while (!context.stopping->load()) {
                                   absl::SleepFor(absl::Milliseconds(5));
                                 }
                                 saw_stop = true;
                                 return absl::OkStatus();
                               }}});
    RecordingSink sink;
    REQUIRE(jobs.Drain(sink).ok());
    REQUIRE(started.WaitForNotificationWithTimeout(absl::Seconds(10)));
  }
  CHECK(saw_stop);
}

// Threads of this process, from /proc/self/task.
size_t ThreadCount() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/self/task")) {
    ++n;
  }
  return n;
}

TEST_CASE("creating jobs starts nothing until the first drain") {
  std::atomic<int> runs{0};
  const size_t threads = ThreadCount();
  {
    BackgroundJobs jobs(
        "test", {BackgroundJob{"later", absl::Hours(1), [&](const JobContext&, SampleSink&) {
                                 ++runs;
                                 return absl::OkStatus();
                               }}});
    // Validating a configuration creates sources: that must start no thread.
    CHECK(ThreadCount() == threads);
    RecordingSink sink;
    REQUIRE(jobs.Drain(sink).ok());
    CHECK(ThreadCount() == threads + 1);
    REQUIRE(jobs.AwaitFirstRuns(absl::Seconds(10)));
  }
  CHECK(runs == 1);
  CHECK(ThreadCount() == threads);
}

}  // namespace
}  // namespace vigil::agent
