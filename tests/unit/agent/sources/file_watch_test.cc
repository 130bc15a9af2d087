// The file_watch source: per-file metrics, change events (never with content), the
// baseline across restarts, and the configuration files of running databases.
#include "agent/sources/file_watch.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "agent/sources/oracle_environment.h"
#include "agent/sources/process_table.h"
#include "common/config_node.h"
#include "common/file.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/agent/sources/recording_sink.h"

namespace vigil::agent {
namespace {

using namespace std::string_literals;
using testing::RecordingSink;
using testing::TempDir;

const absl::Time kNow = absl::FromUnixSeconds(1709251200);
constexpr char kSecret[] = "host all all 0.0.0.0/0 password # s3cr3t-Passw0rd";

SourceOptions WatchOptions(const TempDir& dir) {
  SourceOptions options;
  options.root_fs = "/";
  options.state_dir = dir.Path("state");
  options.file_watch.auto_discover = false;
  options.file_watch.paths = {{dir.Path("etc/pg_hba.conf"), true},
                              {dir.Path("ctl/control01.ctl"), false},
                              {dir.Path("conf.d/*.conf"), true}};
  return options;
}

// The one file_changed event of a check; fails if there is not exactly one.
Event OnlyChange(const RecordingSink& sink) {
  const std::vector<Event> events = sink.EventsOf("file_changed");
  REQUIRE(events.size() == 1);
  const Event& e = events[0];
  CHECK(e.severity == EventSeverity::kWarning);
  CHECK_FALSE(absl::StrContains(e.message, "s3cr3t"));
  return e;
}

std::string Label(const Event& e, const std::string& name) {
  for (const auto& [n, v] : e.labels) {
    if (n == name) return v;
  }
  return "";
}

TEST_CASE("CompareFileStates names each change; the baseline text round-trips", "[file_watch]") {
  FileState a{true, 10, 1'000'000'000, 1'000'000'000, 7, 0600, 26, 26, std::string(64, 'a')};
  FileState b = a;
  CHECK(CompareFileStates("/f", a, b, true).changes.empty());
  b.sha256 = std::string(64, 'b');
  b.mode = 0644;
  b.uid = 0;
  FileChange change = CompareFileStates("/f", a, b, true);
  CHECK(change.changes == std::vector<std::string>{"content", "mode", "owner"});
  CHECK(absl::StrContains(change.message, "sha256 aaaaaaaaaaaa → bbbbbbbbbbbb"));
  CHECK(absl::StrContains(change.message, "mode 0600 → 0644"));
  CHECK(absl::StrContains(change.message, "owner 26:26 → 0:26"));
  // Without content comparison (a control file), only mode and owner.
  CHECK(CompareFileStates("/f", a, b, false).changes == std::vector<std::string>{"mode", "owner"});
  CHECK(CompareFileStates("/f", a, FileState{}, true).changes ==
        std::vector<std::string>{"disappeared"});
  CHECK(CompareFileStates("/f", FileState{}, a, true).changes ==
        std::vector<std::string>{"appeared"});

  std::map<std::string, FileState> states = {{"/etc/with space.conf", a}, {"/gone", FileState{}}};
  states["/etc/with space.conf"].auto_discovered = true;
  const std::map<std::string, FileState> parsed = ParseFileStates(FormatFileStates(states));
  REQUIRE(parsed.size() == 2);
  const FileState& p = parsed.at("/etc/with space.conf");
  CHECK(p.exists);
  CHECK(p.size == 10);
  CHECK(p.inode == 7);
  CHECK(p.mode == 0600);
  CHECK(p.uid == 26);
  CHECK(p.sha256 == a.sha256);
  CHECK(p.auto_discovered);
  CHECK_FALSE(parsed.at("/gone").exists);
  CHECK(ParseFileStates("garbage\n1 2 3\n").empty());
}

TEST_CASE("file watch: create, modify, chmod, chown, delete and recreate", "[file_watch]") {
  TempDir dir;
  dir.WriteFile("etc/pg_hba.conf", "local all all peer\n");
  dir.WriteFile("ctl/control01.ctl", std::string(1000, 'c'));
  dir.WriteFile("conf.d/a.conf", "a\n");
  const SourceOptions options = WatchOptions(dir);
  const std::string hba = dir.Path("etc/pg_hba.conf");
  FileWatcher watcher(options);
  RecordingSink sink;

  // The first observation is the baseline: metrics, no events.
  REQUIRE(watcher.Check(kNow, {}, sink).ok());
  CHECK(sink.events().empty());
  CHECK(sink.Find("vigil_file_exists", {{"path", hba}}) == 1);
  CHECK(sink.Find("vigil_file_size_bytes", {{"path", hba}}) == 19);
  CHECK(sink.Find("vigil_file_uid", {{"path", hba}}) == geteuid());
  CHECK(sink.Find("vigil_file_hashed", {{"path", hba}}) == 1);
  CHECK(sink.Find("vigil_file_hashed", {{"path", dir.Path("ctl/control01.ctl")}}) == 0);
  CHECK(sink.Find("vigil_file_exists", {{"path", dir.Path("conf.d/a.conf")}}) == 1);
  CHECK(sink.Find("vigil_file_changes_total", {{"path", hba}, {"change", "content"}}) == 0);
  CHECK(sink.Find("vigil_file_watch_files") == 3);
  CHECK(sink.DuplicateSeries().empty());
  CHECK(std::filesystem::exists(dir.Path("state/file_watch.state")));

  // Nothing changed; a rewrite with the same content is no change either.
  sink.Clear();
  dir.WriteFile("etc/pg_hba.conf", "local all all peer\n");
  REQUIRE(watcher.Check(kNow, {}, sink).ok());
  CHECK(sink.events().empty());

  // Content.
  sink.Clear();
  dir.WriteFile("etc/pg_hba.conf", absl::StrCat("local all all peer\n", kSecret, "\n"));
  REQUIRE(watcher.Check(kNow, {}, sink).ok());
  Event e = OnlyChange(sink);
  CHECK(e.kind == "file_changed");
  CHECK(Label(e, "path") == hba);
  CHECK(Label(e, "change") == "content");
  CHECK(e.time == kNow);
  CHECK(absl::StrContains(e.message, "sha256 "));
  CHECK(absl::StrContains(e.message, "size 19 → "));
  CHECK(sink.Find("vigil_file_changes_total", {{"path", hba}, {"change", "content"}}) == 1);

  // Mode, then owner (as root).
  sink.Clear();
  REQUIRE(chmod(hba.c_str(), 0666) == 0);
  REQUIRE(watcher.Check(kNow, {}, sink).ok());
  e = OnlyChange(sink);
  CHECK(Label(e, "change") == "mode");
  CHECK(absl::StrContains(e.message, "→ 0666"));
  CHECK(sink.Find("vigil_file_mode", {{"path", hba}}) == 0666);
  if (geteuid() == 0) {
    sink.Clear();
    REQUIRE(chown(hba.c_str(), 65534, 65534) == 0);
    REQUIRE(watcher.Check(kNow, {}, sink).ok());
    e = OnlyChange(sink);
    CHECK(Label(e, "change") == "owner");
    CHECK(absl::StrContains(e.message, "→ 65534:65534"));
    CHECK(sink.Find("vigil_file_uid", {{"path", hba}}) == 65534);
  }

  // A control file: its content changes by design, its mode does not.
  sink.Clear();
  dir.WriteFile("ctl/control01.ctl", std::string(1000, 'd'));
  REQUIRE(watcher.Check(kNow, {}, sink).ok());
  CHECK(sink.events().empty());
  REQUIRE(chmod(dir.Path("ctl/control01.ctl").c_str(), 0600) == 0);
  REQUIRE(watcher.Check(kNow, {}, sink).ok());
  CHECK(Label(OnlyChange(sink), "change") == "mode");

  // Delete and recreate; a configured path stays watched while it is gone.
  sink.Clear();
  std::filesystem::remove(hba);
  REQUIRE(watcher.Check(kNow, {}, sink).ok());
  CHECK(Label(OnlyChange(sink), "change") == "disappeared");
  CHECK(sink.Find("vigil_file_exists", {{"path", hba}}) == 0);
  CHECK_FALSE(sink.Find("vigil_file_size_bytes", {{"path", hba}}).has_value());
  sink.Clear();
  REQUIRE(watcher.Check(kNow, {}, sink).ok());
  CHECK(sink.events().empty());
  CHECK(sink.Find("vigil_file_exists", {{"path", hba}}) == 0);
  sink.Clear();
  dir.WriteFile("etc/pg_hba.conf", "local all all peer\n");
  REQUIRE(watcher.Check(kNow, {}, sink).ok());
  CHECK(Label(OnlyChange(sink), "change") == "appeared");
  CHECK(sink.Find("vigil_file_changes_total", {{"path", hba}, {"change", "disappeared"}}) == 1);
  CHECK(sink.Find("vigil_file_changes_total", {{"path", hba}, {"change", "appeared"}}) == 1);

  // Glob: a new match is a new baseline; a match that vanishes is reported once.
  sink.Clear();
  dir.WriteFile("conf.d/b.conf", "b\n");
  REQUIRE(watcher.Check(kNow, {}, sink).ok());
  CHECK(sink.events().empty());
  CHECK(sink.Find("vigil_file_exists", {{"path", dir.Path("conf.d/b.conf")}}) == 1);
  sink.Clear();
  std::filesystem::remove(dir.Path("conf.d/b.conf"));
  REQUIRE(watcher.Check(kNow, {}, sink).ok());
  e = OnlyChange(sink);
  CHECK(Label(e, "path") == dir.Path("conf.d/b.conf"));
  CHECK(Label(e, "change") == "disappeared");
  sink.Clear();
  REQUIRE(watcher.Check(kNow, {}, sink).ok());
  CHECK(sink.events().empty());
  CHECK(sink.Count("vigil_file_exists") == 3);
}

TEST_CASE("file watch: a change made while the agent was stopped is reported", "[file_watch]") {
  TempDir dir;
  dir.WriteFile("etc/pg_hba.conf", "local all all peer\n");
  const SourceOptions options = WatchOptions(dir);
  const std::string hba = dir.Path("etc/pg_hba.conf");
  {
    FileWatcher first(options);
    RecordingSink sink;
    REQUIRE(first.Check(kNow, {}, sink).ok());
    CHECK(sink.events().empty());
  }
  // The agent is down; someone opens the database to the world.
  dir.WriteFile("etc/pg_hba.conf", absl::StrCat(kSecret, "\n"));
  REQUIRE(chmod(hba.c_str(), 0600) == 0);
  FileWatcher second(options);
  RecordingSink sink;
  REQUIRE(second.Check(kNow, {}, sink).ok());
  const Event e = OnlyChange(sink);
  CHECK(Label(e, "change") == "content,mode");
  CHECK(sink.Find("vigil_file_changes_total", {{"path", hba}, {"change", "content"}}) == 1);
  CHECK(sink.Find("vigil_file_changes_total", {{"path", hba}, {"change", "mode"}}) == 1);
  // The baseline never holds the content either.
  absl::StatusOr<std::string> state = ReadFile(dir.Path("state/file_watch.state"));
  REQUIRE(state.ok());
  CHECK_FALSE(absl::StrContains(*state, "s3cr3t"));
  CHECK(absl::StrContains(*state, hba));
}

TEST_CASE("file watch: an unwritable state file is counted and the check still runs",
          "[file_watch]") {
  TempDir dir;
  dir.WriteFile("etc/pg_hba.conf", "x\n");
  dir.WriteFile("state", "a file where the state directory should be");
  SourceOptions options = WatchOptions(dir);
  FileWatcher watcher(options);
  RecordingSink sink;
  CHECK_FALSE(watcher.Check(kNow, {}, sink).ok());
  CHECK(sink.Find("vigil_file_exists", {{"path", dir.Path("etc/pg_hba.conf")}}) == 1);
  CHECK(sink.Find("vigil_file_watch_errors_total", {{"reason", "state_write"}}) == 1);
}

TEST_CASE("ParsePostgresConf and EnvironValue", "[file_watch]") {
  auto conf = ParsePostgresConf(
      "# comment\nhba_file = '/etc/pg/pg_hba.conf'   # where\nIDENT_FILE '/etc/pg/id''s.conf'\n"
      "port=5433\n  data_directory = '/var/lib/pg'\n#hba_file = '/nope'\n");
  CHECK(conf["hba_file"] == "/etc/pg/pg_hba.conf");
  CHECK(conf["ident_file"] == "/etc/pg/id's.conf");
  CHECK(conf["port"] == "5433");
  CHECK(conf["data_directory"] == "/var/lib/pg");
  const std::string environ = "PATH=/bin\0ORACLE_HOME=/u01/db\0ORACLE_HOME_X=no\0"s;
  CHECK(EnvironValue(environ, "ORACLE_HOME") == "/u01/db");
  CHECK_FALSE(EnvironValue(environ, "TNS_ADMIN").has_value());
}

std::string StatLine(int pid, int ppid, uint64_t start) {
  return absl::StrCat(pid, " (x) S ", ppid, " ", pid, " ", pid,
                      " 0 -1 4194560 120 0 0 0 3 1 0 0 20 0 1 0 ", start, " 221184000 2500\n");
}

TEST_CASE("file watch: the configuration files of running databases, from a fixture /proc",
          "[file_watch]") {
  TempDir dir;
  const std::string proc = dir.Path("proc");
  auto process = [&](int pid, int ppid, const std::string& cmdline) {
    dir.WriteFile(absl::StrCat("proc/", pid, "/cmdline"), cmdline);
    dir.WriteFile(absl::StrCat("proc/", pid, "/stat"), StatLine(pid, ppid, 100 * pid));
  };
  dir.WriteFile("proc/stat", "cpu  1 2 3 4\nbtime 1700000000\n");
  process(1, 0, "/sbin/init\0"s);
  // Debian: -D is the data directory, the configuration lives in /etc.
  process(100, 1,
          "/usr/lib/postgresql/16/bin/postgres\0-D\0/pg/main\0-c\0"
          "config_file=/etc/pg/postgresql.conf\0"s);
  std::filesystem::create_symlink("/pg/main", dir.Path("proc/100/cwd"));
  process(101, 100, "postgres: 16/main: checkpointer \0"s);
  process(300, 1, "ora_pmon_HISDB\0"s);
  dir.WriteFile("proc/300/environ", "ORACLE_HOME=/u01/db19\0TNS_ADMIN=/etc/tns\0"s);
  // The host's files, under root_fs.
  dir.WriteFile("root/etc/pg/postgresql.conf", "hba_file = '/etc/pg/pg_hba.conf'\n");
  dir.WriteFile("root/etc/pg/pg_hba.conf", "local all all peer\n");
  dir.WriteFile("root/pg/main/postgresql.auto.conf", "# Do not edit\n");
  dir.WriteFile("root/u01/db19/dbs/spfileHISDB.ora", "binary");
  dir.WriteFile("root/etc/tns/sqlnet.ora", "SQLNET.ENCRYPTION_SERVER = required\n");

  ProcessTable table(proc);
  DatabaseProcessFinder finder(OracleOptions{});
  std::vector<DatabaseProcess> databases = finder.Find(table);
  REQUIRE(databases.size() == 2);
  const ReadSmallFile read = [&](const std::string& path) -> std::optional<std::string> {
    absl::StatusOr<std::string> text = ReadFile(dir.Path("root") + path);
    if (!text.ok()) return std::nullopt;
    return *text;
  };
  std::vector<std::string> files;
  for (const DatabaseProcess& d : databases) {
    for (std::string& f : ConfigFilesOf(d, read)) files.push_back(std::move(f));
  }
  std::sort(files.begin(), files.end());
  CHECK(files == std::vector<std::string>{
                     "/etc/pg/pg_hba.conf", "/etc/pg/postgresql.conf", "/etc/tns/listener.ora",
                     "/etc/tns/sqlnet.ora", "/etc/tns/tnsnames.ora", "/pg/main/pg_ident.conf",
                     "/pg/main/postgresql.auto.conf", "/u01/db19/dbs/initHISDB.ora",
                     "/u01/db19/dbs/spfileHISDB.ora", "/u01/db19/network/admin/listener.ora",
                     "/u01/db19/network/admin/sqlnet.ora", "/u01/db19/network/admin/tnsnames.ora"});

  // Through the source: the process table on the sampling thread, the check on its job.
  SourceOptions options;
  options.proc_root = proc;
  options.root_fs = dir.Path("root");
  options.state_dir = dir.Path("state");
  auto source = CreateFileWatchSource(options);
  REQUIRE(source.ok());
  CHECK((*source)->name() == "file_watch");
  RecordingSink sink;
  table.Invalidate();
  REQUIRE((*source)->Collect(TickContext{absl::Now(), &table}, sink).ok());
  (*source)->AwaitFirstResults(absl::Seconds(30));
  table.Invalidate();
  REQUIRE((*source)->Collect(TickContext{absl::Now(), &table}, sink).ok());
  CHECK(sink.Find("vigil_file_exists", {{"path", "/etc/pg/pg_hba.conf"}}) == 1);
  CHECK(sink.Find("vigil_file_exists", {{"path", "/u01/db19/dbs/spfileHISDB.ora"}}) == 1);
  CHECK(sink.Find("vigil_file_exists", {{"path", "/u01/db19/dbs/initHISDB.ora"}}) == 0);
  CHECK(sink.Find("vigil_file_watch_files") == 12);
  CHECK(sink.Find("vigil_agent_job_up", {{"source", "file_watch"}, {"job", "check"}}) == 1);

  // The database stops; its files stay watched (an edit during a restart is seen).
  std::filesystem::remove_all(dir.Path("proc/100"));
  std::filesystem::remove_all(dir.Path("proc/101"));
  std::filesystem::remove_all(dir.Path("proc/300"));
  FileWatcher watcher(options);  // a restarted agent, from the state file
  dir.WriteFile("root/etc/pg/pg_hba.conf", "host all all 0.0.0.0/0 trust\n");
  sink.Clear();
  REQUIRE(watcher.Check(kNow, {}, sink).ok());
  CHECK(sink.Find("vigil_file_watch_files") == 12);
  const Event e = OnlyChange(sink);
  CHECK(Label(e, "path") == "/etc/pg/pg_hba.conf");
  CHECK(Label(e, "change") == "content");
}

TEST_CASE("the file_watch: section parses strings and mappings", "[file_watch]") {
  absl::StatusOr<ConfigNode> root = ConfigNode::LoadString(R"(
file_watch:
  auto: false
  interval: 30s
  paths:
    - /etc/oratab
    - {path: /u02/oradata/HISDB/control01.ctl, hash: false}
    - path: conf/*.conf
)",
                                                           "agent.yaml");
  REQUIRE(root.ok());
  FileWatchOptions options;
  REQUIRE(ParseFileWatchOptions(root->Child("file_watch"), "/etc/vigil", &options).ok());
  CHECK_FALSE(options.auto_discover);
  CHECK(options.interval == absl::Seconds(30));
  REQUIRE(options.paths.size() == 3);
  CHECK(options.paths[0].path == "/etc/oratab");
  CHECK(options.paths[0].hash);
  CHECK_FALSE(options.paths[1].hash);
  CHECK(options.paths[2].path == "/etc/vigil/conf/*.conf");
  CHECK(options.max_hash_bytes == 64 << 20);

  root = ConfigNode::LoadString("file_watch:\n  paths:\n    - {path: /x, hsh: true}\n", "a.yaml");
  REQUIRE(root.ok());
  FileWatchOptions bad;
  absl::Status status = ParseFileWatchOptions(root->Child("file_watch"), "", &bad);
  CHECK_FALSE(status.ok());
  CHECK(absl::StrContains(status.message(), "a.yaml:3"));
}

}  // namespace
}  // namespace vigil::agent
