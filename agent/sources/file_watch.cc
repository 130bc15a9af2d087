#include "agent/sources/file_watch.h"

#include <fnmatch.h>
#include <glob.h>

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "agent/sources/background_jobs.h"
#include "common/file.h"
#include "common/log.h"

namespace vigil::agent {
namespace {

constexpr size_t kMaxEventsPerRun = 100;
constexpr absl::string_view kSource = "file_watch";

bool IsGlob(const std::string& path) { return path.find_first_of("*?[") != std::string::npos; }

}  // namespace

FileWatcher::FileWatcher(const SourceOptions& options) : options_(options.file_watch) {
  root_fs_ = options.root_fs;
  while (!root_fs_.empty() && root_fs_.back() == '/') root_fs_.pop_back();
  state_file_ =
      options_.state_file.empty() ? options.state_dir + "/file_watch.state" : options_.state_file;
}

bool FileWatcher::MatchesConfiguredGlob(const std::string& path) const {
  for (const WatchedPathOptions& p : options_.paths) {
    if (IsGlob(p.path) && fnmatch(p.path.c_str(), path.c_str(), FNM_PATHNAME) == 0) return true;
  }
  return false;
}

std::map<std::string, FileWatcher::Watched> FileWatcher::WatchList(
    const std::vector<DatabaseProcess>& databases) {
  std::map<std::string, Watched> list;
  // Remembered from a database seen running before (perhaps before a restart).
  for (const auto& [path, state] : baseline_) {
    if (state.auto_discovered) list[path] = Watched{true, true};
  }
  if (options_.auto_discover) {
    const ReadSmallFile read = [this](const std::string& path) -> std::optional<std::string> {
      absl::StatusOr<std::string> text = ReadFile(root_fs_ + path, 1 << 20);
      if (!text.ok()) return std::nullopt;
      return *std::move(text);
    };
    for (const DatabaseProcess& database : databases) {
      for (const std::string& path : ConfigFilesOf(database, read))
        list[path] = Watched{true, true};
    }
  }
  // Configured paths last: their `hash` setting wins (hash: false for a control file).
  for (const WatchedPathOptions& p : options_.paths) {
    if (!IsGlob(p.path)) {
      list[p.path] = Watched{p.hash, false};
      continue;
    }
    glob_t matches{};
    const std::string pattern = root_fs_ + p.path;
    if (glob(pattern.c_str(), GLOB_NOSORT, nullptr, &matches) == 0) {
      for (size_t i = 0; i < matches.gl_pathc; ++i) {
        std::string path = matches.gl_pathv[i];
        path.erase(0, root_fs_.size());
        if (path.find('\n') == std::string::npos) list[path] = Watched{p.hash, false};
      }
    }
    globfree(&matches);
  }
  return list;
}

absl::Status FileWatcher::Check(absl::Time now, const std::vector<DatabaseProcess>& databases,
                                SampleSink& sink, const std::atomic<bool>* stopping) {
  if (!loaded_) {
    loaded_ = true;
    absl::StatusOr<std::string> text = ReadFile(state_file_, 16 << 20);
    if (text.ok()) {
      baseline_ = ParseFileStates(*text);
      saved_ = *std::move(text);
    } else if (!absl::IsNotFound(text.status())) {
      CountError("state_read");
      LogWarning(kSource, ": cannot read the baseline ", state_file_, ": ", text.status().message(),
                 "; every file starts a new baseline");
    }
  }

  const std::map<std::string, Watched> watched = WatchList(databases);
  std::map<std::string, FileState> observed;
  size_t events = 0;
  auto report = [&](const std::string& path, const FileChange& change) {
    for (const std::string& kind : change.changes) ++changes_[{path, kind}];
    if (events >= kMaxEventsPerRun) {
      ++events_dropped_;
      return;
    }
    ++events;
    Event event;
    event.time = now;
    event.kind = "file_changed";
    event.severity = EventSeverity::kWarning;
    event.labels = {{"path", path}, {"change", absl::StrJoin(change.changes, ",")}};
    event.message = change.message;
    sink.AddEvent(std::move(event));
  };

  for (const auto& [path, how] : watched) {
    // Stopping half-way: keep the whole baseline as it was, or the files not visited
    // yet would drop out of it and a change to them be missed after the restart.
    if (stopping != nullptr && stopping->load()) return absl::OkStatus();
    absl::StatusOr<FileState> state = StatFile(root_fs_ + path);
    auto before = baseline_.find(path);
    if (!state.ok()) {
      // Unknown (permission denied, I/O error): keep the old baseline, report nothing.
      CountError("stat");
      LogWarning(kSource, ": ", state.status().message());
      if (before != baseline_.end()) observed[path] = before->second;
      continue;
    }
    state->auto_discovered = how.auto_discovered;
    const bool has_before = before != baseline_.end();
    if (state->exists && how.hash && state->size <= options_.max_hash_bytes) {
      if (has_before && before->second.exists && !before->second.sha256.empty() &&
          !state->MayHaveNewContent(before->second)) {
        state->sha256 = before->second.sha256;
      } else {
        absl::StatusOr<std::string> hash = Sha256OfFile(root_fs_ + path, stopping);
        if (hash.ok()) {
          state->sha256 = *std::move(hash);
        } else if (!absl::IsCancelled(hash.status())) {
          CountError("hash");
          LogWarning(kSource, ": ", hash.status().message());
        }
      }
    }
    if (has_before) {
      // Compare content only when this run could hash it or the file is too large to.
      const bool compare =
          how.hash && (!state->sha256.empty() || state->size > options_.max_hash_bytes);
      const FileChange change = CompareFileStates(path, before->second, *state, compare);
      if (!change.changes.empty()) report(path, change);
    }
    const LabelPair label{"path", path};
    sink.Add("vigil_file_exists", {label}, state->exists ? 1 : 0);
    if (state->exists) {
      sink.Add("vigil_file_size_bytes", {label}, static_cast<double>(state->size));
      sink.Add("vigil_file_mtime_seconds", {label}, static_cast<double>(state->mtime_ns) * 1e-9);
      sink.Add("vigil_file_mode", {label}, state->mode);
      sink.Add("vigil_file_uid", {label}, state->uid);
      sink.Add("vigil_file_gid", {label}, state->gid);
      sink.Add("vigil_file_hashed", {label}, state->sha256.empty() ? 0 : 1);
    }
    for (absl::string_view kind : kFileChangeKinds) {
      auto it = changes_.find({path, std::string(kind)});
      sink.Add("vigil_file_changes_total", {label, {"change", kind}},
               it == changes_.end() ? 0 : static_cast<double>(it->second));
    }
    observed[path] = *std::move(state);
  }
  // Files no longer watched: a glob match that vanished is reported once; a path taken
  // out of the configuration is forgotten silently.
  for (const auto& [path, before] : baseline_) {
    if (observed.contains(path) || watched.contains(path)) continue;
    if (before.exists && MatchesConfiguredGlob(path)) {
      report(path, CompareFileStates(path, before, FileState{}, false));
      // Its counters once more before they are forgotten, so the rule sees the change.
      const LabelPair label{"path", path};
      sink.Add("vigil_file_exists", {label}, 0);
      for (absl::string_view kind : kFileChangeKinds) {
        auto it = changes_.find({path, std::string(kind)});
        sink.Add("vigil_file_changes_total", {label, {"change", kind}},
                 it == changes_.end() ? 0 : static_cast<double>(it->second));
      }
    }
  }
  for (auto it = changes_.begin(); it != changes_.end();) {
    it = observed.contains(it->first.first) ? std::next(it) : changes_.erase(it);
  }
  baseline_ = std::move(observed);

  absl::Status saved = SaveBaseline();
  sink.Add("vigil_file_watch_files", {}, static_cast<double>(baseline_.size()));
  sink.Add("vigil_file_watch_events_dropped_total", {}, static_cast<double>(events_dropped_));
  for (absl::string_view reason : {"stat", "hash", "state_read", "state_write"}) {
    auto it = errors_.find(std::string(reason));
    sink.Add("vigil_file_watch_errors_total", {{"reason", reason}},
             it == errors_.end() ? 0 : static_cast<double>(it->second));
  }

  return saved;
}

absl::Status FileWatcher::SaveBaseline() {
  std::string text = FormatFileStates(baseline_);
  if (text == saved_) return absl::OkStatus();
  std::error_code ignored;  // a missing directory shows as the write's error
  std::filesystem::create_directories(std::filesystem::path(state_file_).parent_path(), ignored);
  absl::Status written = WriteFileAtomically(state_file_, text, 0600);
  if (!written.ok()) {
    CountError("state_write");
    return absl::Status(written.code(),
                        absl::StrCat("cannot save the baseline: ", written.message()));
  }
  saved_ = std::move(text);
  return absl::OkStatus();
}

namespace {

class FileWatchSource : public Source {
 public:
  FileWatchSource(const SourceOptions& options, const Clock* clock)
      : auto_discover_(options.file_watch.auto_discover),
        finder_(options.oracle),
        watcher_(options) {
    std::vector<BackgroundJob> jobs;
    jobs.push_back(BackgroundJob{
        "check", options.file_watch.interval, [this](const JobContext& context, SampleSink& sink) {
          std::vector<DatabaseProcess> databases;
          {
            absl::MutexLock lock(&mu_);
            databases = databases_;
          }
          return watcher_.Check(context.now, databases, sink, context.stopping);
        }});
    jobs_ = std::make_unique<BackgroundJobs>(std::string(kSource), std::move(jobs), clock);
  }

  absl::string_view name() const override { return kSource; }

  absl::Status Collect(const TickContext& tick, SampleSink& sink) override {
    if (auto_discover_ && tick.processes != nullptr) {
      std::vector<DatabaseProcess> databases = finder_.Find(*tick.processes);
      absl::MutexLock lock(&mu_);
      databases_ = std::move(databases);
    }
    return jobs_->Drain(sink);
  }

  void AwaitFirstResults(absl::Duration timeout) override { jobs_->AwaitFirstRuns(timeout); }

 private:
  const bool auto_discover_;
  DatabaseProcessFinder finder_;  // sampling thread
  FileWatcher watcher_;           // job thread
  absl::Mutex mu_;
  std::vector<DatabaseProcess> databases_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<BackgroundJobs> jobs_;  // last: its thread stops before the rest goes
};

}  // namespace

absl::StatusOr<std::unique_ptr<Source>> CreateFileWatchSource(const SourceOptions& options,
                                                              const Clock* clock) {
  return std::make_unique<FileWatchSource>(options, clock);
}

absl::StatusOr<std::unique_ptr<Source>> CreateFileWatchSource(const SourceOptions& options) {
  return CreateFileWatchSource(options, &Clock::Real());
}

}  // namespace vigil::agent
