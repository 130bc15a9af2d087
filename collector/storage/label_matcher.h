// A condition on one label of a series: name="v", name!="v", name=~"re", name!~"re".
// Regular expressions are RE2 (linear time, safe on hostile input) and fully anchored,
// as in Prometheus. A missing label has the value "".
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vigil::storage {

class LabelMatcher {
 public:
  enum class Type { kEqual, kNotEqual, kRegex, kNotRegex };

  // Fails if a regex does not compile; the message names the label.
  static absl::StatusOr<LabelMatcher> Create(Type type, std::string name, std::string value);

  bool Matches(absl::string_view value) const;
  // True if a series without this label would match (Prometheus requires at least one
  // matcher in a selector that does not).
  bool MatchesEmpty() const { return Matches(""); }

  Type type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }
  std::string ToString() const;

 private:
  LabelMatcher(Type type, std::string name, std::string value, std::shared_ptr<const RE2> re)
      : type_(type), name_(std::move(name)), value_(std::move(value)), re_(std::move(re)) {}

  Type type_;
  std::string name_;
  std::string value_;
  std::shared_ptr<const RE2> re_;  // shared: matchers are copied freely; RE2 is thread-safe
};

}  // namespace vigil::storage
