// Splits PromQL text into tokens, as Prometheus' lexer does: numbers (1, 1.5, 1e3,
// 0x1f, 017 octal, Inf, NaN), durations (5m, 1h30m, 100ms, 2d, 1w, 1y), strings (", ',
// `), identifiers and metric names with ':', keywords (case-insensitive), operators and
// punctuation; `#` comments and white space are skipped.
//
// Context-dependent like Prometheus': inside `{...}` identifiers never contain ':' and
// are never keywords, and `==` is two `=`; inside `[...]` a ':' is a colon (subqueries).
// A number glued to letters is a duration if the letters are units (5m), otherwise a
// malformed token (5mb, 1foo).
//
// Strings unescape Go's escapes (\a \b \f \n \r \t \v \\ \" \' \NNN \xNN \uNNNN
// \UNNNNNNNN) in "..." and '...'; an escape Go does not know (\d, \.) is kept with its
// backslash so that regular expressions written for RE2 work as typed (Prometheus rejects
// them; this is the one place Vigil is more lenient). Backquoted strings are raw.
//
// Malformed input gives a kError token whose `value` is the message and `pos` where the
// problem is; after it the lexer keeps returning kEof. A character that starts no token
// gives a kUnknown token, so that the parser can say what it expected instead.
//
// Not thread-safe; a Lexer reads one text, which must outlive it.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "absl/strings/string_view.h"

namespace vigil::query {

enum class TokenKind {
  kEof,
  kError,     // value: the message
  kUnknown,   // a character that starts no token
  kNumber,    // number: the value
  kDuration,  // duration_ms: the value
  kString,    // value: unescaped
  kIdentifier,
  kMetricIdentifier,  // an identifier containing ':'
  kLeftParen,
  kRightParen,
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kComma,
  kColon,  // only inside [...]
  kAt,
  // Operators.
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEqlc,  // ==
  kNeq,   // !=
  kLss,
  kLte,
  kGtr,
  kGte,
  kEql,       // = (label matchers)
  kEqlRegex,  // =~
  kNeqRegex,  // !~
  // Keywords.
  kAnd,
  kOr,
  kUnless,
  kAtan2,
  kBy,
  kWithout,
  kOn,
  kIgnoring,
  kGroupLeft,
  kGroupRight,
  kBool,
  kOffset,
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  int pos = 0;              // byte offset of the first character (of the problem for kError)
  absl::string_view text;   // the token as written (empty for kEof)
  std::string value;        // kString: unescaped; kError: the message
  double number = 0;        // kNumber
  int64_t duration_ms = 0;  // kDuration
};

// How a token is named in error messages: `identifier "foo"`, `number 1.5`, `")"`,
// `end of input`, `keyword "by"`.
std::string DescribeToken(const Token& token);

// A syntax error at a byte offset; callers format the position for their users.
struct SyntaxError {
  int pos = 0;
  std::string message;
};

class Lexer {
 public:
  explicit Lexer(absl::string_view text) : text_(text) {}

  // The token `ahead` tokens after the current one (0: the current one).
  const Token& Peek(int ahead = 0);
  // Returns the current token and moves past it.
  Token Next();

  absl::string_view text() const { return text_; }

 private:
  Token Scan();
  Token ScanNumberOrDuration();
  Token ScanString();
  Token ScanRawString();
  Token ScanIdentifier();
  Token ScanOperator();
  void SkipSpaceAndComments();
  Token Make(TokenKind kind, size_t start);
  Token Error(size_t pos, std::string message);

  absl::string_view text_;
  size_t pos_ = 0;
  bool brace_open_ = false;
  bool bracket_open_ = false;
  bool failed_ = false;
  std::deque<Token> ahead_;
};

}  // namespace vigil::query
