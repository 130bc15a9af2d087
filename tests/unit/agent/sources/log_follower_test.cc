#include "agent/sources/log_follower.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tests/support/temp_dir.h"

namespace vigil::agent {
namespace {

using testing::TempDir;

void Append(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << text;
}

// Polls a follower and collects its lines; each poll is a later instant, so every poll
// saves the position reached by the previous one.
struct Reader {
  explicit Reader(LogFollowerOptions options) : follower(std::move(options)) {
    options_copy = follower.path();
  }
  std::vector<std::string> Poll() {
    std::vector<std::string> lines;
    now += absl::Seconds(10);
    REQUIRE(follower.Poll(now, [&](absl::string_view l) { lines.emplace_back(l); }).ok());
    return lines;
  }
  LogFollower follower;
  std::string options_copy;
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
};

using Lines = std::vector<std::string>;

LogFollowerOptions Options(const TempDir& dir) {
  LogFollowerOptions o;
  o.path = dir.Path("app.log");
  o.state_file = dir.Path("state/app.pos");
  return o;
}

TEST_CASE("LogFollower starts at the end of a file it never saw and reads only complete lines",
          "[log_follower]") {
  TempDir dir;
  Append(dir.Path("app.log"), "old 1\nold 2\n");
  Reader r(Options(dir));
  CHECK(r.Poll().empty());
  CHECK(r.follower.found());
  Append(dir.Path("app.log"), "new 1\nnew 2\r\nhalf");
  CHECK(r.Poll() == Lines{"new 1", "new 2"});
  CHECK(r.Poll().empty());
  Append(dir.Path("app.log"), " written\n");
  CHECK(r.Poll() == Lines{"half written"});
  CHECK(r.follower.stats().lines == 3);
}

TEST_CASE("LogFollower reads a file that appears after it started from its beginning",
          "[log_follower]") {
  TempDir dir;
  Reader r(Options(dir));
  CHECK(r.Poll().empty());
  CHECK_FALSE(r.follower.found());
  Append(dir.Path("app.log"), "first\n");
  CHECK(r.Poll() == Lines{"first"});
  CHECK(r.follower.found());
}

TEST_CASE("LogFollower finishes a renamed file, then reads the new one", "[log_follower]") {
  TempDir dir;
  const std::string log = dir.Path("app.log");
  Append(log, "");
  Reader r(Options(dir));
  r.Poll();
  Append(log, "a\n");
  CHECK(r.Poll() == Lines{"a"});
  Append(log, "b\nc\n");  // written before the rename, not yet read
  REQUIRE(rename(log.c_str(), dir.Path("app.log.1").c_str()) == 0);
  Append(dir.Path("app.log.1"), "d\n");  // the writer still had the old file open
  CHECK(r.Poll() == Lines{"b", "c", "d"});
  CHECK_FALSE(r.follower.found());
  Append(log, "e\n");
  CHECK(r.Poll() == Lines{"e"});
  CHECK(r.follower.stats().rotations == 1);
  // Renamed and recreated between two polls.
  Append(log, "f\n");
  REQUIRE(rename(log.c_str(), dir.Path("app.log.2").c_str()) == 0);
  Append(log, "g\n");
  CHECK(r.Poll() == Lines{"f", "g"});
  CHECK(r.follower.stats().rotations == 2);
}

TEST_CASE("LogFollower restarts at 0 after copytruncate or truncation", "[log_follower]") {
  TempDir dir;
  const std::string log = dir.Path("app.log");
  Append(log, "");
  Reader r(Options(dir));
  r.Poll();
  Append(log, "one line that is long\n");
  CHECK(r.Poll() == Lines{"one line that is long"});
  truncate(log.c_str(), 0);
  Append(log, "after\n");
  CHECK(r.Poll() == Lines{"after"});
  CHECK(r.follower.stats().truncations == 1);
}

TEST_CASE("LogFollower follows a deleted and later recreated file", "[log_follower]") {
  TempDir dir;
  const std::string log = dir.Path("app.log");
  Append(log, "");
  Reader r(Options(dir));
  r.Poll();
  Append(log, "x\n");
  REQUIRE(unlink(log.c_str()) == 0);
  CHECK(r.Poll() == Lines{"x"});
  CHECK_FALSE(r.follower.found());
  CHECK(r.Poll().empty());
  Append(log, "y\n");
  CHECK(r.Poll() == Lines{"y"});
  CHECK(r.follower.found());
}

TEST_CASE("LogFollower bounds the bytes per poll and cuts over-long lines", "[log_follower]") {
  TempDir dir;
  const std::string log = dir.Path("app.log");
  Append(log, "");
  LogFollowerOptions o = Options(dir);
  o.max_bytes_per_poll = 10;
  o.max_line_bytes = 8;
  Reader r(o);
  r.Poll();
  Append(log, "aaaa\nbbbb\ncccc\n");
  // Budget is checked between chunks: one chunk holds all of this small file.
  CHECK(r.Poll() == Lines{"aaaa", "bbbb", "cccc"});
  Append(log, std::string(100'000, 'z') + "\nok\n" + std::string(70'000, 'w') + "\nend\n");
  Lines all;
  int polls = 0;
  do {
    for (std::string& l : r.Poll()) all.push_back(std::move(l));
    ++polls;
  } while (r.follower.behind());
  CHECK(polls > 1);
  CHECK(all == Lines{"zzzzzzzz", "ok", "wwwwwwww", "end"});
  CHECK(r.follower.stats().lines_truncated == 2);
}

TEST_CASE("LogFollower resumes after a restart: nothing lost, nothing read twice",
          "[log_follower]") {
  TempDir dir;
  const std::string log = dir.Path("app.log");
  Append(log, "history\n");
  {
    Reader r(Options(dir));
    r.Poll();
    Append(log, "1\n2\n");
    CHECK(r.Poll() == Lines{"1", "2"});
  }  // stopped: the position is saved
  Append(log, "3\n");
  {
    Reader r(Options(dir));
    CHECK(r.Poll() == Lines{"3"});
    Append(log, "4\n");
  }
  // Rotated while stopped: the rest of the old file, then the new one.
  Append(log, "5\n");
  REQUIRE(rename(log.c_str(), dir.Path("app.log-20261123").c_str()) == 0);
  Append(log, "6\n");
  {
    Reader r(Options(dir));
    CHECK(r.Poll() == Lines{"4", "5", "6"});
  }
  // Rotated and the old file removed while stopped: the new file from its start.
  REQUIRE(unlink(log.c_str()) == 0);
  Append(log, "7\n");
  {
    Reader r(Options(dir));
    CHECK(r.Poll() == Lines{"7"});
  }
  // Copytruncate while stopped, and rewritten past the old offset.
  truncate(log.c_str(), 0);
  Append(log, "8 is longer\n");
  {
    Reader r(Options(dir));
    CHECK(r.Poll() == Lines{"8 is longer"});
  }
}

TEST_CASE("LogFollower keeps the position of a crash at the last save", "[log_follower]") {
  TempDir dir;
  const std::string log = dir.Path("app.log");
  Append(log, "");
  LogFollowerOptions o = Options(dir);
  Reader r(o);
  r.Poll();
  Append(log, "a\n");
  CHECK(r.Poll() == Lines{"a"});
  Append(log, "b\n");
  CHECK(r.Poll() == Lines{"b"});  // this poll saved the position after "a"
  // A second follower reading the state now (as after a crash) repeats only "b".
  Reader crashed(o);
  CHECK(crashed.Poll() == Lines{"b"});
}

TEST_CASE("Log position state round-trips", "[log_follower]") {
  std::string path;
  dev_t dev;
  ino_t ino;
  uint64_t offset;
  bool skipping;
  std::string tail;
  REQUIRE(ParseLogPosition(FormatLogPosition("/var/log/a b.log", 2049, 77, 1234, true, "ab\n"),
                           &path, &dev, &ino, &offset, &skipping, &tail));
  CHECK(tail == "ab\n");
  CHECK(path == "/var/log/a b.log");
  CHECK(dev == 2049);
  CHECK(ino == 77);
  CHECK(offset == 1234);
  CHECK(skipping);
  CHECK_FALSE(
      ParseLogPosition("v2\t1\t2\t3\t0\t\t/x\n", &path, &dev, &ino, &offset, &skipping, &tail));
  CHECK_FALSE(ParseLogPosition("v1\t1\t2\n", &path, &dev, &ino, &offset, &skipping, &tail));
}

}  // namespace
}  // namespace vigil::agent
