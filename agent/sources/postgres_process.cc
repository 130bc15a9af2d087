#include "agent/sources/postgres_process.h"

#include <array>
#include <cstdint>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "agent/sources/process_table.h"
#include "common/file.h"

namespace vigil::agent {
namespace {

constexpr absl::string_view kDb = "postgres";

// Whether `text` starts with the words `prefix`, followed by a space or the end.
bool StartsWithWords(absl::string_view text, absl::string_view prefix) {
  return absl::StartsWith(text, prefix) &&
         (text.size() == prefix.size() || text[prefix.size()] == ' ');
}

// The remote part of a backend title: "[local]", "10.0.0.5(51234)", "host.name(51234)".
bool IsRemoteToken(absl::string_view token) {
  if (token == "[local]") return true;
  if (token.size() < 4 || token.back() != ')') return false;
  const size_t open = token.rfind('(');
  if (open == absl::string_view::npos || open == 0 || open + 2 >= token.size()) return false;
  for (size_t i = open + 1; i + 1 < token.size(); ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(token[i]))) return false;
  }
  return true;
}

// "user database remote activity...": a remote token after at least two words, none of
// which ends in ':' (that would be a cluster_name with spaces).
bool HasClientBackendShape(absl::string_view what) {
  int index = 0;
  for (absl::string_view token : absl::StrSplit(what, ' ', absl::SkipEmpty())) {
    if (index >= 2 && IsRemoteToken(token)) return true;
    if (absl::EndsWith(token, ":")) return false;
    ++index;
  }
  return false;
}

// Classifies the part of a title after "postgres: [cluster_name: ]"; nullopt if unknown.
std::optional<PostgresRole> ClassifyWhat(absl::string_view what) {
  absl::ConsumePrefix(&what, "bgworker: ");  // PostgreSQL 10 background workers
  // Names of PostgreSQL 11+ first, then the 9.6/10 ones ("wal writer process").
  if (StartsWithWords(what, "walsender") || StartsWithWords(what, "wal sender")) {
    return PostgresRole::kWalSender;
  }
  // Before the fixed names: a user may be called "startup".
  if (HasClientBackendShape(what)) return PostgresRole::kClientBackend;
  struct Name {
    absl::string_view words;
    PostgresRole role;
  };
  static constexpr std::array<Name, 19> kNames = {{
      {"checkpointer", PostgresRole::kCheckpointer},
      {"background writer", PostgresRole::kBackgroundWriter},
      {"writer", PostgresRole::kBackgroundWriter},
      {"walwriter", PostgresRole::kWalWriter},
      {"wal writer", PostgresRole::kWalWriter},
      {"autovacuum launcher", PostgresRole::kAutovacuumLauncher},
      {"autovacuum worker", PostgresRole::kAutovacuumWorker},
      {"archiver", PostgresRole::kArchiver},
      {"walreceiver", PostgresRole::kWalReceiver},
      {"wal receiver", PostgresRole::kWalReceiver},
      {"startup", PostgresRole::kStartup},
      {"logical replication launcher", PostgresRole::kLogicalReplicationLauncher},
      // apply, tablesync and parallel apply workers of every version
      {"logical replication", PostgresRole::kLogicalReplicationWorker},
      {"stats collector", PostgresRole::kStatsCollector},
      {"parallel worker", PostgresRole::kParallelWorker},
      {"logger", PostgresRole::kOther},
      {"walsummarizer", PostgresRole::kOther},
      {"io worker", PostgresRole::kOther},
      {"slotsync worker", PostgresRole::kOther},
  }};
  for (const Name& name : kNames) {
    if (StartsWithWords(what, name.words)) return name.role;
  }
  return std::nullopt;
}

// The labels of an instance that is up or gone.
struct InstanceLabels {
  std::string instance_name;
  std::string port;
  std::string data_dir;
};

// vigil_db_up is identified by db, instance_name and port only, so an expected instance
// reported down (whose data directory may be unknown) and the same instance found
// running are one series. The data directory goes to vigil_db_info.
void AddDbUp(SampleSink& sink, const InstanceLabels& labels, double value) {
  LabelPair pairs[3] = {{"db", kDb}, {"instance_name", labels.instance_name}};
  size_t count = 2;
  if (!labels.port.empty()) pairs[count++] = {"port", labels.port};
  sink.Add("vigil_db_up", std::span<const LabelPair>(pairs, count), value);
}

class PostgresProcessSource : public Source {
 public:
  explicit PostgresProcessSource(const SourceOptions& options)
      : proc_root_(options.proc_root), expected_(options.expected_postgres) {
    root_fs_ = options.root_fs;
    while (!root_fs_.empty() && root_fs_.back() == '/') root_fs_.pop_back();
  }

  absl::string_view name() const override { return kDb; }

  absl::Status Collect(const TickContext& tick, SampleSink& sink) override;

 private:
  // Per-tick tally of one postmaster and its children.
  struct Instance {
    const ProcessInfo* postmaster = nullptr;
    InstanceLabels labels;
    std::array<int, static_cast<size_t>(PostgresRole::kOther) + 1> counts{};
  };
  // What a postmaster's data directory and port are; they do not change while it runs.
  struct Identity {
    uint64_t start_time_ticks = 0;
    InstanceLabels labels;
  };

  // Finds (or reuses from identities_) the data directory and port of `postmaster`.
  InstanceLabels Identify(ProcessTable& table, const ProcessInfo& postmaster);
  std::string ReadPortFromPidFile(const std::string& data_dir, int pid) const;
  void EmitInstance(ProcessTable& table, const Instance& instance, SampleSink& sink,
                    absl::Status* status);

  const std::string proc_root_;
  std::string root_fs_;  // without a trailing '/'
  const std::vector<ExpectedPostgres> expected_;

  // Reused every tick.
  std::vector<const ProcessInfo*> postgres_;
  absl::flat_hash_set<int> postgres_pids_;
  absl::flat_hash_map<int, size_t> postmaster_index_;  // pid -> index in instances_
  std::vector<Instance> instances_;
  absl::flat_hash_set<std::string> present_;

  absl::flat_hash_map<int, Identity> identities_;  // by postmaster pid
  // Instances seen since start, by instance_name, to report them as down once gone.
  absl::flat_hash_map<std::string, InstanceLabels> seen_;
};

std::string PostgresProcessSource::ReadPortFromPidFile(const std::string& data_dir, int pid) const {
  // The data directory as the agent sees it (root_fs for an agent in a container), then
  // through the postmaster's own cwd link, which reaches it across mount namespaces.
  std::string paths[2];
  if (!data_dir.empty() && data_dir.front() == '/') {
    paths[0] = absl::StrCat(root_fs_, data_dir, "/postmaster.pid");
  }
  paths[1] = absl::StrCat(proc_root_, "/", pid, "/cwd/postmaster.pid");
  for (const std::string& path : paths) {
    if (path.empty()) continue;
    absl::StatusOr<std::string> content = ReadFile(path, 64 << 10);
    if (!content.ok()) continue;
    std::string port = ParsePostmasterPidPort(*content);
    if (!port.empty()) return port;
  }
  return "";
}

InstanceLabels PostgresProcessSource::Identify(ProcessTable& table, const ProcessInfo& postmaster) {
  auto it = identities_.find(postmaster.pid);
  if (it != identities_.end() && it->second.start_time_ticks == postmaster.start_time_ticks) {
    return it->second.labels;
  }
  PostmasterArgs args = ParsePostmasterArgs(postmaster.argv);
  InstanceLabels labels;
  labels.data_dir = std::move(args.data_dir);
  if (labels.data_dir.empty() || labels.data_dir.front() != '/') {
    labels.data_dir = table.Cwd(postmaster.pid);
  }
  labels.port = args.port.empty() ? ReadPortFromPidFile(labels.data_dir, postmaster.pid)
                                  : std::move(args.port);
  if (!labels.port.empty()) {
    labels.instance_name = labels.port;
  } else if (!labels.data_dir.empty()) {
    labels.instance_name = labels.data_dir;
  } else {
    labels.instance_name = absl::StrCat("pid/", postmaster.pid);
  }
  // An unknown port may become readable (postmaster.pid is written during startup):
  // only a complete identity is kept.
  if (!labels.port.empty()) identities_[postmaster.pid] = {postmaster.start_time_ticks, labels};
  return labels;
}

void PostgresProcessSource::EmitInstance(ProcessTable& table, const Instance& instance,
                                         SampleSink& sink, absl::Status* status) {
  const absl::string_view name = instance.labels.instance_name;
  AddDbUp(sink, instance.labels, 1);
  if (!instance.labels.data_dir.empty()) {
    sink.Add("vigil_db_info",
             {{"db", kDb}, {"instance_name", name}, {"data_dir", instance.labels.data_dir}}, 1);
  }
  auto count = [&](PostgresRole role) { return instance.counts[static_cast<size_t>(role)]; };
  sink.Add("vigil_process_up", {{"db", kDb}, {"instance_name", name}, {"role", "postmaster"}}, 1);
  static constexpr PostgresRole kUpRoles[] = {
      PostgresRole::kCheckpointer,
      PostgresRole::kBackgroundWriter,
      PostgresRole::kWalWriter,
      PostgresRole::kAutovacuumLauncher,
      PostgresRole::kArchiver,
      PostgresRole::kWalSender,
      PostgresRole::kWalReceiver,
      PostgresRole::kStartup,
      PostgresRole::kLogicalReplicationLauncher,
  };
  for (PostgresRole role : kUpRoles) {
    sink.Add("vigil_process_up",
             {{"db", kDb}, {"instance_name", name}, {"role", PostgresRoleName(role)}},
             count(role) > 0 ? 1 : 0);
  }
  for (PostgresRole role : {PostgresRole::kWalSender, PostgresRole::kAutovacuumWorker}) {
    sink.Add("vigil_process_count",
             {{"db", kDb}, {"instance_name", name}, {"role", PostgresRoleName(role)}}, count(role));
  }
  sink.Add("vigil_db_backends", {{"db", kDb}, {"instance_name", name}},
           count(PostgresRole::kClientBackend));
  absl::StatusOr<double> start = table.StartTimeSeconds(*instance.postmaster);
  if (start.ok()) {
    sink.Add("vigil_db_start_time_seconds", {{"db", kDb}, {"instance_name", name}}, *start);
  } else if (status->ok()) {
    *status = start.status();
  }
}

absl::Status PostgresProcessSource::Collect(const TickContext& tick, SampleSink& sink) {
  ProcessTable& table = *tick.processes;
  absl::StatusOr<const std::vector<ProcessInfo>*> processes = table.Processes();
  if (!processes.ok()) return processes.status();

  // Every PostgreSQL process; the postmasters among them; then their children.
  postgres_.clear();
  postgres_pids_.clear();
  for (const ProcessInfo& process : **processes) {
    const absl::string_view argv0 = process.argv[0];
    if (!absl::StartsWith(argv0, "postgres: ") && !IsPostmasterArgv0(argv0)) continue;
    postgres_.push_back(&process);
    postgres_pids_.insert(process.pid);
  }
  postmaster_index_.clear();
  instances_.clear();
  for (const ProcessInfo* process : postgres_) {
    if (!process->has_stat || !IsPostmasterArgv0(process->argv[0]) ||
        postgres_pids_.contains(process->ppid)) {
      continue;
    }
    postmaster_index_[process->pid] = instances_.size();
    Instance& instance = instances_.emplace_back();
    instance.postmaster = process;
    instance.labels = Identify(table, *process);
  }
  for (const ProcessInfo* process : postgres_) {
    if (!process->has_stat) continue;
    auto it = postmaster_index_.find(process->ppid);
    if (it == postmaster_index_.end()) continue;
    const std::optional<PostgresRole> role = ClassifyPostgresTitle(process->argv[0]);
    if (!role.has_value()) continue;  // forked, title not set yet
    ++instances_[it->second].counts[static_cast<size_t>(*role)];
  }
  // Identities of postmasters that are gone.
  absl::erase_if(identities_,
                 [&](const auto& entry) { return !postmaster_index_.contains(entry.first); });

  absl::Status status;
  present_.clear();
  for (const Instance& instance : instances_) {
    EmitInstance(table, instance, sink, &status);
    const InstanceLabels& labels = instance.labels;
    present_.insert(labels.instance_name);
    if (labels.port.empty() && labels.data_dir.empty()) continue;  // "pid/N" is not stable
    // An instance first named by its data directory (port not yet readable) and now by
    // its port is the same instance, not a gone one.
    if (!labels.data_dir.empty()) {
      absl::erase_if(seen_, [&](const auto& entry) {
        return entry.second.data_dir == labels.data_dir && entry.first != labels.instance_name;
      });
    }
    seen_[labels.instance_name] = labels;
  }
  for (const auto& [instance_name, labels] : seen_) {
    if (!present_.contains(instance_name)) AddDbUp(sink, labels, 0);
  }
  for (const ExpectedPostgres& expected : expected_) {
    bool up = false;
    for (const Instance& instance : instances_) {
      up = up || (expected.port.empty() ? instance.labels.data_dir == expected.data_dir
                                        : instance.labels.port == expected.port);
    }
    InstanceLabels labels{expected.port.empty() ? expected.data_dir : expected.port, expected.port,
                          expected.data_dir};
    if (up || labels.instance_name.empty() || seen_.contains(labels.instance_name)) continue;
    AddDbUp(sink, labels, 0);
  }
  return status;
}

}  // namespace

absl::string_view PostgresRoleName(PostgresRole role) {
  switch (role) {
    case PostgresRole::kCheckpointer:
      return "checkpointer";
    case PostgresRole::kBackgroundWriter:
      return "background_writer";
    case PostgresRole::kWalWriter:
      return "walwriter";
    case PostgresRole::kAutovacuumLauncher:
      return "autovacuum_launcher";
    case PostgresRole::kArchiver:
      return "archiver";
    case PostgresRole::kWalSender:
      return "walsender";
    case PostgresRole::kWalReceiver:
      return "walreceiver";
    case PostgresRole::kStartup:
      return "startup";
    case PostgresRole::kLogicalReplicationLauncher:
      return "logical_replication_launcher";
    case PostgresRole::kStatsCollector:
      return "stats_collector";
    case PostgresRole::kAutovacuumWorker:
      return "autovacuum_worker";
    case PostgresRole::kParallelWorker:
      return "parallel_worker";
    case PostgresRole::kLogicalReplicationWorker:
      return "logical_replication_worker";
    case PostgresRole::kClientBackend:
      return "client_backend";
    case PostgresRole::kOther:
      return "other";
  }
  return "other";
}

std::optional<PostgresRole> ClassifyPostgresTitle(absl::string_view title) {
  if (!absl::ConsumePrefix(&title, "postgres: ")) return std::nullopt;
  title = absl::StripLeadingAsciiWhitespace(title);
  // "16/main: checkpointer": drop leading words ending in ':' (a cluster_name without
  // spaces, PostgreSQL 10's "bgworker:").
  absl::string_view what = title;
  while (true) {
    const size_t space = what.find(' ');
    if (space == absl::string_view::npos || space == 0 || what[space - 1] != ':') break;
    what = absl::StripLeadingAsciiWhitespace(what.substr(space + 1));
  }
  if (std::optional<PostgresRole> role = ClassifyWhat(what)) return role;
  // A cluster_name with spaces: "my cluster: checkpointer".
  const size_t colon = title.find(": ");
  if (colon != absl::string_view::npos) {
    if (std::optional<PostgresRole> role = ClassifyWhat(title.substr(colon + 2))) return role;
  }
  return PostgresRole::kOther;
}

bool IsPostmasterArgv0(absl::string_view argv0) {
  if (absl::StartsWith(argv0, "postgres:")) return false;
  const size_t slash = argv0.rfind('/');
  if (slash != absl::string_view::npos) argv0.remove_prefix(slash + 1);
  return argv0 == "postgres" || argv0 == "postmaster";
}

PostmasterArgs ParsePostmasterArgs(const std::vector<std::string>& argv) {
  PostmasterArgs args;
  std::string data_directory;  // -c data_directory= wins over -D (the config directory)
  auto setting = [&](absl::string_view name_value) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(name_value, '=');
    if (kv.first == "port") args.port = std::string(kv.second);
    if (kv.first == "data_directory") data_directory = std::string(kv.second);
  };
  for (size_t i = 1; i < argv.size(); ++i) {
    absl::string_view arg = argv[i];
    const bool has_next = i + 1 < argv.size();
    if (arg == "-D" || arg == "--pgdata") {
      if (has_next) args.data_dir = argv[++i];
    } else if (absl::ConsumePrefix(&arg, "--pgdata=")) {
      args.data_dir = std::string(arg);
    } else if (arg == "-p") {
      if (has_next) args.port = argv[++i];
    } else if (arg == "-c") {
      if (has_next) setting(argv[++i]);
    } else if (absl::ConsumePrefix(&arg, "--")) {
      setting(arg);
    } else if (absl::ConsumePrefix(&arg, "-D")) {
      args.data_dir = std::string(arg);
    } else if (absl::ConsumePrefix(&arg, "-p")) {
      args.port = std::string(arg);
    } else if (absl::ConsumePrefix(&arg, "-c")) {
      setting(arg);
    }
  }
  if (!data_directory.empty()) args.data_dir = std::move(data_directory);
  // Quotes are the shell's business; a port must be a number.
  int port = 0;
  if (!args.port.empty() && (!absl::SimpleAtoi(args.port, &port) || port <= 0 || port > 65535)) {
    args.port.clear();
  }
  return args;
}

std::string ParsePostmasterPidPort(absl::string_view content) {
  // 1 pid, 2 data directory, 3 start time, 4 port, 5 socket directory, ...
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    if (++line_number < 4) continue;
    line = absl::StripAsciiWhitespace(line);
    int port = 0;
    if (!absl::SimpleAtoi(line, &port) || port <= 0 || port > 65535) return "";
    return std::string(line);
  }
  return "";
}

absl::StatusOr<std::unique_ptr<Source>> CreatePostgresProcessSource(const SourceOptions& options) {
  for (const ExpectedPostgres& expected : options.expected_postgres) {
    if (expected.port.empty() && expected.data_dir.empty()) {
      return absl::InvalidArgumentError("expected postgres instance needs a port or a data_dir");
    }
  }
  return std::make_unique<PostgresProcessSource>(options);
}

}  // namespace vigil::agent
