// Small helpers shared by the benchmark modes: percentiles and the two output forms
// (a readable table, or one JSON object with --json).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vigil::bench {

// The q-quantile (0..1) of `values` by nearest rank; 0 if empty. Sorts a copy.
double Percentile(std::vector<double> values, double q);

// Prints `figures` as one JSON line, or as "name: value" lines under a title.
void PrintFigures(const std::string& title, const nlohmann::json& figures, bool json);

// The median of each numeric figure over several runs' figures (other fields from the
// first run), with "repeats": N.
nlohmann::json MedianFigures(const std::vector<nlohmann::json>& runs);

// CPU seconds (user + system) of this process so far.
double ProcessCpuSeconds();

}  // namespace vigil::bench
