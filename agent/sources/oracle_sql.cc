#include "agent/sources/oracle_sql.h"

#include <pwd.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "agent/sources/background_jobs.h"
#include "agent/sources/oracle_environment.h"
#include "agent/sources/oracle_sql_output.h"
#include "common/file.h"

namespace vigil::agent {
namespace {

constexpr char kSourceName[] = "oracle_sql";
constexpr char kSudo[] = "/usr/bin/sudo";
constexpr size_t kMaxScriptBytes = 1 << 20;
constexpr size_t kMaxMessageBytes = 200;

// Failure reasons, in the order they are decided.
enum Reason { kStart, kTimeout, kExit, kTruncated, kGarbage, kReasons };
constexpr std::array<const char*, kReasons> kReasonNames = {"start", "timeout", "exit", "truncated",
                                                            "garbage"};

std::string AgentUserName() {
  std::vector<char> buffer(16384);
  struct passwd pwd {};
  struct passwd* found = nullptr;
  if (getpwuid_r(geteuid(), &pwd, buffer.data(), buffer.size(), &found) != 0 || !found) {
    return "";
  }
  return pwd.pw_name;
}

// The line of the command's output that says best why it failed: an ORA-/SP2-/TNS- line,
// else the last non-empty line of stderr, else of stdout.
std::string FailureText(const std::string& first_error, const BoundedCommandResult& run) {
  if (!first_error.empty()) return first_error;
  for (const std::string* text : {&run.stderr_text, &run.stdout_text}) {
    absl::string_view rest = *text;
    while (!rest.empty() && (rest.back() == '\n' || rest.back() == ' ')) rest.remove_suffix(1);
    const size_t newline = rest.rfind('\n');
    absl::string_view last = newline == absl::string_view::npos ? rest : rest.substr(newline + 1);
    if (!last.empty()) return std::string(last.substr(0, kMaxMessageBytes));
  }
  return "no output";
}

// One instance's checks: runs the command, parses its output, keeps the counters.
// Used only from its BackgroundJobs thread.
class InstanceChecks {
 public:
  InstanceChecks(OracleInstanceOptions instance, std::string proc_root)
      : instance_(std::move(instance)), proc_root_(std::move(proc_root)) {}

  absl::Status Run(const JobContext& context, SampleSink& sink);

 private:
  absl::Status Fail(Reason reason, absl::string_view message) {
    ++failures_[reason];
    return absl::UnavailableError(
        absl::StrCat("instance ", instance_.sid, ": ", kReasonNames[reason], ": ", message));
  }
  void AddCounters(SampleSink& sink, bool up, double duration_s, size_t records);

  const OracleInstanceOptions instance_;
  const std::string proc_root_;
  std::array<uint64_t, kReasons> failures_{};
  uint64_t parse_errors_ = 0;
  uint64_t dropped_ = 0;
  uint64_t events_ = 0;
};

void InstanceChecks::AddCounters(SampleSink& sink, bool up, double duration_s, size_t records) {
  const absl::string_view sid = instance_.sid;
  sink.Add("oracle_sql_up", {{"instance_name", sid}}, up ? 1 : 0);
  sink.Add("oracle_sql_duration_seconds", {{"instance_name", sid}}, duration_s);
  for (size_t r = 0; r < kReasons; ++r) {
    sink.Add("oracle_sql_failures_total", {{"instance_name", sid}, {"reason", kReasonNames[r]}},
             static_cast<double>(failures_[r]));
  }
  sink.Add("oracle_sql_records", {{"instance_name", sid}}, static_cast<double>(records));
  sink.Add("oracle_sql_parse_errors_total", {{"instance_name", sid}},
           static_cast<double>(parse_errors_));
  sink.Add("oracle_sql_records_dropped_total", {{"instance_name", sid}},
           static_cast<double>(dropped_));
  sink.Add("oracle_sql_events_total", {{"instance_name", sid}}, static_cast<double>(events_));
}

absl::Status InstanceChecks::Run(const JobContext& context, SampleSink& sink) {
  const absl::Time started = absl::Now();
  auto seconds_since_start = [&] { return absl::ToDoubleSeconds(absl::Now() - started); };
  absl::StatusOr<BoundedCommand> command =
      BuildOracleSqlCommand(instance_, proc_root_, geteuid() == 0, AgentUserName());
  absl::StatusOr<std::string> script =
      command.ok() ? ReadFile(instance_.sql.script, kMaxScriptBytes) : command.status();
  if (!script.ok()) {
    absl::Status failed = Fail(kStart, script.status().message());
    AddCounters(sink, false, seconds_since_start(), 0);
    return failed;
  }
  command->stdin_data = *std::move(script);

  const BoundedCommandResult run = RunBoundedCommand(*command, context.stopping);
  using Outcome = BoundedCommandResult::Outcome;
  if (run.outcome == Outcome::kStopped) return absl::CancelledError("agent stopping");

  OracleSqlOutput output = ParseOracleSqlOutput(run.stdout_text);
  parse_errors_ += static_cast<uint64_t>(output.garbage.count);
  dropped_ += output.records_dropped + output.events_dropped;

  // What the run produced is kept even when it failed: each record is a whole line.
  const absl::string_view sid = instance_.sid;
  std::vector<LabelPair> labels;
  for (const OracleSqlRecord& record : output.records) {
    labels.clear();
    labels.push_back({"instance_name", sid});
    for (const auto& [name, value] : record.labels) labels.push_back({name, value});
    sink.Add(record.metric, labels, record.value);
  }
  for (OracleSqlEvent& parsed : output.events) {
    Event event;
    event.time = context.now;
    event.kind = std::move(parsed.kind);
    event.severity = parsed.severity;
    event.labels.emplace_back("instance_name", std::string(sid));
    for (auto& label : parsed.labels) event.labels.push_back(std::move(label));
    event.message = std::move(parsed.text);
    sink.AddEvent(std::move(event));
    ++events_;
  }
  for (const OracleSqlCheck& check : output.checks) {
    sink.Add("oracle_sql_check_up", {{"instance_name", sid}, {"check", check.name}},
             check.error.empty() ? 1 : 0);
  }

  absl::Status status;
  const std::string seconds = absl::StrCat(absl::ToInt64Seconds(instance_.sql.timeout), "s");
  switch (run.outcome) {
    case Outcome::kStartFailed:
      status = Fail(kStart, run.start_error);
      break;
    case Outcome::kTimedOut:
      status = Fail(kTimeout, absl::StrCat(command->argv[0], " killed after ", seconds));
      break;
    case Outcome::kSignaled:
      status = Fail(kExit, absl::StrCat(command->argv[0], " killed by signal ", run.term_signal));
      break;
    case Outcome::kOutputTooLarge:
      status = Fail(kTruncated, absl::StrCat(command->argv[0], " printed more than ",
                                             command->max_stdout_bytes, " bytes: killed"));
      break;
    default:
      if (run.exit_code != 0) {
        status = Fail(kExit, absl::StrCat(command->argv[0], " exited with ", run.exit_code, ": ",
                                          FailureText(output.first_error, run)));
      } else if (!output.begun) {
        status = Fail(kGarbage, absl::StrCat("no VIGIL_BEGIN in the output: ",
                                             FailureText(output.first_error, run)));
      } else if (!output.ended) {
        status = Fail(kTruncated, "the output ends without VIGIL_END");
      } else if (output.garbage.count > 0) {
        status = Fail(kGarbage, absl::StrCat(output.garbage.count, " lines are not records, ",
                                             output.garbage.first));
      }
  }
  AddCounters(sink, status.ok(), absl::ToDoubleSeconds(run.duration), output.records.size());
  return status;
}

class OracleSqlSource : public Source {
 public:
  explicit OracleSqlSource(const SourceOptions& options) {
    for (const OracleInstanceOptions& instance : options.oracle.instances) {
      if (!instance.sql.enabled) continue;
      auto checks = std::make_shared<InstanceChecks>(instance, options.proc_root);
      BackgroundJob job{instance.sid, instance.sql.interval,
                        [checks](const JobContext& context, SampleSink& sink) {
                          return checks->Run(context, sink);
                        }};
      jobs_.push_back(std::make_unique<BackgroundJobs>(kSourceName, std::vector{std::move(job)}));
    }
  }

  absl::string_view name() const override { return kSourceName; }

  absl::Status Collect(const TickContext& tick, SampleSink& sink) override {
    (void)tick;
    absl::Status status;
    for (auto& jobs : jobs_) status.Update(jobs->Drain(sink));
    return status;
  }

  void AwaitFirstResults(absl::Duration timeout) override {
    const absl::Time deadline = absl::Now() + timeout;
    for (auto& jobs : jobs_) jobs->AwaitFirstRuns(deadline - absl::Now());
  }

 private:
  std::vector<std::unique_ptr<BackgroundJobs>> jobs_;
};

}  // namespace

absl::StatusOr<BoundedCommand> BuildOracleSqlCommand(const OracleInstanceOptions& instance,
                                                     const std::string& proc_root,
                                                     bool agent_is_root,
                                                     const std::string& agent_user) {
  const OracleSqlOptions& sql = instance.sql;
  std::string home = instance.oracle_home;
  if (home.empty()) {
    absl::StatusOr<OracleInstanceEnvironment> env =
        FindOracleInstanceEnvironment(proc_root, instance.sid);
    if (env.ok()) home = env->oracle_home;
    // sqlplus needs it; a configured command runs without one rather than with a guess.
    if (home.empty() && sql.command.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("ORACLE_HOME unknown: set oracle_home (",
                       env.ok() ? "the pmon's environment has none" : env.status().message(), ")"));
    }
  }

  BoundedCommand command;
  command.timeout = sql.timeout;
  std::vector<std::string> argv = sql.command;
  if (argv.empty()) argv = {"$ORACLE_HOME/bin/sqlplus", "-S", "-L", "/", "as", "sysdba"};
  for (std::string& arg : argv) {
    arg = absl::StrReplaceAll(arg, {{"$ORACLE_HOME", home}, {"$ORACLE_SID", instance.sid}});
  }
  if (argv[0].empty() || argv[0][0] != '/') {
    return absl::FailedPreconditionError(
        absl::StrCat("the command \"", argv[0], "\" is not an absolute path"));
  }

  command.env.push_back(absl::StrCat("ORACLE_SID=", instance.sid));
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  if (!home.empty()) {
    command.env.push_back(absl::StrCat("ORACLE_HOME=", home));
    command.env.push_back(absl::StrCat("LD_LIBRARY_PATH=", home, "/lib"));
    path = absl::StrCat(home, "/bin:", path);
  }
  command.env.push_back(absl::StrCat("PATH=", path));
  command.env.push_back("NLS_LANG=AMERICAN_AMERICA.AL32UTF8");
  command.env.push_back("LANG=C");
  if (!sql.tns_admin.empty()) command.env.push_back(absl::StrCat("TNS_ADMIN=", sql.tns_admin));

  if (!sql.run_as.empty() && sql.run_as != agent_user) {
    if (agent_is_root) {
      absl::StatusOr<ChildUser> user = LookUpChildUser(sql.run_as);
      if (!user.ok()) return user.status();
      command.user = *std::move(user);
      command.env.push_back(absl::StrCat("USER=", sql.run_as));
      command.env.push_back(absl::StrCat("LOGNAME=", sql.run_as));
    } else {
      // sudo resets the environment: its sudoers entry keeps ORACLE_SID and ORACLE_HOME
      // (deploy/oracle/README.md).
      std::vector<std::string> sudo = {kSudo, "-n", "-u", sql.run_as, "--"};
      argv.insert(argv.begin(), sudo.begin(), sudo.end());
    }
  }
  command.argv = std::move(argv);
  return command;
}

absl::StatusOr<std::unique_ptr<Source>> CreateOracleSqlSource(const SourceOptions& options) {
  for (const OracleInstanceOptions& instance : options.oracle.instances) {
    if (instance.sid.empty()) return absl::InvalidArgumentError("oracle instance without sid");
  }
  return std::make_unique<OracleSqlSource>(options);
}

}  // namespace vigil::agent
