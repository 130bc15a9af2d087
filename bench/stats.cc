#include "bench/stats.h"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/file.h"

namespace vigil::bench {

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(values.size())));
  return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

void PrintFigures(const std::string& title, const nlohmann::json& figures, bool json) {
  if (json) {
    std::printf("%s\n", figures.dump().c_str());
    return;
  }
  std::printf("%s\n", title.c_str());
  for (const auto& [key, value] : figures.items()) {
    if (value.is_object() || value.is_array()) {
      std::printf("  %-28s %s\n", key.c_str(), value.dump().c_str());
    } else if (value.is_number_float()) {
      std::printf("  %-28s %.4g\n", key.c_str(), value.get<double>());
    } else {
      std::printf("  %-28s %s\n", key.c_str(), value.dump().c_str());
    }
  }
}

namespace {

nlohmann::json MedianOfObjects(const std::vector<nlohmann::json>& runs) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : runs.front().items()) {
    if (value.is_array()) continue;
    if (value.is_object()) {
      std::vector<nlohmann::json> nested;
      for (const nlohmann::json& run : runs) {
        if (run.contains(key) && run[key].is_object()) nested.push_back(run[key]);
      }
      out[key] = MedianOfObjects(nested);
      continue;
    }
    if (!value.is_number()) {
      out[key] = value;
      continue;
    }
    std::vector<double> values;
    for (const nlohmann::json& run : runs) {
      if (run.contains(key) && run[key].is_number()) values.push_back(run[key].get<double>());
    }
    out[key] = Percentile(values, 0.5);
  }
  return out;
}

}  // namespace

nlohmann::json MedianFigures(const std::vector<nlohmann::json>& runs) {
  if (runs.empty()) return nlohmann::json::object();
  nlohmann::json out = MedianOfObjects(runs);
  out["repeats"] = runs.size();
  return out;
}

absl::StatusOr<WorkDir> WorkDir::Make(const std::string& wanted, bool keep) {
  if (!wanted.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(wanted, ec);
    if (ec)
      return absl::UnavailableError(absl::StrCat("cannot create ", wanted, ": ", ec.message()));
    return WorkDir(wanted, /*remove=*/false);
  }
  const char* tmp = getenv("TMPDIR");
  std::string pattern = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/vigil-bench-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) return ErrnoStatus(errno, pattern);
  return WorkDir(pattern, /*remove=*/!keep);
}

WorkDir::~WorkDir() {
  if (!remove_) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace vigil::bench
