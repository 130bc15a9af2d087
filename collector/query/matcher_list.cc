#include "collector/query/matcher_list.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace vigil::query {
namespace {

using storage::LabelMatcher;

// The lexer's message for a malformed token, or `expected`.
SyntaxError Unexpected(const Token& token, std::string expected) {
  if (token.kind == TokenKind::kError) return {token.pos, token.value};
  if (token.kind == TokenKind::kEof) return {token.pos, "missing '}'"};
  return {token.pos, std::move(expected)};
}

}  // namespace

std::optional<SyntaxError> ParseMatcherList(Lexer& lexer, std::vector<LabelMatcher>* matchers) {
  lexer.Next();  // {
  while (lexer.Peek().kind != TokenKind::kRightBrace) {
    if (lexer.Peek().kind != TokenKind::kIdentifier) {
      return Unexpected(lexer.Peek(),
                        absl::StrCat("expected a label name, got ", DescribeToken(lexer.Peek())));
    }
    const std::string name(lexer.Next().text);
    const Token op = lexer.Next();
    LabelMatcher::Type type;
    switch (op.kind) {
      case TokenKind::kEql:
        type = LabelMatcher::Type::kEqual;
        break;
      case TokenKind::kNeq:
        type = LabelMatcher::Type::kNotEqual;
        break;
      case TokenKind::kEqlRegex:
        type = LabelMatcher::Type::kRegex;
        break;
      case TokenKind::kNeqRegex:
        type = LabelMatcher::Type::kNotRegex;
        break;
      default:
        if (op.kind == TokenKind::kError) return SyntaxError{op.pos, op.value};
        return SyntaxError{op.pos, absl::StrCat("expected =, !=, =~ or !~ after label ", name,
                                                ", got ", DescribeToken(op))};
    }
    Token value = lexer.Next();
    if (value.kind != TokenKind::kString) {
      return Unexpected(value, absl::StrCat("expected a quoted string after ", name, op.text,
                                            ", got ", DescribeToken(value)));
    }
    absl::StatusOr<LabelMatcher> matcher = LabelMatcher::Create(type, name, std::move(value.value));
    if (!matcher.ok()) {
      return SyntaxError{value.pos + static_cast<int>(value.text.size()),
                         std::string(matcher.status().message())};
    }
    matchers->push_back(*std::move(matcher));
    if (lexer.Peek().kind == TokenKind::kComma) {
      lexer.Next();
    } else if (lexer.Peek().kind != TokenKind::kRightBrace) {
      return Unexpected(lexer.Peek(),
                        absl::StrCat("expected ',' or '}' after a label matcher, got ",
                                     DescribeToken(lexer.Peek())));
    }
  }
  lexer.Next();  // }
  return std::nullopt;
}

}  // namespace vigil::query
