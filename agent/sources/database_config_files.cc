#include "agent/sources/database_config_files.h"

#include <filesystem>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "agent/sources/oracle_environment.h"
#include "agent/sources/oracle_process.h"
#include "agent/sources/postgres_process.h"
#include "agent/sources/process_table.h"
#include "common/file.h"

namespace vigil::agent {
namespace {

std::string Join(const std::string& dir, absl::string_view name) {
  if (dir.empty()) return "";
  return (std::filesystem::path(dir) / std::string(name)).lexically_normal().string();
}

// A setting's path relative to `base_dir` (PostgreSQL resolves relative paths against
// the data directory).
std::string PathSetting(const std::string& value, const std::string& base_dir) {
  if (value.empty() || value.front() == '/') return value;
  return Join(base_dir, value);
}

// -c name=value, --name=value (also -cname=value) from a postmaster's argv.
absl::flat_hash_map<std::string, std::string> CommandLineSettings(
    const std::vector<std::string>& argv, std::string* dash_d) {
  absl::flat_hash_map<std::string, std::string> settings;
  auto setting = [&](absl::string_view name_value) {
    std::pair<std::string, std::string> kv = absl::StrSplit(name_value, absl::MaxSplits('=', 1));
    absl::StrReplaceAll({{"-", "_"}}, &kv.first);
    settings[absl::AsciiStrToLower(kv.first)] = kv.second;
  };
  for (size_t i = 1; i < argv.size(); ++i) {
    absl::string_view arg = argv[i];
    const bool has_next = i + 1 < argv.size();
    if (arg == "-D" && has_next) {
      *dash_d = argv[++i];
    } else if (arg == "-c" && has_next) {
      setting(argv[++i]);
    } else if (absl::ConsumePrefix(&arg, "--pgdata=")) {
      *dash_d = std::string(arg);
    } else if (absl::ConsumePrefix(&arg, "--")) {
      setting(arg);
    } else if (absl::ConsumePrefix(&arg, "-D")) {
      *dash_d = std::string(arg);
    } else if (absl::ConsumePrefix(&arg, "-c")) {
      setting(arg);
    }
  }
  return settings;
}

std::vector<std::string> PostgresFiles(const DatabaseProcess& process,
                                       const ReadSmallFile& read_file) {
  std::string dash_d;
  absl::flat_hash_map<std::string, std::string> args = CommandLineSettings(process.argv, &dash_d);
  // The configuration directory is -D; without it the data directory (cwd) stands in.
  const std::string config_dir = !dash_d.empty() && dash_d.front() == '/' ? dash_d : process.cwd;
  std::string config_file = PathSetting(args["config_file"], config_dir);
  if (config_file.empty()) config_file = Join(config_dir, "postgresql.conf");
  absl::flat_hash_map<std::string, std::string> conf;
  if (!config_file.empty()) {
    if (std::optional<std::string> text = read_file(config_file)) conf = ParsePostgresConf(*text);
  }
  auto setting = [&](const std::string& name) {
    auto it = args.find(name);
    if (it != args.end()) return it->second;
    auto conf_it = conf.find(name);
    return conf_it != conf.end() ? conf_it->second : std::string();
  };
  std::string data_dir = process.cwd;
  if (data_dir.empty()) data_dir = PathSetting(setting("data_directory"), config_dir);
  if (data_dir.empty()) data_dir = config_dir;
  std::string hba = PathSetting(setting("hba_file"), data_dir);
  if (hba.empty()) hba = Join(config_dir, "pg_hba.conf");
  std::string ident = PathSetting(setting("ident_file"), data_dir);
  if (ident.empty()) ident = Join(config_dir, "pg_ident.conf");
  std::vector<std::string> files = {config_file, Join(data_dir, "postgresql.auto.conf"), hba,
                                    ident};
  std::erase(files, "");
  return files;
}

std::vector<std::string> OracleFiles(const DatabaseProcess& process) {
  std::vector<std::string> files;
  if (process.oracle_home.empty() || process.oracle_home.front() != '/') return files;
  files.push_back(Join(process.oracle_home, absl::StrCat("dbs/spfile", process.sid, ".ora")));
  files.push_back(Join(process.oracle_home, absl::StrCat("dbs/init", process.sid, ".ora")));
  std::vector<std::string> admin_dirs = {Join(process.oracle_home, "network/admin")};
  if (!process.tns_admin.empty() && process.tns_admin.front() == '/') {
    const std::string tns_admin = std::filesystem::path(process.tns_admin).lexically_normal();
    if (tns_admin != admin_dirs[0]) admin_dirs.push_back(tns_admin);
  }
  for (const std::string& dir : admin_dirs) {
    for (const char* name : {"sqlnet.ora", "listener.ora", "tnsnames.ora"}) {
      files.push_back(Join(dir, name));
    }
  }
  return files;
}

}  // namespace

absl::flat_hash_map<std::string, std::string> ParsePostgresConf(absl::string_view text) {
  absl::flat_hash_map<std::string, std::string> settings;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripLeadingAsciiWhitespace(line);
    size_t end = 0;
    while (end < line.size() &&
           (absl::ascii_isalnum(line[end]) || line[end] == '_' || line[end] == '.')) {
      ++end;
    }
    if (end == 0) continue;
    const std::string name = absl::AsciiStrToLower(line.substr(0, end));
    absl::string_view rest = absl::StripLeadingAsciiWhitespace(line.substr(end));
    absl::ConsumePrefix(&rest, "=");
    rest = absl::StripLeadingAsciiWhitespace(rest);
    std::string value;
    if (absl::ConsumePrefix(&rest, "'")) {
      for (size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] == '\'') {
          if (i + 1 < rest.size() && rest[i + 1] == '\'') {
            value.push_back('\'');
            ++i;
            continue;
          }
          break;
        }
        value.push_back(rest[i]);
      }
    } else {
      const size_t stop = rest.find_first_of(" \t#");
      value = std::string(rest.substr(0, stop));
    }
    settings[name] = std::move(value);
  }
  return settings;
}

std::vector<std::string> ConfigFilesOf(const DatabaseProcess& process,
                                       const ReadSmallFile& read_file) {
  return process.kind == DatabaseProcess::Kind::kPostgres ? PostgresFiles(process, read_file)
                                                          : OracleFiles(process);
}

std::vector<DatabaseProcess> DatabaseProcessFinder::Find(ProcessTable& table) {
  std::vector<DatabaseProcess> found;
  absl::StatusOr<const std::vector<ProcessInfo>*> processes = table.Processes();
  if (!processes.ok()) return found;
  absl::flat_hash_set<int> postgres_pids;
  for (const ProcessInfo& p : **processes) {
    if (IsPostmasterArgv0(p.argv[0]) || absl::StartsWith(p.argv[0], "postgres: ")) {
      postgres_pids.insert(p.pid);
    }
  }
  absl::flat_hash_set<int> present;
  for (const ProcessInfo& p : **processes) {
    const bool postmaster =
        p.has_stat && IsPostmasterArgv0(p.argv[0]) && !postgres_pids.contains(p.ppid);
    std::optional<OracleBackgroundName> oracle = ParseOracleBackgroundName(p.argv[0]);
    const bool pmon = oracle.has_value() && !oracle->asm_instance && oracle->role == "pmon";
    if (!postmaster && !pmon) continue;
    present.insert(p.pid);
    auto it = known_.find(p.pid);
    if (it != known_.end() && it->second.start_time_ticks == p.start_time_ticks) {
      found.push_back(it->second.process);
      continue;
    }
    DatabaseProcess process;
    if (postmaster) {
      process.kind = DatabaseProcess::Kind::kPostgres;
      process.argv = p.argv;
      process.cwd = table.Cwd(p.pid);
    } else {
      process.kind = DatabaseProcess::Kind::kOracle;
      process.sid = std::string(oracle->sid);
      absl::StatusOr<std::string> environ =
          ReadFile(absl::StrCat(table.proc_root(), "/", p.pid, "/environ"), 1 << 20);
      if (environ.ok()) {
        process.oracle_home = EnvironValue(*environ, "ORACLE_HOME").value_or("");
        process.tns_admin = EnvironValue(*environ, "TNS_ADMIN").value_or("");
      }
      for (const OracleInstanceOptions& instance : oracle_.instances) {
        if (instance.sid == process.sid && !instance.oracle_home.empty()) {
          process.oracle_home = instance.oracle_home;  // configured wins
        }
      }
    }
    // An identity is kept only once complete (a fresh process may not have chdir()ed).
    if (!process.cwd.empty() || !process.oracle_home.empty()) {
      known_[p.pid] = Known{p.start_time_ticks, process};
    }
    found.push_back(std::move(process));
  }
  absl::erase_if(known_, [&](const auto& entry) { return !present.contains(entry.first); });
  return found;
}

}  // namespace vigil::agent
