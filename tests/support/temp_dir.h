// A private temporary directory, removed with everything in it on destruction.
#pragma once

#include <string>

namespace vigil::testing {

class TempDir {
 public:
  TempDir();  // aborts the test run if mkdtemp fails
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string Path(const std::string& name) const { return path_ + "/" + name; }
  // Writes `content` to path()/name, creating parent directories.
  void WriteFile(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// The tests/testdata directory of the source tree.
std::string TestDataDir();

}  // namespace vigil::testing
