// Small helpers shared by the benchmark modes: percentiles, the two output forms (a
// readable table, or one JSON object with --json), and the working directory.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace vigil::bench {

// The q-quantile (0..1) of `values` by nearest rank; 0 if empty. Sorts a copy.
double Percentile(std::vector<double> values, double q);

// Prints `figures` as one JSON line, or as "name: value" lines under a title.
void PrintFigures(const std::string& title, const nlohmann::json& figures, bool json);

// The median of each numeric figure over several runs' figures, also inside nested
// objects (other fields from the first run; arrays dropped), with "repeats": N.
nlohmann::json MedianFigures(const std::vector<nlohmann::json>& runs);

// A benchmark's working directory: the one asked for (--dir, created if missing and
// kept), or a new one under $TMPDIR that is removed on destruction unless `keep`.
class WorkDir {
 public:
  static absl::StatusOr<WorkDir> Make(const std::string& wanted, bool keep = false);
  WorkDir(WorkDir&& other) noexcept : path_(std::move(other.path_)), remove_(other.remove_) {
    other.remove_ = false;
  }
  WorkDir& operator=(WorkDir&&) = delete;
  ~WorkDir();
  const std::string& path() const { return path_; }

 private:
  WorkDir(std::string path, bool remove) : path_(std::move(path)), remove_(remove) {}
  std::string path_;
  bool remove_ = false;
};

// CPU seconds (user + system) of this process so far.
double ProcessCpuSeconds();

}  // namespace vigil::bench
