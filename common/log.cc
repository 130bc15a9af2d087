#include "common/log.h"

#include <grpc/support/log.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/time_parse.h"

namespace vigil {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::mutex g_mu;
std::string* g_component = new std::string("vigil");

// systemd sets JOURNAL_STREAM to "<device>:<inode>" of the journal stream it connects
// stderr (or stdout) to. Children inherit the variable with stderr perhaps redirected to
// a file, so the stream counts only if it is still our stderr (systemd.exec(5)).
bool StderrIsJournal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long device = 0, inode = 0;
  if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return false;
  return st.st_dev == device && st.st_ino == inode;
}

bool UnderJournal() {
  static const bool journal = StderrIsJournal();
  return journal;
}

void GrpcLogSink(gpr_log_func_args* args) {
  LogLevel level = LogLevel::kDebug;
  if (args->severity == GPR_LOG_SEVERITY_ERROR) {
    level = LogLevel::kWarning;  // gRPC calls a refused handshake an error; for us it is a peer's
  } else if (args->severity == GPR_LOG_SEVERITY_INFO) {
    level = LogLevel::kDebug;
  }
  if (GetLogLevel() > level) return;
  LogLine(level, absl::StrCat("grpc: ", args->message));
}

}  // namespace

void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load()); }

bool ParseLogLevel(absl::string_view text, LogLevel* level) {
  for (LogLevel candidate :
       {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError}) {
    if (text == LogLevelName(candidate)) {
      *level = candidate;
      return true;
    }
  }
  return false;
}

absl::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

void SetLogComponent(absl::string_view component) {
  std::lock_guard<std::mutex> lock(g_mu);
  *g_component = std::string(component);
}

void LogLine(LogLevel level, absl::string_view message) {
  static constexpr const char* kNames[] = {"DEBUG", "INFO", "WARN", "ERROR"};
  static constexpr int kSyslog[] = {7, 6, 4, 3};
  const int i = static_cast<int>(level);
  std::string line;
  std::lock_guard<std::mutex> lock(g_mu);
  if (UnderJournal()) {
    line = absl::StrCat("<", kSyslog[i], ">", *g_component, ": ", message, "\n");
  } else {
    line = absl::StrCat(FormatTimestamp(absl::Now()),
                        " ", kNames[i], " ", *g_component, ": ", message, "\n");
  }
  fwrite(line.data(), 1, line.size(), stderr);
  fflush(stderr);
}

void RouteGrpcLogs() {
  gpr_set_log_verbosity(GPR_LOG_SEVERITY_ERROR);
  gpr_set_log_function(GrpcLogSink);
}

}  // namespace vigil
