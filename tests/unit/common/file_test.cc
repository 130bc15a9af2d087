#include "common/file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tests/support/temp_dir.h"

namespace vigil {
namespace {

std::string Message(const absl::Status& status) { return std::string(status.message()); }

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

int ModeOf(const std::string& path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return static_cast<int>(st.st_mode & 07777);
}

// Sets the process umask for one scope.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

TEST_CASE("ReadFile returns the exact bytes") {
  testing::TempDir dir;
  const std::vector<std::string> contents = {"",
                                             "x",
                                             std::string("a\0b\xff\n", 5),
                                             std::string(16384, 'a'),
                                             std::string(16385, 'b'),
                                             std::string(100000, 'c') + "end"};
  for (size_t i = 0; i < contents.size(); ++i) {
    INFO("content " << i << " of " << contents[i].size() << " bytes");
    dir.WriteFile("f", contents[i]);
    absl::StatusOr<std::string> data = ReadFile(dir.Path("f"));
    REQUIRE(data.ok());
    CHECK(*data == contents[i]);
  }
}

TEST_CASE("ReadFile of a missing file is NotFound and names the path") {
  testing::TempDir dir;
  for (const std::string& path : {dir.Path("missing"), dir.Path("missing_dir/file")}) {
    INFO(path);
    absl::StatusOr<std::string> data = ReadFile(path);
    REQUIRE_FALSE(data.ok());
    CHECK(data.status().code() == absl::StatusCode::kNotFound);
    CHECK_THAT(Message(data.status()), Catch::Contains(path));
  }
  // A path through a regular file (ENOTDIR) is NotFound too.
  dir.WriteFile("plain", "x");
  absl::StatusOr<std::string> data = ReadFile(dir.Path("plain/child"));
  CHECK(data.status().code() == absl::StatusCode::kNotFound);
  CHECK_THAT(Message(data.status()), Catch::Contains(dir.Path("plain/child")));
}

TEST_CASE("ReadFile enforces max_bytes exactly") {
  testing::TempDir dir;
  struct Case {
    size_t size;
    size_t max_bytes;
    bool ok;
  };
  const std::vector<Case> cases = {
      {0, 0, true},         {1, 0, false},         {100, 100, true},
      {100, 99, false},     {16384, 16384, true},  {16385, 16384, false},
      {40000, 40000, true}, {40000, 39999, false}, {40000, 1, false},
  };
  for (const Case& c : cases) {
    INFO(c.size << " bytes, max " << c.max_bytes);
    dir.WriteFile("f", std::string(c.size, 'z'));
    absl::StatusOr<std::string> data = ReadFile(dir.Path("f"), c.max_bytes);
    CHECK(data.ok() == c.ok);
    if (c.ok) {
      CHECK(data->size() == c.size);
    } else {
      CHECK(data.status().code() == absl::StatusCode::kResourceExhausted);
      CHECK_THAT(Message(data.status()), Catch::Contains(dir.Path("f")));
    }
  }
}

TEST_CASE("ReadFile reads /proc files whose stat size is 0") {
  struct stat st;
  REQUIRE(::stat("/proc/self/status", &st) == 0);
  REQUIRE(st.st_size == 0);
  absl::StatusOr<std::string> data = ReadFile("/proc/self/status");
  REQUIRE(data.ok());
  CHECK_THAT(*data, Catch::StartsWith("Name:"));
  CHECK_THAT(*data, Catch::Contains("\nPid:\t" + std::to_string(::getpid()) + "\n"));

  // A small limit is enforced on /proc files too.
  data = ReadFile("/proc/self/status", 10);
  CHECK(data.status().code() == absl::StatusCode::kResourceExhausted);
}

TEST_CASE("ReadFileInto replaces the previous content") {
  testing::TempDir dir;
  dir.WriteFile("f", "new");
  std::string out = "previous content that is longer";
  REQUIRE(ReadFileInto(dir.Path("f"), &out).ok());
  CHECK(out == "new");
  // On failure the buffer does not keep stale content that could be mistaken for data.
  CHECK_FALSE(ReadFileInto(dir.Path("missing"), &out).ok());
  CHECK(out.empty());
}

TEST_CASE("ReadFile of a directory fails and names the path") {
  testing::TempDir dir;
  absl::StatusOr<std::string> data = ReadFile(dir.path());
  REQUIRE_FALSE(data.ok());
  CHECK_THAT(Message(data.status()), Catch::Contains(dir.path()));
}

TEST_CASE("ReadFile of an unreadable file is PermissionDenied") {
  if (::geteuid() == 0) {
    WARN("running as root: permission bits are not enforced, skipped");
    return;
  }
  testing::TempDir dir;
  dir.WriteFile("secret", "x");
  REQUIRE(::chmod(dir.Path("secret").c_str(), 0) == 0);
  absl::StatusOr<std::string> data = ReadFile(dir.Path("secret"));
  CHECK(data.status().code() == absl::StatusCode::kPermissionDenied);
  CHECK_THAT(Message(data.status()), Catch::Contains(dir.Path("secret")));
}

TEST_CASE("WriteFileAtomically creates the file with the given mode") {
  testing::TempDir dir;
  // A restrictive umask must not change the requested mode.
  ScopedUmask umask(077);
  struct Case {
    const char* name;
    int mode;
  };
  for (const Case& c : {Case{"a", 0600}, Case{"b", 0644}, Case{"c", 0640}, Case{"d", 0400}}) {
    INFO(c.name);
    REQUIRE(WriteFileAtomically(dir.Path(c.name), "data", c.mode).ok());
    CHECK(ModeOf(dir.Path(c.name)) == c.mode);
    CHECK(*ReadFile(dir.Path(c.name)) == "data");
  }
  REQUIRE(WriteFileAtomically(dir.Path("default"), "data").ok());
  CHECK(ModeOf(dir.Path("default")) == 0644);
  CHECK(Entries(dir.path()) == std::vector<std::string>{"a", "b", "c", "d", "default"});
}

TEST_CASE("WriteFileAtomically replaces content and leaves no temporary file") {
  testing::TempDir dir;
  const std::string path = dir.Path("state.json");
  const std::vector<std::string> contents = {"first version, rather long", "short", "",
                                             std::string(100000, 'x'), std::string("bin\0\xff", 5)};
  for (const std::string& content : contents) {
    INFO(content.size() << " bytes");
    REQUIRE(WriteFileAtomically(path, content, 0600).ok());
    CHECK(*ReadFile(path) == content);
    CHECK(Entries(dir.path()) == std::vector<std::string>{"state.json"});
  }
  // Replacing also applies the new mode.
  REQUIRE(WriteFileAtomically(path, "x", 0644).ok());
  CHECK(ModeOf(path) == 0644);
}

TEST_CASE("WriteFileAtomically into a missing directory fails naming the path") {
  testing::TempDir dir;
  const std::string path = dir.Path("missing/state.json");
  absl::Status s = WriteFileAtomically(path, "data");
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == absl::StatusCode::kNotFound);
  CHECK_THAT(Message(s), Catch::Contains(path));
  CHECK(Entries(dir.path()).empty());
}

TEST_CASE("WriteFileAtomically over a directory fails and removes its temporary file") {
  testing::TempDir dir;
  REQUIRE(std::filesystem::create_directory(dir.Path("target")));
  dir.WriteFile("target/inside", "keep");
  absl::Status s = WriteFileAtomically(dir.Path("target"), "data");
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(Message(s), Catch::Contains(dir.Path("target")));
  CHECK(Entries(dir.path()) == std::vector<std::string>{"target"});
  CHECK(*ReadFile(dir.Path("target/inside")) == "keep");
}

TEST_CASE("ErrnoStatus maps errno to status codes with the context first") {
  struct Case {
    int err;
    absl::StatusCode code;
  };
  const std::vector<Case> cases = {
      {ENOENT, absl::StatusCode::kNotFound},
      {ENOTDIR, absl::StatusCode::kNotFound},
      {EACCES, absl::StatusCode::kPermissionDenied},
      {EPERM, absl::StatusCode::kPermissionDenied},
      {ENOSPC, absl::StatusCode::kResourceExhausted},
      {EDQUOT, absl::StatusCode::kResourceExhausted},
      {EIO, absl::StatusCode::kUnavailable},
  };
  for (const Case& c : cases) {
    INFO(c.err);
    absl::Status s = ErrnoStatus(c.err, "open /x");
    CHECK(s.code() == c.code);
    CHECK(Message(s) == std::string("open /x: ") + std::strerror(c.err));
  }
}

}  // namespace
}  // namespace vigil
