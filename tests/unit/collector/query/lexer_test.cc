#include "collector/query/lexer.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

namespace vigil::query {
namespace {

using K = TokenKind;

// Every token through the first kEof or kError.
std::vector<Token> Lex(absl::string_view text) {
  Lexer lexer(text);
  std::vector<Token> tokens;
  while (true) {
    tokens.push_back(lexer.Next());
    if (tokens.back().kind == K::kEof || tokens.back().kind == K::kError) return tokens;
  }
}

std::vector<K> Kinds(absl::string_view text) {
  std::vector<K> kinds;
  for (const Token& t : Lex(text)) kinds.push_back(t.kind);
  return kinds;
}

TEST_CASE("The lexer splits a query into tokens with byte positions") {
  const std::vector<Token> tokens = Lex("sum by (job) (rate(up{a=~\"x\"}[5m])) > bool 0.5");
  struct Want {
    K kind;
    int pos;
    std::string text;
  };
  const std::vector<Want> want = {
      {K::kIdentifier, 0, "sum"},   {K::kBy, 4, "by"},           {K::kLeftParen, 7, "("},
      {K::kIdentifier, 8, "job"},   {K::kRightParen, 11, ")"},   {K::kLeftParen, 13, "("},
      {K::kIdentifier, 14, "rate"}, {K::kLeftParen, 18, "("},    {K::kIdentifier, 19, "up"},
      {K::kLeftBrace, 21, "{"},     {K::kIdentifier, 22, "a"},   {K::kEqlRegex, 23, "=~"},
      {K::kString, 25, "\"x\""},    {K::kRightBrace, 28, "}"},   {K::kLeftBracket, 29, "["},
      {K::kDuration, 30, "5m"},     {K::kRightBracket, 32, "]"}, {K::kRightParen, 33, ")"},
      {K::kRightParen, 34, ")"},    {K::kGtr, 36, ">"},          {K::kBool, 38, "bool"},
      {K::kNumber, 43, "0.5"},      {K::kEof, 46, ""},
  };
  REQUIRE(tokens.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("token " << i << " " << want[i].text);
    CHECK(tokens[i].kind == want[i].kind);
    CHECK(tokens[i].pos == want[i].pos);
    CHECK(tokens[i].text == want[i].text);
  }
}

TEST_CASE("The lexer reads numbers as Prometheus does") {
  struct Case {
    std::string text;
    double value;
  };
  const std::vector<Case> cases = {
      {"0", 0},
      {"1", 1},
      {"1.5", 1.5},
      {".5", 0.5},
      {"5.", 5},
      {"1e3", 1000},
      {"1E3", 1000},
      {"1e+3", 1000},
      {"2.5e-1", 0.25},
      {"0x1f", 31},
      {"0X1F", 31},
      {"0xff", 255},
      {"017", 15},
      {"00", 0},
      {"08", 8},
      {"0.5", 0.5},
      {"Inf", INFINITY},
      {"inf", INFINITY},
      {"INF", INFINITY},
      {"1e-400", 0},
      {"123456789012345678901234567890", 1.2345678901234568e29},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    const std::vector<Token> tokens = Lex(c.text);
    REQUIRE(tokens.size() == 2);
    CHECK(tokens[0].kind == K::kNumber);
    CHECK(tokens[0].number == c.value);
  }
  const std::vector<Token> nan = Lex("NaN");
  CHECK(nan[0].kind == K::kNumber);
  CHECK(std::isnan(nan[0].number));
}

TEST_CASE("The lexer reads durations where a number is glued to units") {
  struct Case {
    std::string text;
    int64_t ms;
  };
  const std::vector<Case> cases = {
      {"100ms", 100},         {"10s", 10'000},       {"5m", 300'000},
      {"1h30m", 5'400'000},   {"2d", 172'800'000},   {"1w", 604'800'000},
      {"1y", 31'536'000'000}, {"1h0m5s", 3'605'000}, {"1y1w", 31'536'000'000 + 604'800'000},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    const std::vector<Token> tokens = Lex(c.text);
    REQUIRE(tokens.size() == 2);
    CHECK(tokens[0].kind == K::kDuration);
    CHECK(tokens[0].duration_ms == c.ms);
  }
  // A duration ends where a non-word character starts.
  CHECK(Kinds("5m]") == std::vector<K>{K::kDuration, K::kRightBracket, K::kEof});
  CHECK(Kinds("5m+1") == std::vector<K>{K::kDuration, K::kAdd, K::kNumber, K::kEof});
}

TEST_CASE("The lexer reads identifiers, metric names and keywords") {
  struct Case {
    std::string text;
    K kind;
  };
  const std::vector<Case> cases = {
      {"up", K::kIdentifier},
      {"_x1", K::kIdentifier},
      {"rate", K::kIdentifier},
      {"sum", K::kIdentifier},  // aggregations are told apart by the parser
      {"job:rate5m:sum", K::kMetricIdentifier},
      {":x", K::kMetricIdentifier},
      {"x:", K::kMetricIdentifier},
      {"and", K::kAnd},
      {"OR", K::kOr},
      {"Unless", K::kUnless},
      {"atan2", K::kAtan2},
      {"by", K::kBy},
      {"WITHOUT", K::kWithout},
      {"on", K::kOn},
      {"ignoring", K::kIgnoring},
      {"group_left", K::kGroupLeft},
      {"group_right", K::kGroupRight},
      {"bool", K::kBool},
      {"offset", K::kOffset},
      {"offsets", K::kIdentifier},
      {"by:x", K::kMetricIdentifier},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    const std::vector<Token> tokens = Lex(c.text);
    REQUIRE(tokens.size() == 2);
    CHECK(tokens[0].kind == c.kind);
    CHECK(tokens[0].text == c.text);
  }
}

TEST_CASE("The lexer reads operators and punctuation") {
  CHECK(Kinds("+ - * / % ^ == != < <= > >= , ( ) [ ] @") ==
        std::vector<K>{K::kAdd, K::kSub, K::kMul, K::kDiv, K::kMod, K::kPow, K::kEqlc, K::kNeq,
                       K::kLss, K::kLte, K::kGtr, K::kGte, K::kComma, K::kLeftParen, K::kRightParen,
                       K::kLeftBracket, K::kRightBracket, K::kAt, K::kEof});
  // Without spaces, too.
  CHECK(Kinds("a>=b<c") ==
        std::vector<K>{K::kIdentifier, K::kGte, K::kIdentifier, K::kLss, K::kIdentifier, K::kEof});
}

TEST_CASE("The lexer follows Prometheus inside braces and brackets") {
  // Inside braces: no keywords, no ':' in names, `==` is two `=`.
  CHECK(Kinds("{by=\"x\",offset!=\"y\"}") ==
        std::vector<K>{K::kLeftBrace, K::kIdentifier, K::kEql, K::kString, K::kComma,
                       K::kIdentifier, K::kNeq, K::kString, K::kRightBrace, K::kEof});
  CHECK(Kinds("{a:b}") == std::vector<K>{K::kLeftBrace, K::kIdentifier, K::kUnknown, K::kIdentifier,
                                         K::kRightBrace, K::kEof});
  CHECK(Kinds("{a==\"1\"}") == std::vector<K>{K::kLeftBrace, K::kIdentifier, K::kEql, K::kEql,
                                              K::kString, K::kRightBrace, K::kEof});
  CHECK(Kinds("{a!~\"1\"} == 1") == std::vector<K>{K::kLeftBrace, K::kIdentifier, K::kNeqRegex,
                                                   K::kString, K::kRightBrace, K::kEqlc, K::kNumber,
                                                   K::kEof});
  CHECK(Kinds("{inf=\"1\",1}") == std::vector<K>{K::kLeftBrace, K::kIdentifier, K::kEql, K::kString,
                                                 K::kComma, K::kUnknown, K::kRightBrace, K::kEof});
  // Inside brackets ':' is a colon (a subquery), outside it starts a name.
  CHECK(Kinds("x[5m:1m]") == std::vector<K>{K::kIdentifier, K::kLeftBracket, K::kDuration,
                                            K::kColon, K::kDuration, K::kRightBracket, K::kEof});
  CHECK(Kinds("x[5m] :y") == std::vector<K>{K::kIdentifier, K::kLeftBracket, K::kDuration,
                                            K::kRightBracket, K::kMetricIdentifier, K::kEof});
}

TEST_CASE("The lexer skips white space and # comments") {
  const std::vector<Token> tokens = Lex("# leading\nup # trailing { [ \"\n\t+\r\n# last");
  REQUIRE(tokens.size() == 3);
  CHECK(tokens[0].text == "up");
  CHECK(tokens[0].pos == 10);
  CHECK(tokens[1].kind == K::kAdd);
  CHECK(tokens[2].kind == K::kEof);
  CHECK(tokens[2].pos == 40);
  CHECK(Kinds("{a=\"1\" # c\n}") == std::vector<K>{K::kLeftBrace, K::kIdentifier, K::kEql,
                                                   K::kString, K::kRightBrace, K::kEof});
  // A '#' inside a string is not a comment.
  const std::vector<Token> string = Lex("\"a # b\"");
  CHECK(string[0].value == "a # b");
}

TEST_CASE("Malformed tokens are errors at the position of the problem") {
  struct Case {
    std::string text;
    int pos;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"5mb", 0, "bad number or duration syntax \"5mb\""},
      {"x + 1foo", 4, "bad number or duration syntax \"1foo\""},
      {"0x", 0, "bad number or duration syntax \"0x\""},
      {"0x1g", 0, "bad number or duration syntax \"0x1g\""},
      {"1e", 0, "bad number or duration syntax \"1e\""},
      {"1e999", 0, "bad number or duration syntax \"1e999\""},
      {"5m1", 0, "bad number or duration syntax \"5m1\""},
      {"1h1h", 0, "not a valid duration \"1h1h\""},
      {"5hs", 0, "unknown unit \"hs\""},
      {"\"abc", 4, "unterminated string"},
      {"'abc\\", 5, "unterminated string"},
      {"\"ab\ncd\"", 3, "unterminated string (a line break in a quoted string)"},
      {"`abc", 4, "unterminated string"},
      {"\"\\x4\"", 1, "escape sequence \\x needs 2 hexadecimal digits"},
      {"\"\\u12\"", 1, "escape sequence \\u needs 4 hexadecimal digits"},
      {"\"\\U0011FFFF\"", 1, "escape sequence is an invalid Unicode code point"},
      {"\"\\uDFFF\"", 1, "escape sequence is an invalid Unicode code point"},
      {"\"\\18\"", 1, "escape sequence \\NNN needs 3 octal digits"},
      {"\"\\400\"", 1, "escape sequence is an invalid Unicode code point"},
      {"\"\xff\"", 0, "invalid UTF-8 in a string"},
      {"`\xc3`", 0, "invalid UTF-8 in a string"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    const std::vector<Token> tokens = Lex(c.text);
    CHECK(tokens.back().kind == K::kError);
    CHECK(tokens.back().pos == c.pos);
    CHECK_THAT(tokens.back().value, Catch::StartsWith(c.message));
  }
  // After an error the lexer only says kEof.
  Lexer lexer("\"abc up");
  CHECK(lexer.Next().kind == K::kError);
  CHECK(lexer.Next().kind == K::kEof);
  CHECK(lexer.Next().kind == K::kEof);
}

TEST_CASE("A character that starts no token is kUnknown, one UTF-8 character long") {
  const std::vector<Token> tokens = Lex("a $ é ! ~ ;");
  REQUIRE(tokens.size() == 7);
  for (int i = 1; i <= 5; ++i) CHECK(tokens[i].kind == K::kUnknown);
  CHECK(tokens[1].text == "$");
  CHECK(tokens[2].text == "é");
  CHECK(tokens[3].text == "!");
  CHECK(tokens[4].text == "~");
  CHECK(tokens[5].text == ";");
  CHECK(DescribeToken(tokens[2]) == "character \"é\"");
}

TEST_CASE("Peek looks ahead without consuming") {
  Lexer lexer("sum by (x)");
  CHECK(lexer.Peek(1).kind == K::kBy);
  CHECK(lexer.Peek().text == "sum");
  CHECK(lexer.Next().text == "sum");
  CHECK(lexer.Next().kind == K::kBy);
  CHECK(lexer.Peek(2).kind == K::kRightParen);
  CHECK(lexer.Next().kind == K::kLeftParen);
}

TEST_CASE("DescribeToken names tokens for error messages") {
  Lexer lexer("foo 1.5 5m \"s\" by ( ");
  CHECK(DescribeToken(lexer.Next()) == "identifier \"foo\"");
  CHECK(DescribeToken(lexer.Next()) == "number 1.5");
  CHECK(DescribeToken(lexer.Next()) == "duration 5m");
  CHECK(DescribeToken(lexer.Next()) == "string \"s\"");
  CHECK(DescribeToken(lexer.Next()) == "keyword \"by\"");
  CHECK(DescribeToken(lexer.Next()) == "\"(\"");
  CHECK(DescribeToken(lexer.Next()) == "end of input");
}

}  // namespace
}  // namespace vigil::query
