#include "collector/query/selector.h"

#include <cctype>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/labels.h"

namespace vigil::query {
namespace {

using storage::LabelMatcher;

class SelectorParser {
 public:
  explicit SelectorParser(absl::string_view text) : text_(text) {}

  absl::StatusOr<std::vector<LabelMatcher>> Parse() {
    std::vector<LabelMatcher> matchers;
    SkipSpace();
    if (pos_ < text_.size() && IsNameStart(text_[pos_], /*metric=*/true)) {
      const std::string name = ReadName(/*metric=*/true);
      absl::StatusOr<LabelMatcher> m =
          LabelMatcher::Create(LabelMatcher::Type::kEqual, std::string(kMetricNameLabel), name);
      if (!m.ok()) return m.status();
      matchers.push_back(std::move(*m));
      SkipSpace();
    }
    if (pos_ < text_.size() && text_[pos_] == '{') {
      ++pos_;
      SkipSpace();
      while (pos_ < text_.size() && text_[pos_] != '}') {
        absl::StatusOr<LabelMatcher> m = ParseMatcher();
        if (!m.ok()) return m.status();
        matchers.push_back(std::move(*m));
        SkipSpace();
        if (pos_ < text_.size() && text_[pos_] == ',') {
          ++pos_;
          SkipSpace();
        } else if (pos_ < text_.size() && text_[pos_] != '}') {
          return Error("expected ',' or '}' after a label matcher");
        }
      }
      if (pos_ >= text_.size()) return Error("missing '}'");
      ++pos_;
      SkipSpace();
    }
    if (pos_ != text_.size()) return Error("unexpected text after the selector");
    if (matchers.empty()) return Error("empty selector: give a metric name or {label=\"value\"}");
    return matchers;
  }

 private:
  static bool IsNameStart(char c, bool metric) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (metric && c == ':');
  }
  static bool IsNameChar(char c, bool metric) {
    return IsNameStart(c, metric) || std::isdigit(static_cast<unsigned char>(c));
  }

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  std::string ReadName(bool metric) {
    const size_t start = pos_;
    while (pos_ < text_.size() && IsNameChar(text_[pos_], metric)) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  absl::Status Error(absl::string_view message) const {
    return absl::InvalidArgumentError(
        absl::StrCat("selector \"", text_, "\" at position ", pos_ + 1, ": ", message));
  }

  absl::StatusOr<LabelMatcher> ParseMatcher() {
    if (pos_ >= text_.size() || !IsNameStart(text_[pos_], false)) {
      return Error("expected a label name");
    }
    const std::string name = ReadName(false);
    SkipSpace();
    LabelMatcher::Type type;
    const absl::string_view rest = text_.substr(pos_);
    if (absl::StartsWith(rest, "=~")) {
      type = LabelMatcher::Type::kRegex;
      pos_ += 2;
    } else if (absl::StartsWith(rest, "!~")) {
      type = LabelMatcher::Type::kNotRegex;
      pos_ += 2;
    } else if (absl::StartsWith(rest, "!=")) {
      type = LabelMatcher::Type::kNotEqual;
      pos_ += 2;
    } else if (absl::StartsWith(rest, "=")) {
      type = LabelMatcher::Type::kEqual;
      pos_ += 1;
    } else {
      return Error(absl::StrCat("expected =, !=, =~ or !~ after label ", name));
    }
    SkipSpace();
    absl::StatusOr<std::string> value = ReadString();
    if (!value.ok()) return value.status();
    absl::StatusOr<LabelMatcher> m = LabelMatcher::Create(type, name, std::move(*value));
    if (!m.ok()) return Error(m.status().message());
    return m;
  }

  absl::StatusOr<std::string> ReadString() {
    if (pos_ >= text_.size() || (text_[pos_] != '"' && text_[pos_] != '\'' && text_[pos_] != '`')) {
      return Error("expected a quoted string");
    }
    const char quote = text_[pos_++];
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      char c = text_[pos_++];
      if (c == '\\' && quote != '`') {
        if (pos_ >= text_.size()) break;
        const char e = text_[pos_++];
        switch (e) {
          case 'n':
            c = '\n';
            break;
          case 't':
            c = '\t';
            break;
          case '\\':
          case '"':
          case '\'':
            c = e;
            break;
          default:
            // Keep unknown escapes for the regex engine (\d, \.).
            out.push_back('\\');
            c = e;
        }
      }
      out.push_back(c);
    }
    if (pos_ >= text_.size()) return Error("unterminated string");
    ++pos_;
    return out;
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<storage::LabelMatcher>> ParseSelector(absl::string_view text) {
  return SelectorParser(text).Parse();
}

}  // namespace vigil::query
