#include "collector/storage/label_matcher.h"

#include "absl/strings/str_cat.h"
#include "common/labels.h"

namespace vigil::storage {

absl::StatusOr<LabelMatcher> LabelMatcher::Create(Type type, std::string name, std::string value) {
  std::shared_ptr<const RE2> re;
  if (type == Type::kRegex || type == Type::kNotRegex) {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_dot_nl(true);
    // The value must be a regular expression on its own: "a)|(b" would otherwise close
    // the anchoring group below and match more than it says.
    RE2 alone(value, options);
    if (!alone.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid regular expression for label ", name, ": ", alone.error()));
    }
    auto compiled = std::make_shared<RE2>(absl::StrCat("^(?:", value, ")$"), options);
    if (!compiled->ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid regular expression for label ", name, ": ", compiled->error()));
    }
    re = std::move(compiled);
  }
  return LabelMatcher(type, std::move(name), std::move(value), std::move(re));
}

bool LabelMatcher::Matches(absl::string_view value) const {
  switch (type_) {
    case Type::kEqual:
      return value == value_;
    case Type::kNotEqual:
      return value != value_;
    case Type::kRegex:
      return RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *re_);
    case Type::kNotRegex:
      return !RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *re_);
  }
  return false;
}

std::string LabelMatcher::ToString() const {
  static constexpr const char* kOps[] = {"=", "!=", "=~", "!~"};
  return absl::StrCat(name_, kOps[static_cast<int>(type_)], "\"", EscapeLabelValue(value_), "\"");
}

}  // namespace vigil::storage
