#include "tests/integration/pg_cluster.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/child_process.h"
#include "tests/integration/cluster.h"

namespace vigil::testing {
namespace {

void ChownToPostgres(const std::string& path) {
  const passwd* pw = getpwnam("postgres");
  REQUIRE(pw != nullptr);
  REQUIRE(chown(path.c_str(), pw->pw_uid, pw->pw_gid) == 0);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path)) {
    REQUIRE(lchown(entry.path().c_str(), pw->pw_uid, pw->pw_gid) == 0);
  }
}

void Append(const std::string& path, const std::string& text) {
  std::string content = ReadAll(path) + text;
  FILE* f = fopen(path.c_str(), "w");
  REQUIRE(f != nullptr);
  fwrite(content.data(), 1, content.size(), f);
  fclose(f);
}

}  // namespace

std::string PgBinDir() {
  std::string best;
  int best_version = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const int version = atoi(entry.path().filename().c_str());
    if (version > best_version && std::filesystem::exists(entry.path() / "bin" / "postgres", ec)) {
      best_version = version;
      best = (entry.path() / "bin").string();
    }
  }
  return best;
}

bool CanRunPostgres() {
  return geteuid() == 0 && getpwnam("postgres") != nullptr && !PgBinDir().empty();
}

PgSession::PgSession(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
  INFO(PQerrorMessage(conn_));
  REQUIRE(PQstatus(conn_) == CONNECTION_OK);
}

PgSession::~PgSession() { PQfinish(conn_); }

int PgSession::pid() const { return PQbackendPID(conn_); }

std::string PgSession::Exec(const std::string& sql, bool allow_error) {
  PGresult* result = PQexec(conn_, sql.c_str());
  const ExecStatusType st = PQresultStatus(result);
  std::string out;
  if (st == PGRES_TUPLES_OK) {
    if (PQntuples(result) > 0) out = PQgetvalue(result, 0, 0);
  } else if (st != PGRES_COMMAND_OK) {
    out = PQresultErrorMessage(result);
    if (!allow_error) FAIL("SQL failed: " << sql << ": " << out);
  }
  PQclear(result);
  return out;
}

void PgSession::Send(const std::string& sql) { REQUIRE(PQsendQuery(conn_, sql.c_str()) == 1); }

std::string PgSession::Finish() {
  std::string error;
  while (PGresult* result = PQgetResult(conn_)) {
    const ExecStatusType st = PQresultStatus(result);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) error = PQresultErrorMessage(result);
    PQclear(result);
  }
  return error;
}

void PgCluster::RunAsPostgres(const std::vector<std::string>& argv) const {
  std::vector<std::string> full = {"/usr/sbin/runuser", "-u", "postgres", "--"};
  full.insert(full.end(), argv.begin(), argv.end());
  std::string output;
  const int status = RunCommand(full, &output, absl::Seconds(120));
  INFO(argv[0] << ": " << output << "\n" << Log());
  REQUIRE(status == 0);
}

PgCluster::PgCluster(const PgClusterOptions& options) {
  port_ = FreePort();
  const std::string bin = PgBinDir();
  REQUIRE(mkdir(dir_.Path("archive").c_str(), 0700) == 0);
  ChownToPostgres(dir_.path());
  RunAsPostgres({bin + "/initdb", "-D", dir_.Path("data"), "-U", "postgres", "--auth=trust",
                 "--no-sync", "-E", "UTF8", "--locale=C"});
  std::string conf = absl::StrCat(
      "\nport = ", port_, "\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '",
      dir_.path(),
      "'\nfsync = off\nwal_level = replica\nmax_wal_senders = 5\nmax_replication_slots = 5\n"
      "hot_standby = on\nlogging_collector = off\ndeadlock_timeout = '200ms'\n");
  if (options.pg_stat_statements) conf += "shared_preload_libraries = 'pg_stat_statements'\n";
  if (!options.archive_command.empty()) {
    conf += absl::StrCat("archive_mode = on\narchive_command = '", options.archive_command, "'\n");
  }
  Append(dir_.Path("data/postgresql.conf"), conf);
  // vigil logs in with a password over TCP; everything else is trusted on loopback.
  FILE* hba = fopen(dir_.Path("data/pg_hba.conf").c_str(), "w");
  REQUIRE(hba != nullptr);
  fputs(
      "local all all trust\n"
      "host replication all 127.0.0.1/32 trust\n"
      "host all vigil 127.0.0.1/32 scram-sha-256\n"
      "host all all 127.0.0.1/32 trust\n",
      hba);
  fclose(hba);
  ChownToPostgres(dir_.path());
  Start();
  PgSession admin(Conninfo());
  admin.Exec("CREATE ROLE vigil LOGIN PASSWORD 'vigil-secret'");
  admin.Exec("GRANT pg_monitor TO vigil");
  if (options.pg_stat_statements) admin.Exec("CREATE EXTENSION pg_stat_statements");
}

PgCluster::PgCluster(const PgCluster& primary, const std::string& slot) {
  port_ = FreePort();
  const std::string bin = PgBinDir();
  ChownToPostgres(dir_.path());
  RunAsPostgres({bin + "/pg_basebackup", "-h", "127.0.0.1", "-p", std::to_string(primary.port()),
                 "-U", "postgres", "-D", dir_.Path("data"), "-R", "-C", "-S", slot, "--no-sync",
                 "-X", "stream"});
  Append(dir_.Path("data/postgresql.auto.conf"),
         absl::StrCat("\nport = ", port_, "\nunix_socket_directories = '", dir_.path(),
                      "'\narchive_mode = off\n"));
  ChownToPostgres(dir_.path());
  Start();
}

void PgCluster::Start() {
  RunAsPostgres({PgBinDir() + "/pg_ctl", "-D", dir_.Path("data"), "-l", dir_.Path("server.log"),
                 "-w", "-t", "60", "start"});
  started_ = true;
}

PgCluster::~PgCluster() {
  if (!started_) return;
  RunCommand({"/usr/sbin/runuser", "-u", "postgres", "--", PgBinDir() + "/pg_ctl", "-D",
              dir_.Path("data"), "-m", "immediate", "-w", "stop"});
}

std::string PgCluster::Conninfo(const std::string& dbname, const std::string& user) const {
  return absl::StrCat("host=", dir_.path(), " port=", port_, " dbname=", dbname, " user=", user,
                      " application_name=vigil-test");
}

std::string PgCluster::Query(const std::string& sql, const std::string& dbname) const {
  PgSession session(Conninfo(dbname));
  return session.Exec(sql);
}

std::string PgCluster::Log() const { return ReadAll(dir_.Path("server.log")); }

}  // namespace vigil::testing
