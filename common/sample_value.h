// Rendering of sample values as Prometheus does: "NaN", "+Inf", "-Inf", otherwise the
// shortest decimal that reads back as the same double.
#pragma once

#include <string>

namespace vigil {

std::string FormatSampleValue(double value);

}  // namespace vigil
