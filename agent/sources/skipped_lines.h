// The malformed lines a /proc parser skipped: how many, and the first one described
// ("line 3: ..."), so that ProcFile warns once per file and a parser that found nothing
// usable can say why.
#pragma once

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace vigil::agent {

struct SkippedLines {
  int count = 0;
  std::string first;  // "line 3: ..."

  void Add(int line_number, absl::string_view error) {
    if (count++ == 0) first = absl::StrCat("line ", line_number, ": ", error);
  }
};

}  // namespace vigil::agent
