// Slow collection off the sampling thread.
//
// Some data takes time the sampling thread must never wait for: a SQL query (the
// database may be slow, locked or hung), a sqlplus script, a scan of a backup directory
// on NFS. A BackgroundJobs owns one thread that runs such jobs, each at its own interval,
// and keeps what each run produced (samples and events) until the sampling thread takes
// it with Drain(). A run's results are handed over once, stamped with the tick that
// drains them: a metric from a 5-minute query is stored every 5 minutes, not every second.
//
// A job must bound its own time (a statement_timeout, a child process killed at its
// deadline) and should return early when `JobContext::stopping` is set; the thread runs
// one job at a time, so a hung job delays the other jobs of its BackgroundJobs, never the
// sampling thread. Give independent targets (two database instances) a BackgroundJobs
// each.
//
// Per job, added with every drained run:
//   vigil_agent_job_up{source,job}               1 if its last run succeeded
//   vigil_agent_job_duration_seconds{source,job} how long its last run took
//   vigil_agent_job_errors_total{source,job}     failed runs since the agent started
// A failing job is logged when it starts failing, when its error changes, and when it
// works again; Drain() itself only fails if the thread cannot run, so the source stays
// "up" while its jobs report their own state.
//
// Threading: jobs run on the owned thread, Drain() and AwaitFirstRuns() are called from
// the sampling thread. The thread starts at the first Drain() or AwaitFirstRuns() (so
// creating a source to validate a configuration starts nothing) and is stopped and
// joined by the destructor, which waits for a running job to return.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/sources/buffer_sink.h"
#include "agent/sources/source.h"
#include "common/clock.h"

namespace vigil::agent {

struct JobContext {
  absl::Time now;                     // from the clock given to BackgroundJobs
  const std::atomic<bool>* stopping;  // set when the agent stops: return soon
};

struct BackgroundJob {
  std::string name;         // the `job` label, e.g. "activity", "sizes", "statements"
  absl::Duration interval;  // > 0
  // Adds samples and events to `sink`. On error the samples added before it are kept.
  std::function<absl::Status(const JobContext& context, SampleSink& sink)> run;
};

class BackgroundJobs {
 public:
  // `source` is the `source` label of the job metrics. Does not own `clock`.
  BackgroundJobs(std::string source, std::vector<BackgroundJob> jobs,
                 const Clock* clock = &Clock::Real());
  ~BackgroundJobs();
  BackgroundJobs(const BackgroundJobs&) = delete;
  BackgroundJobs& operator=(const BackgroundJobs&) = delete;

  // Adds everything finished since the last call to `sink`, oldest run first.
  absl::Status Drain(SampleSink& sink);
  // Starts the thread if needed and waits until every job has finished at least one
  // run (vigil-agent --once); false on timeout.
  bool AwaitFirstRuns(absl::Duration timeout);

 private:
  struct JobState {
    BackgroundJob job;
    absl::Time next_due = absl::InfinitePast();
    bool ran = false;
    bool up = false;
    uint64_t errors = 0;
    double duration_s = 0;
    std::string last_error;
  };

  void Start();
  void Run();

  const std::string source_;
  const Clock* const clock_;
  std::atomic<bool> stopping_{false};

  absl::Mutex mu_;
  std::vector<JobState> jobs_ ABSL_GUARDED_BY(mu_);
  BufferSink finished_ ABSL_GUARDED_BY(mu_);  // results not yet drained
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace vigil::agent
