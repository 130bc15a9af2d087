#include "agent/sources/background_jobs.h"

#include <algorithm>

#include "common/log.h"

namespace vigil::agent {

// Schedules use MonotonicNow() (common/clock.h): a wall-clock step never stalls the jobs
// or runs them in a burst.
BackgroundJobs::BackgroundJobs(std::string source, std::vector<BackgroundJob> jobs,
                               const Clock* clock)
    : source_(std::move(source)), clock_(clock) {
  absl::MutexLock lock(&mu_);
  for (BackgroundJob& job : jobs) {
    JobState state;
    state.job = std::move(job);
    jobs_.push_back(std::move(state));
  }
}

BackgroundJobs::~BackgroundJobs() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void BackgroundJobs::Start() {
  absl::MutexLock lock(&mu_);
  if (started_ || jobs_.empty()) return;
  started_ = true;
  thread_ = std::thread([this] { Run(); });
}

absl::Status BackgroundJobs::Drain(SampleSink& sink) {
  Start();
  BufferSink taken;
  {
    absl::MutexLock lock(&mu_);
    taken.Append(finished_);
  }
  taken.MoveTo(sink);
  return absl::OkStatus();
}

bool BackgroundJobs::AwaitFirstRuns(absl::Duration timeout) {
  Start();
  absl::MutexLock lock(&mu_);
  auto all_ran = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return std::all_of(jobs_.begin(), jobs_.end(), [](const JobState& s) { return s.ran; });
  };
  return mu_.AwaitWithTimeout(absl::Condition(&all_ran), timeout);
}

void BackgroundJobs::Run() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    // The job due first; all are due at once at the start.
    JobState* next = nullptr;
    for (JobState& state : jobs_) {
      if (next == nullptr || state.next_due < next->next_due) next = &state;
    }
    const absl::Time now = MonotonicNow();
    if (next->next_due > now) {
      auto stop = [this]() { return stopping_.load(); };
      mu_.AwaitWithTimeout(absl::Condition(&stop), next->next_due - now);
      continue;
    }
    BackgroundJob job = next->job;  // run without the lock: Drain() must not wait for it
    mu_.Unlock();
    BufferSink results;
    const absl::Time start = MonotonicNow();
    absl::Status status = job.run(JobContext{clock_->Now(), &stopping_}, results);
    const double duration = absl::ToDoubleSeconds(MonotonicNow() - start);
    mu_.Lock();

    // `next` still points into jobs_: the vector is never resized after construction.
    JobState& state = *next;
    const absl::Time finished = MonotonicNow();
    // The next run is a whole interval after the due time; a run that took longer than
    // its interval is followed at once, without a burst to catch up.
    state.next_due = state.next_due == absl::InfinitePast() ? finished : state.next_due;
    state.next_due += state.job.interval;
    if (state.next_due < finished) state.next_due = finished;
    state.ran = true;
    state.duration_s = duration;
    if (status.ok()) {
      if (!state.up && !state.last_error.empty()) {
        LogInfo(source_, " job ", state.job.name, " works again");
      }
      state.up = true;
      state.last_error.clear();
    } else {
      ++state.errors;
      const std::string message(status.message());
      if (message != state.last_error) LogWarning(source_, " job ", state.job.name, ": ", message);
      state.up = false;
      state.last_error = message;
    }
    results.Add("vigil_agent_job_up", {{"source", source_}, {"job", state.job.name}},
                state.up ? 1 : 0);
    results.Add("vigil_agent_job_duration_seconds", {{"source", source_}, {"job", state.job.name}},
                duration);
    results.Add("vigil_agent_job_errors_total", {{"source", source_}, {"job", state.job.name}},
                static_cast<double>(state.errors));
    finished_.Append(results);
  }
}

}  // namespace vigil::agent
