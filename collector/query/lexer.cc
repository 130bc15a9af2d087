#include "collector/query/lexer.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "collector/query/parser.h"
#include "common/utf8.h"

namespace vigil::query {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct Keyword {
  absl::string_view word;
  TokenKind kind;
};
constexpr Keyword kKeywords[] = {
    {"and", TokenKind::kAnd},
    {"or", TokenKind::kOr},
    {"unless", TokenKind::kUnless},
    {"atan2", TokenKind::kAtan2},
    {"by", TokenKind::kBy},
    {"without", TokenKind::kWithout},
    {"on", TokenKind::kOn},
    {"ignoring", TokenKind::kIgnoring},
    {"group_left", TokenKind::kGroupLeft},
    {"group_right", TokenKind::kGroupRight},
    {"bool", TokenKind::kBool},
    {"offset", TokenKind::kOffset},
};

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// The length of the UTF-8 sequence a lead byte starts (1 for stray bytes).
size_t Utf8Length(unsigned char lead) {
  if (lead >= 0xF0 && lead < 0xF8) return 4;
  if (lead >= 0xE0) return lead < 0xF0 ? 3 : 1;
  if (lead >= 0xC0) return 2;
  return 1;
}

// The value of a number token's text, as Prometheus reads it (strconv.ParseInt with
// base 0, else ParseFloat): 0x1f is hex, 017 octal, 1e3 and .5 floats. False for
// malformed text and for numbers too large for a double.
bool NumberValue(absl::string_view text, double* value) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "inf") {
    *value = std::numeric_limits<double>::infinity();
    return true;
  }
  if (lower == "nan") {
    *value = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (lower.size() > 2 && lower[0] == '0' && lower[1] == 'x') {
    double hex = 0;
    for (char c : text.substr(2)) {
      const int d = HexValue(c);
      if (d < 0) return false;
      hex = hex * 16 + d;
    }
    *value = hex;
    return std::isfinite(hex);
  }
  if (text.size() > 1 && text[0] == '0' &&
      text.find_first_not_of("01234567") == absl::string_view::npos) {
    uint64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n, 8);
    if (ec == std::errc() && end == text.data() + text.size()) {
      *value = static_cast<double>(n);
      return true;
    }
    // Too large for an integer: ParseFloat reads the digits as decimal.
  }
  const char* const last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(text.data(), last, *value, std::chars_format::general);
  if (end != last) return false;
  if (ec == std::errc::result_out_of_range) {
    // Underflow reads as 0 (ParseFloat's answer); overflow is an error, as in Prometheus.
    const std::string copy(text);
    *value = std::strtod(copy.c_str(), nullptr);
    return std::isfinite(*value);
  }
  return ec == std::errc();
}

}  // namespace

std::string DescribeToken(const Token& token) {
  switch (token.kind) {
    case TokenKind::kEof:
      return "end of input";
    case TokenKind::kError:
      return token.value;
    case TokenKind::kUnknown:
      return absl::StrCat("character \"", token.text, "\"");
    case TokenKind::kNumber:
      return absl::StrCat("number ", token.text);
    case TokenKind::kDuration:
      return absl::StrCat("duration ", token.text);
    case TokenKind::kString:
      if (token.text.size() > 32) return absl::StrCat("string ", token.text.substr(0, 32), "...");
      return absl::StrCat("string ", token.text);
    case TokenKind::kIdentifier:
    case TokenKind::kMetricIdentifier:
      return absl::StrCat("identifier \"", token.text, "\"");
    default:
      break;
  }
  if (token.kind >= TokenKind::kAnd) return absl::StrCat("keyword \"", token.text, "\"");
  return absl::StrCat("\"", token.text, "\"");
}

const Token& Lexer::Peek(int ahead) {
  while (static_cast<int>(ahead_.size()) <= ahead) ahead_.push_back(Scan());
  return ahead_[ahead];
}

Token Lexer::Next() {
  Peek();
  Token token = std::move(ahead_.front());
  ahead_.pop_front();
  return token;
}

Token Lexer::Make(TokenKind kind, size_t start) {
  Token token;
  token.kind = kind;
  token.pos = static_cast<int>(start);
  token.text = text_.substr(start, pos_ - start);
  return token;
}

Token Lexer::Error(size_t pos, std::string message) {
  failed_ = true;
  Token token;
  token.kind = TokenKind::kError;
  token.pos = static_cast<int>(pos);
  token.value = std::move(message);
  return token;
}

void Lexer::SkipSpaceAndComments() {
  while (pos_ < text_.size()) {
    if (IsSpace(text_[pos_])) {
      ++pos_;
    } else if (text_[pos_] == '#') {
      while (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') ++pos_;
    } else {
      return;
    }
  }
}

Token Lexer::Scan() {
  if (failed_) {
    pos_ = text_.size();
    return Make(TokenKind::kEof, pos_);
  }
  SkipSpaceAndComments();
  if (pos_ >= text_.size()) return Make(TokenKind::kEof, pos_);
  const char c = text_[pos_];
  const char next = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
  if (c == '"' || c == '\'') return ScanString();
  if (c == '`') return ScanRawString();
  if (brace_open_) {
    if (IsAlpha(c)) return ScanIdentifier();
    return ScanOperator();
  }
  if (IsDigit(c) || (c == '.' && IsDigit(next))) return ScanNumberOrDuration();
  if (IsAlpha(c) || (c == ':' && !bracket_open_)) return ScanIdentifier();
  return ScanOperator();
}

Token Lexer::ScanNumberOrDuration() {
  const size_t start = pos_;
  const auto digits = [&](bool hex) {
    while (pos_ < text_.size() && (hex ? HexValue(text_[pos_]) >= 0 : IsDigit(text_[pos_]))) {
      ++pos_;
    }
  };
  const bool hex = text_[pos_] == '0' && pos_ + 1 < text_.size() &&
                   (text_[pos_ + 1] == 'x' || text_[pos_ + 1] == 'X');
  if (hex) {
    pos_ += 2;
    digits(true);
  } else {
    digits(false);
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      digits(false);
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      digits(false);
    }
  }
  const auto bad = [&]() {
    while (pos_ < text_.size() && (IsAlnum(text_[pos_]) || text_[pos_] == '.')) ++pos_;
    return Error(start, absl::StrCat("bad number or duration syntax \"",
                                     text_.substr(start, pos_ - start), "\""));
  };
  if (pos_ >= text_.size() || !IsAlnum(text_[pos_])) {
    Token token = Make(TokenKind::kNumber, start);
    if (!NumberValue(token.text, &token.number)) return bad();
    return token;
  }
  if (hex) return bad();
  // A duration: units (with `ms`), optionally followed by more digits and units.
  const auto unit = [&](absl::string_view units) {
    if (pos_ >= text_.size() || units.find(text_[pos_]) == absl::string_view::npos) return false;
    ++pos_;
    if (pos_ < text_.size() && text_[pos_] == 's') ++pos_;
    return true;
  };
  if (!unit("smhdwy")) return bad();
  while (pos_ < text_.size() && IsDigit(text_[pos_])) {
    digits(false);
    if (!unit("smhdw")) return bad();
  }
  if (pos_ < text_.size() && IsAlnum(text_[pos_])) return bad();
  Token token = Make(TokenKind::kDuration, start);
  absl::StatusOr<int64_t> ms = ParseDurationMs(token.text);
  if (!ms.ok()) return Error(start, std::string(ms.status().message()));
  token.duration_ms = *ms;
  return token;
}

Token Lexer::ScanString() {
  const size_t start = pos_;
  const char quote = text_[pos_++];
  std::string value;
  while (true) {
    if (pos_ >= text_.size()) return Error(pos_, "unterminated string");
    const char c = text_[pos_];
    if (c == quote) break;
    if (c == '\n') return Error(pos_, "unterminated string (a line break in a quoted string)");
    ++pos_;
    if (c != '\\') {
      value.push_back(c);
      continue;
    }
    if (pos_ >= text_.size()) return Error(pos_, "unterminated string");
    const size_t escape_pos = pos_ - 1;
    const char e = text_[pos_++];
    switch (e) {
      case 'a':
        value.push_back('\a');
        continue;
      case 'b':
        value.push_back('\b');
        continue;
      case 'f':
        value.push_back('\f');
        continue;
      case 'n':
        value.push_back('\n');
        continue;
      case 'r':
        value.push_back('\r');
        continue;
      case 't':
        value.push_back('\t');
        continue;
      case 'v':
        value.push_back('\v');
        continue;
      case '\\':
      case '"':
      case '\'':
        value.push_back(e);
        continue;
      default:
        break;
    }
    int length = 0;
    int base = 16;
    uint32_t max = 255;
    if (e >= '0' && e <= '7') {
      length = 3;
      base = 8;
      --pos_;  // the first digit is part of the number
    } else if (e == 'x') {
      length = 2;
    } else if (e == 'u') {
      length = 4;
      max = 0x10FFFF;
    } else if (e == 'U') {
      length = 8;
      max = 0x10FFFF;
    } else {
      // Not a Go escape: kept for the regex engine (\d, \.).
      value.push_back('\\');
      value.push_back(e);
      continue;
    }
    uint32_t code = 0;
    for (int i = 0; i < length; ++i) {
      const int d = pos_ < text_.size() ? HexValue(text_[pos_]) : -1;
      if (d < 0 || d >= base) {
        return Error(
            escape_pos,
            absl::StrCat("escape sequence \\", base == 8 ? "NNN" : std::string(1, e), " needs ",
                         length, base == 8 ? " octal" : " hexadecimal", " digits"));
      }
      code = code * base + d;
      ++pos_;
    }
    if (code > max || (code >= 0xD800 && code < 0xE000 && max > 255)) {
      return Error(escape_pos, "escape sequence is an invalid Unicode code point");
    }
    if (max == 255) {
      value.push_back(static_cast<char>(code));
    } else {
      AppendUtf8(code, &value);
    }
  }
  ++pos_;
  Token token = Make(TokenKind::kString, start);
  if (!IsValidUtf8(token.text)) return Error(start, "invalid UTF-8 in a string");
  token.value = std::move(value);
  return token;
}

Token Lexer::ScanRawString() {
  const size_t start = pos_++;
  const size_t end = text_.find('`', pos_);
  if (end == absl::string_view::npos) {
    pos_ = text_.size();
    return Error(pos_, "unterminated string");
  }
  pos_ = end + 1;
  Token token = Make(TokenKind::kString, start);
  if (!IsValidUtf8(token.text)) return Error(start, "invalid UTF-8 in a string");
  token.value = std::string(text_.substr(start + 1, end - start - 1));
  return token;
}

Token Lexer::ScanIdentifier() {
  const size_t start = pos_;
  const bool colons = !brace_open_ && !bracket_open_;
  while (pos_ < text_.size() && (IsAlnum(text_[pos_]) || (colons && text_[pos_] == ':'))) ++pos_;
  Token token = Make(TokenKind::kIdentifier, start);
  if (brace_open_) return token;
  if (token.text.find(':') != absl::string_view::npos) {
    token.kind = TokenKind::kMetricIdentifier;
    return token;
  }
  const std::string lower = absl::AsciiStrToLower(token.text);
  if (lower == "inf" || lower == "nan") {
    token.kind = TokenKind::kNumber;
    NumberValue(token.text, &token.number);
    return token;
  }
  for (const Keyword& keyword : kKeywords) {
    if (lower == keyword.word) token.kind = keyword.kind;
  }
  return token;
}

Token Lexer::ScanOperator() {
  const size_t start = pos_;
  const char c = text_[pos_++];
  const char next = pos_ < text_.size() ? text_[pos_] : '\0';
  const auto two = [&](TokenKind kind) {
    ++pos_;
    return Make(kind, start);
  };
  if (brace_open_) {
    switch (c) {
      case ',':
        return Make(TokenKind::kComma, start);
      case '}':
        brace_open_ = false;
        return Make(TokenKind::kRightBrace, start);
      case '=':
        return next == '~' ? two(TokenKind::kEqlRegex) : Make(TokenKind::kEql, start);
      case '!':
        if (next == '=') return two(TokenKind::kNeq);
        if (next == '~') return two(TokenKind::kNeqRegex);
        break;
      default:
        break;
    }
  } else {
    switch (c) {
      case '(':
        return Make(TokenKind::kLeftParen, start);
      case ')':
        return Make(TokenKind::kRightParen, start);
      case '{':
        brace_open_ = true;
        return Make(TokenKind::kLeftBrace, start);
      case '}':
        return Make(TokenKind::kRightBrace, start);
      case '[':
        bracket_open_ = true;
        return Make(TokenKind::kLeftBracket, start);
      case ']':
        bracket_open_ = false;
        return Make(TokenKind::kRightBracket, start);
      case ',':
        return Make(TokenKind::kComma, start);
      case ':':
        return Make(TokenKind::kColon, start);
      case '@':
        return Make(TokenKind::kAt, start);
      case '+':
        return Make(TokenKind::kAdd, start);
      case '-':
        return Make(TokenKind::kSub, start);
      case '*':
        return Make(TokenKind::kMul, start);
      case '/':
        return Make(TokenKind::kDiv, start);
      case '%':
        return Make(TokenKind::kMod, start);
      case '^':
        return Make(TokenKind::kPow, start);
      case '=':
        if (next == '=') return two(TokenKind::kEqlc);
        if (next == '~') return two(TokenKind::kEqlRegex);
        return Make(TokenKind::kEql, start);
      case '!':
        if (next == '=') return two(TokenKind::kNeq);
        if (next == '~') return two(TokenKind::kNeqRegex);
        break;
      case '<':
        return next == '=' ? two(TokenKind::kLte) : Make(TokenKind::kLss, start);
      case '>':
        return next == '=' ? two(TokenKind::kGte) : Make(TokenKind::kGtr, start);
      default:
        break;
    }
  }
  pos_ = std::min(text_.size(), start + Utf8Length(static_cast<unsigned char>(c)));
  return Make(TokenKind::kUnknown, start);
}

}  // namespace vigil::query
