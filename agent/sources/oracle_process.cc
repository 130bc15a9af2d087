#include "agent/sources/oracle_process.h"

#include <array>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "agent/sources/process_table.h"

namespace vigil::agent {
namespace {

constexpr absl::string_view kDbOracle = "oracle";
constexpr absl::string_view kDbAsm = "oracle_asm";

// The roles reported per instance, in report order.
constexpr std::array<absl::string_view, 8> kRoles = {"pmon", "smon", "lgwr", "dbw",
                                                     "ckpt", "reco", "mmon", "arc"};
constexpr size_t kAsmRoles = 5;  // an ASM instance has the first five only
constexpr size_t kDbwIndex = 3;
constexpr size_t kArcIndex = 7;

bool IsAlnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }
bool IsDigit(char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); }

// The SID of a configured or remembered instance decides its db label: ASM SIDs start
// with '+'.
absl::string_view DbOfSid(absl::string_view sid) {
  return absl::StartsWith(sid, "+") ? kDbAsm : kDbOracle;
}

class OracleProcessSource : public Source {
 public:
  explicit OracleProcessSource(const SourceOptions& options)
      : expected_sids_(options.oracle.expected_sids),
        expected_listeners_(options.oracle.expected_listeners) {}

  absl::string_view name() const override { return kDbOracle; }

  absl::Status Collect(const TickContext& tick, SampleSink& sink) override;

 private:
  // Per-tick tally of one SID; views into the process table.
  struct Instance {
    absl::string_view sid;
    bool asm_instance = false;
    const ProcessInfo* pmon = nullptr;
    std::array<int, kRoles.size()> counts{};
    int backends = 0;
  };

  Instance& FindOrAdd(absl::string_view sid);
  void EmitInstance(ProcessTable& table, const Instance& instance, SampleSink& sink,
                    absl::Status* status);

  const std::vector<std::string> expected_sids_;
  const std::vector<std::string> expected_listeners_;

  // Reused every tick.
  std::vector<Instance> instances_;
  absl::flat_hash_set<std::string> present_sids_;
  absl::flat_hash_map<std::string, std::string> present_listeners_;  // upper case -> name

  absl::flat_hash_set<std::string> seen_sids_;
  // Listener names are case-insensitive: by upper case name, the name as first seen.
  absl::flat_hash_map<std::string, std::string> seen_listeners_;
};

OracleProcessSource::Instance& OracleProcessSource::FindOrAdd(absl::string_view sid) {
  for (Instance& instance : instances_) {
    if (instance.sid == sid) return instance;
  }
  Instance& instance = instances_.emplace_back();
  instance.sid = sid;
  return instance;
}

void OracleProcessSource::EmitInstance(ProcessTable& table, const Instance& instance,
                                       SampleSink& sink, absl::Status* status) {
  const absl::string_view db = instance.asm_instance ? kDbAsm : kDbOracle;
  const absl::string_view sid = instance.sid;
  sink.Add("vigil_db_up", {{"db", db}, {"instance_name", sid}}, 1);
  const size_t roles = instance.asm_instance ? kAsmRoles : kRoles.size();
  for (size_t i = 0; i < roles; ++i) {
    sink.Add("vigil_process_up", {{"db", db}, {"instance_name", sid}, {"role", kRoles[i]}},
             instance.counts[i] > 0 ? 1 : 0);
  }
  for (size_t i : {kDbwIndex, kArcIndex}) {
    if (i >= roles) continue;
    sink.Add("vigil_process_count", {{"db", db}, {"instance_name", sid}, {"role", kRoles[i]}},
             instance.counts[i]);
  }
  sink.Add("vigil_db_backends", {{"db", db}, {"instance_name", sid}}, instance.backends);
  absl::StatusOr<double> start = table.StartTimeSeconds(*instance.pmon);
  if (start.ok()) {
    sink.Add("vigil_db_start_time_seconds", {{"db", db}, {"instance_name", sid}}, *start);
  } else if (status->ok()) {
    *status = start.status();
  }
}

absl::Status OracleProcessSource::Collect(const TickContext& tick, SampleSink& sink) {
  ProcessTable& table = *tick.processes;
  absl::StatusOr<const std::vector<ProcessInfo>*> processes = table.Processes();
  if (!processes.ok()) return processes.status();

  instances_.clear();
  present_listeners_.clear();
  for (const ProcessInfo& process : **processes) {
    const absl::string_view argv0 = process.argv[0];
    if (std::optional<OracleBackgroundName> name = ParseOracleBackgroundName(argv0)) {
      Instance& instance = FindOrAdd(name->sid);
      const absl::string_view family = OracleRoleFamily(name->role);
      for (size_t i = 0; i < kRoles.size(); ++i) {
        if (family == kRoles[i]) ++instance.counts[i];
      }
      if (name->role == "pmon") {
        instance.pmon = &process;
        instance.asm_instance = name->asm_instance;
      }
    } else if (std::optional<absl::string_view> sid = ParseOracleDedicatedServer(process.argv)) {
      ++FindOrAdd(*sid).backends;
    } else if (std::optional<absl::string_view> listener = ParseTnsListener(process.argv)) {
      // A listener forks before it execs a dedicated server: one name, two processes.
      present_listeners_.try_emplace(absl::AsciiStrToUpper(*listener), *listener);
    }
  }

  absl::Status status;
  present_sids_.clear();
  for (const Instance& instance : instances_) {
    if (instance.pmon == nullptr) continue;  // no instance without pmon
    EmitInstance(table, instance, sink, &status);
    present_sids_.emplace(instance.sid);
    seen_sids_.emplace(instance.sid);
  }
  for (const std::string& sid : seen_sids_) {
    if (!present_sids_.contains(sid)) {
      sink.Add("vigil_db_up", {{"db", DbOfSid(sid)}, {"instance_name", sid}}, 0);
    }
  }
  for (const std::string& sid : expected_sids_) {
    if (present_sids_.contains(sid) || seen_sids_.contains(sid)) continue;
    sink.Add("vigil_db_up", {{"db", DbOfSid(sid)}, {"instance_name", sid}}, 0);
  }

  for (const auto& [key, name] : present_listeners_) {
    sink.Add("vigil_oracle_listener_up", {{"listener", name}}, 1);
    seen_listeners_.try_emplace(key, name);
  }
  for (const auto& [key, name] : seen_listeners_) {
    if (!present_listeners_.contains(key)) {
      sink.Add("vigil_oracle_listener_up", {{"listener", name}}, 0);
    }
  }
  for (const std::string& name : expected_listeners_) {
    const std::string key = absl::AsciiStrToUpper(name);
    if (present_listeners_.contains(key) || seen_listeners_.contains(key)) continue;
    sink.Add("vigil_oracle_listener_up", {{"listener", name}}, 0);
  }
  return status;
}

}  // namespace

std::optional<OracleBackgroundName> ParseOracleBackgroundName(absl::string_view argv0) {
  argv0 = argv0.substr(0, argv0.find(' '));
  OracleBackgroundName name;
  if (absl::ConsumePrefix(&argv0, "asm_")) {
    name.asm_instance = true;
  } else if (!absl::ConsumePrefix(&argv0, "ora_")) {
    return std::nullopt;
  }
  const size_t underscore = argv0.find('_');
  if (underscore == absl::string_view::npos || underscore == 0 || underscore + 1 == argv0.size()) {
    return std::nullopt;
  }
  name.role = argv0.substr(0, underscore);
  for (char c : name.role) {
    if (!IsAlnum(c)) return std::nullopt;
  }
  name.sid = argv0.substr(underscore + 1);
  return name;
}

absl::string_view OracleRoleFamily(absl::string_view role) {
  if (role.size() == 4 && absl::StartsWith(role, "dbw") && IsAlnum(role[3])) return "dbw";
  if ((role.size() == 4 || role.size() == 5) && absl::StartsWith(role, "bw") && IsDigit(role[2]) &&
      IsDigit(role[3]) && (role.size() == 4 || IsDigit(role[4]))) {
    return "dbw";
  }
  if (role.size() == 4 && absl::StartsWith(role, "arc") && IsAlnum(role[3])) return "arc";
  return role;
}

std::optional<absl::string_view> ParseOracleDedicatedServer(const std::vector<std::string>& argv) {
  if (argv.empty() || !absl::StartsWith(argv[0], "oracle")) return std::nullopt;
  const absl::string_view first = argv[0];
  const size_t space = first.find(' ');
  const absl::string_view program = first.substr(0, space);
  absl::string_view rest;
  if (space != absl::string_view::npos) {
    rest = absl::StripLeadingAsciiWhitespace(first.substr(space + 1));
  } else if (argv.size() > 1) {
    rest = argv[1];
  }
  if (!absl::StartsWith(rest, "(LOCAL=") && !absl::StartsWith(rest, "(DESCRIPTION=")) {
    return std::nullopt;
  }
  const absl::string_view sid = program.substr(6);  // after "oracle"
  if (sid.empty()) return std::nullopt;
  return sid;
}

std::optional<absl::string_view> ParseTnsListener(const std::vector<std::string>& argv) {
  if (argv.empty()) return std::nullopt;
  const absl::string_view first = argv[0];
  const size_t space = first.find(' ');
  absl::string_view program = first.substr(0, space);
  const size_t slash = program.rfind('/');
  if (slash != absl::string_view::npos) program.remove_prefix(slash + 1);
  if (program != "tnslsnr") return std::nullopt;
  absl::string_view name;
  if (argv.size() > 1) {
    name = argv[1];
  } else if (space != absl::string_view::npos) {  // arguments in one element
    name = absl::StripLeadingAsciiWhitespace(first.substr(space + 1));
    name = name.substr(0, name.find(' '));
  }
  if (name.empty() || name.front() == '-') return absl::string_view("LISTENER");
  return name;
}

absl::StatusOr<std::unique_ptr<Source>> CreateOracleProcessSource(const SourceOptions& options) {
  for (const std::string& sid : options.oracle.expected_sids) {
    if (sid.empty()) return absl::InvalidArgumentError("expected oracle SID is empty");
  }
  for (const std::string& listener : options.oracle.expected_listeners) {
    if (listener.empty()) return absl::InvalidArgumentError("expected oracle listener is empty");
  }
  return std::make_unique<OracleProcessSource>(options);
}

}  // namespace vigil::agent
