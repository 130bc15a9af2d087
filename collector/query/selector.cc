#include "collector/query/selector.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "collector/query/lexer.h"
#include "collector/query/matcher_list.h"
#include "common/labels.h"

namespace vigil::query {
namespace {

using storage::LabelMatcher;

absl::Status SelectorError(absl::string_view text, const SyntaxError& error) {
  return absl::InvalidArgumentError(
      absl::StrCat("selector \"", text, "\" at position ", error.pos + 1, ": ", error.message));
}

// A token that names a metric before the braces: an identifier, or a word the lexer reads
// as a keyword or a number (`offset`, `by`, `inf`) but that is a valid metric name.
bool IsMetricName(const Token& token) {
  switch (token.kind) {
    case TokenKind::kIdentifier:
    case TokenKind::kMetricIdentifier:
      return true;
    case TokenKind::kEof:
    case TokenKind::kError:
      return false;
    default:
      return IsValidMetricName(token.text);
  }
}

}  // namespace

absl::StatusOr<std::vector<LabelMatcher>> ParseSelector(absl::string_view text) {
  Lexer lexer(text);
  std::vector<LabelMatcher> matchers;
  if (IsMetricName(lexer.Peek())) {
    const Token name = lexer.Next();
    absl::StatusOr<LabelMatcher> m = LabelMatcher::Create(
        LabelMatcher::Type::kEqual, std::string(kMetricNameLabel), std::string(name.text));
    if (!m.ok()) return m.status();
    matchers.push_back(*std::move(m));
  }
  if (lexer.Peek().kind == TokenKind::kLeftBrace) {
    if (std::optional<SyntaxError> error = ParseMatcherList(lexer, &matchers)) {
      return SelectorError(text, *error);
    }
  }
  const Token& rest = lexer.Peek();
  if (rest.kind != TokenKind::kEof) {
    return SelectorError(text, {rest.pos, "unexpected text after the selector"});
  }
  if (matchers.empty()) {
    return SelectorError(text,
                         {rest.pos, "empty selector: give a metric name or {label=\"value\"}"});
  }
  return matchers;
}

}  // namespace vigil::query
