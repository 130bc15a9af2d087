#include "collector/alerts/template.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace vigil::alerts {

// An argument of a command: a label, the value, or a literal.
struct Operand {
  enum class Kind { kLabel, kValue, kString, kNumber };
  Kind kind = Kind::kString;
  std::string text;  // the label's name, or the string literal
  double number = 0;
};

// One `printf` conversion: flags, width and precision as written, and the verb
// (0 for a literal piece of the format).
struct FormatPiece {
  char verb = 0;
  std::string literal;  // verb == 0
  std::string flags;
  int width = -1;
  int precision = -1;
};

// A function call or a bare operand (function ""); in a pipe, the previous command's
// result is appended to `args` when it runs.
struct Command {
  std::string function;
  std::vector<Operand> args;
  std::vector<FormatPiece> format;  // printf: its first argument, parsed
};

struct Template::Node {
  std::string literal;            // used when pipeline is empty
  std::vector<Command> pipeline;  // an action
};

namespace {

// What an operand or a command evaluates to.
struct Datum {
  bool is_number = false;
  double number = 0;
  std::string text;
};

constexpr absl::string_view kFunctions =
    "humanize, humanize1024, humanizePercentage, humanizeDuration, printf";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsIdentStart(char c) { return absl::ascii_isalpha(c) || c == '_'; }
bool IsIdentChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

// "column C" or "line L, column C" for byte `offset` of `text`.
std::string Where(absl::string_view text, size_t offset) {
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  const size_t column = offset - line_start + 1;
  if (line == 1 && text.find('\n') == absl::string_view::npos) {
    return absl::StrCat("column ", column);
  }
  return absl::StrCat("line ", line, ", column ", column);
}

// Go's %.4g (C's %.4g, except for NaN and the infinities).
std::string Go4g(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.4g", v);
  return buf;
}

// ---- the functions -------------------------------------------------------------

absl::StatusOr<double> ToNumber(const Datum& d, absl::string_view function) {
  if (d.is_number) return d.number;
  double v = 0;
  absl::string_view text = absl::StripAsciiWhitespace(d.text);
  if (text == "NaN") return std::nan("");
  if (text == "+Inf" || text == "Inf") return HUGE_VAL;
  if (text == "-Inf") return -HUGE_VAL;
  if (!absl::SimpleAtod(text, &v)) {
    return absl::InvalidArgumentError(absl::StrCat(function, ": \"", d.text, "\" is not a number"));
  }
  return v;
}

std::string Humanize(double v) {
  if (v == 0 || std::isnan(v) || std::isinf(v)) return Go4g(v);
  static constexpr const char* kBig[] = {"k", "M", "G", "T", "P", "E", "Z", "Y"};
  static constexpr const char* kSmall[] = {"m", "u", "n", "p", "f", "a", "z", "y"};
  const char* prefix = "";
  if (std::fabs(v) >= 1) {
    for (const char* p : kBig) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
  } else {
    for (const char* p : kSmall) {
      if (std::fabs(v) >= 1) break;
      prefix = p;
      v *= 1000;
    }
  }
  return absl::StrCat(Go4g(v), prefix);
}

std::string Humanize1024(double v) {
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) return Go4g(v);
  static constexpr const char* kPrefixes[] = {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"};
  const char* prefix = "";
  for (const char* p : kPrefixes) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return absl::StrCat(Go4g(v), prefix);
}

std::string HumanizeDuration(double v) {
  if (std::isnan(v) || std::isinf(v)) return Go4g(v);
  if (v == 0) return absl::StrCat(Go4g(v), "s");
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    const int64_t duration = static_cast<int64_t>(v);
    const int64_t seconds = duration % 60;
    const int64_t minutes = (duration / 60) % 60;
    const int64_t hours = (duration / 3600) % 24;
    const int64_t days = duration / 86400;
    if (days != 0) return absl::StrCat(sign, days, "d ", hours, "h ", minutes, "m ", seconds, "s");
    if (hours != 0) return absl::StrCat(sign, hours, "h ", minutes, "m ", seconds, "s");
    if (minutes != 0) return absl::StrCat(sign, minutes, "m ", seconds, "s");
    return absl::StrCat(sign, Go4g(v), "s");
  }
  static constexpr const char* kSmall[] = {"m", "u", "n", "p", "f", "a", "z", "y"};
  const char* prefix = "";
  for (const char* p : kSmall) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return absl::StrCat(Go4g(v), prefix, "s");
}

std::string HumanizePercentage(double v) { return absl::StrCat(Go4g(v * 100), "%"); }

// Pads `text` to `piece.width` (left-justified with the '-' flag).
std::string Pad(std::string text, const FormatPiece& piece, bool zero_ok) {
  if (piece.width < 0 || static_cast<int>(text.size()) >= piece.width) return text;
  const size_t fill = piece.width - text.size();
  if (piece.flags.find('-') != std::string::npos) return text + std::string(fill, ' ');
  if (zero_ok && piece.flags.find('0') != std::string::npos) {
    const size_t sign = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
    return text.substr(0, sign) + std::string(fill, '0') + text.substr(sign);
  }
  return std::string(fill, ' ') + text;
}

// The C conversion spec for a piece with `verb` and an optional length modifier.
std::string CSpec(const FormatPiece& piece, absl::string_view length, char verb) {
  std::string spec = absl::StrCat("%", piece.flags);
  if (piece.width >= 0) absl::StrAppend(&spec, piece.width);
  if (piece.precision >= 0) absl::StrAppend(&spec, ".", piece.precision);
  absl::StrAppend(&spec, length, std::string(1, verb));
  return spec;
}

absl::StatusOr<std::string> FormatOne(const FormatPiece& piece, const Datum& arg) {
  char buf[512];
  switch (piece.verb) {
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G': {
      absl::StatusOr<double> v = ToNumber(arg, "printf");
      if (!v.ok()) return v.status();
      if (std::isnan(*v) || std::isinf(*v)) {
        return Pad(std::isnan(*v) ? "NaN" : (*v > 0 ? "+Inf" : "-Inf"), piece, false);
      }
      if ((piece.verb == 'g' || piece.verb == 'G') && piece.precision < 0) {
        std::string text = FormatGoFloat(*v);
        if (piece.verb == 'G') text = absl::AsciiStrToUpper(text);
        if (*v >= 0 && piece.flags.find('+') != std::string::npos) text = "+" + text;
        return Pad(text, piece, true);
      }
      std::snprintf(buf, sizeof(buf), CSpec(piece, "", piece.verb).c_str(), *v);
      return std::string(buf);
    }
    case 'd': {
      absl::StatusOr<double> v = ToNumber(arg, "printf");
      if (!v.ok()) return v.status();
      if (std::isnan(*v) || std::isinf(*v)) return Pad(Go4g(*v), piece, false);
      const long long n = static_cast<long long>(std::trunc(*v));
      std::snprintf(buf, sizeof(buf), CSpec(piece, "ll", 'd').c_str(), n);
      return std::string(buf);
    }
    case 's':
    case 'v': {
      std::string text = arg.is_number ? FormatGoFloat(arg.number) : arg.text;
      if (piece.precision >= 0 && static_cast<int>(text.size()) > piece.precision) {
        text.resize(piece.precision);
      }
      return Pad(text, piece, false);
    }
  }
  return absl::InternalError("unreachable printf verb");
}

absl::StatusOr<std::string> Printf(const std::vector<FormatPiece>& format,
                                   const std::vector<Datum>& args) {
  std::string out;
  size_t next = 1;  // args[0] is the format
  for (const FormatPiece& piece : format) {
    if (piece.verb == 0) {
      out += piece.literal;
      continue;
    }
    absl::StatusOr<std::string> one = FormatOne(piece, args[next++]);
    if (!one.ok()) return one.status();
    out += *one;
  }
  return out;
}

// Parses a printf format into pieces; the error names the verb that is not supported.
absl::StatusOr<std::vector<FormatPiece>> ParseFormat(absl::string_view format, int* verbs) {
  std::vector<FormatPiece> pieces;
  *verbs = 0;
  std::string literal;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      literal += format[i];
      continue;
    }
    ++i;
    if (i < format.size() && format[i] == '%') {
      literal += '%';
      continue;
    }
    FormatPiece piece;
    while (i < format.size() &&
           absl::string_view("+- #0").find(format[i]) != absl::string_view::npos) {
      piece.flags += format[i++];
    }
    auto number = [&](int* out) {
      if (i >= format.size() || !absl::ascii_isdigit(format[i])) return;
      int n = 0;
      while (i < format.size() && absl::ascii_isdigit(format[i]) && n < 1000) {
        n = n * 10 + (format[i++] - '0');
      }
      *out = n;
    };
    number(&piece.width);
    if (i < format.size() && format[i] == '.') {
      ++i;
      piece.precision = 0;
      number(&piece.precision);
    }
    if (i >= format.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("printf format \"", format, "\" ends inside a verb"));
    }
    piece.verb = format[i];
    if (absl::string_view("fFeEgGdsv").find(piece.verb) == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("printf verb %", std::string(1, piece.verb), " in \"", format,
                       "\" is not supported (use %f, %e, %g, %d, %s or %v)"));
    }
    if (!literal.empty()) {
      FormatPiece text;
      text.literal = std::move(literal);
      pieces.push_back(std::move(text));
      literal.clear();
    }
    pieces.push_back(std::move(piece));
    ++*verbs;
  }
  if (!literal.empty()) {
    FormatPiece text;
    text.literal = std::move(literal);
    pieces.push_back(std::move(text));
  }
  return pieces;
}

Datum Evaluate(const Operand& operand, const LabelSet& labels, double value) {
  Datum d;
  switch (operand.kind) {
    case Operand::Kind::kLabel:
      d.text = std::string(labels.Get(operand.text));
      break;
    case Operand::Kind::kValue:
      d.is_number = true;
      d.number = value;
      break;
    case Operand::Kind::kString:
      d.text = operand.text;
      break;
    case Operand::Kind::kNumber:
      d.is_number = true;
      d.number = operand.number;
      break;
  }
  return d;
}

absl::StatusOr<Datum> Run(const Command& command, const std::vector<Datum>& args) {
  if (command.function.empty()) return args[0];
  if (command.function == "printf") {
    absl::StatusOr<std::string> text = Printf(command.format, args);
    if (!text.ok()) return text.status();
    return Datum{false, 0, *std::move(text)};
  }
  absl::StatusOr<double> v = ToNumber(args[0], command.function);
  if (!v.ok()) return v.status();
  Datum d;
  if (command.function == "humanize") d.text = Humanize(*v);
  if (command.function == "humanize1024") d.text = Humanize1024(*v);
  if (command.function == "humanizePercentage") d.text = HumanizePercentage(*v);
  if (command.function == "humanizeDuration") d.text = HumanizeDuration(*v);
  return d;
}

// ---- compiling -------------------------------------------------------------------

// Reads one action's pipeline from `text` starting at `pos` (just after `{{` and its
// trim marker) up to the closing `}}`; on return `pos` is past `}}` and `*trim_right`
// tells whether the action ended with ` -}}`.
class ActionParser {
 public:
  ActionParser(absl::string_view text, size_t pos) : text_(text), pos_(pos) {}

  absl::StatusOr<std::vector<Command>> Parse(bool* trim_right) {
    std::vector<Command> pipeline;
    Command current;
    bool expect_command = true;
    while (true) {
      SkipSpace();
      if (AtEnd()) return Error(text_.size(), "unclosed action: missing }}");
      if (AtClose(trim_right)) break;
      const size_t start = pos_;
      const char c = text_[pos_];
      if (c == '|') {
        if (expect_command && current.function.empty() && current.args.empty()) {
          return Error(start, "missing value before |");
        }
        absl::Status s = Finish(&current, &pipeline);
        if (!s.ok()) return s;
        ++pos_;
        expect_command = true;
        continue;
      }
      if (c == '(' || c == ')') {
        return Error(start, "parentheses are not supported in alert templates");
      }
      if (c == ':' || c == '=') {
        return Error(start, "variables cannot be assigned in alert templates");
      }
      if (IsIdentStart(c)) {
        const std::string word = Word();
        if (word == "if" || word == "range" || word == "with" || word == "end" || word == "else" ||
            word == "define" || word == "template" || word == "block" || word == "break" ||
            word == "continue") {
          return Error(start, absl::StrCat("\"", word,
                                           "\" is not supported in alert templates (only "
                                           "$labels.NAME, $value, and the functions ",
                                           kFunctions, ")"));
        }
        if (!IsFunction(word)) {
          return Error(
              start, absl::StrCat("unknown function \"", word, "\" (supported: ", kFunctions, ")"));
        }
        if (!current.function.empty() || !current.args.empty()) {
          return Error(start, absl::StrCat("function \"", word,
                                           "\" must start a command (use a | before it)"));
        }
        current.function = word;
        current_start_ = start;
        expect_command = false;
        continue;
      }
      absl::StatusOr<Operand> operand = ReadOperand();
      if (!operand.ok()) return operand.status();
      if (current.function.empty() && !current.args.empty()) {
        return Error(start,
                     "a value cannot be followed by another value (a function name "
                     "is missing?)");
      }
      if (current.function.empty() && !pipeline.empty()) {
        return Error(start, "after | comes a function, not a value");
      }
      if (current.args.empty() && current.function.empty()) current_start_ = start;
      current.args.push_back(*std::move(operand));
      expect_command = false;
    }
    if (current.function.empty() && current.args.empty()) {
      if (pipeline.empty()) return Error(pos_, "empty action {{ }}");
      return Error(pos_, "missing function after |");
    }
    absl::Status s = Finish(&current, &pipeline);
    if (!s.ok()) return s;
    return pipeline;
  }

  size_t pos() const { return pos_; }

 private:
  static bool IsFunction(absl::string_view word) {
    return word == "humanize" || word == "humanize1024" || word == "humanizePercentage" ||
           word == "humanizeDuration" || word == "printf";
  }

  absl::Status Error(size_t at, absl::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(Where(text_, at), ": ", message));
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  void SkipSpace() {
    while (!AtEnd() && IsSpace(text_[pos_])) ++pos_;
  }
  // `}}` or `-}}` (the latter only after a space, which SkipSpace consumed).
  bool AtClose(bool* trim_right) {
    const absl::string_view rest = text_.substr(pos_);
    if (absl::StartsWith(rest, "}}")) {
      *trim_right = false;
      pos_ += 2;
      return true;
    }
    if (absl::StartsWith(rest, "-}}") && pos_ > 0 && IsSpace(text_[pos_ - 1])) {
      *trim_right = true;
      pos_ += 3;
      return true;
    }
    return false;
  }
  std::string Word() {
    const size_t start = pos_;
    while (!AtEnd() && IsIdentChar(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  // Checks a finished command's arity (with the piped value), parses printf's format.
  absl::Status Finish(Command* command, std::vector<Command>* pipeline) {
    const size_t piped = pipeline->empty() ? 0 : 1;
    const size_t argc = command->args.size() + piped;
    if (command->function.empty()) {
      // A bare operand; only as the first command (checked while reading).
    } else if (command->function == "printf") {
      if (command->args.empty() || command->args[0].kind != Operand::Kind::kString) {
        return Error(current_start_, "printf needs a format string first, e.g. printf \"%.1f\"");
      }
      int verbs = 0;
      absl::StatusOr<std::vector<FormatPiece>> format = ParseFormat(command->args[0].text, &verbs);
      if (!format.ok()) return Error(current_start_, format.status().message());
      if (static_cast<size_t>(verbs) != argc - 1) {
        return Error(current_start_,
                     absl::StrCat("printf format \"", command->args[0].text, "\" has ", verbs,
                                  " verb(s) for ", argc - 1, " value(s)"));
      }
      command->format = *std::move(format);
    } else if (argc != 1) {
      return Error(current_start_, absl::StrCat(command->function, " takes one value, not ", argc));
    }
    pipeline->push_back(std::move(*command));
    *command = Command();
    return absl::OkStatus();
  }

  absl::StatusOr<Operand> ReadOperand() {
    const size_t start = pos_;
    const char c = text_[pos_];
    Operand operand;
    if (c == '"' || c == '`') {
      ++pos_;
      std::string value;
      while (true) {
        if (AtEnd() || (c == '"' && text_[pos_] == '\n')) {
          return Error(start, "unterminated string");
        }
        const char d = text_[pos_++];
        if (d == c) break;
        if (c == '"' && d == '\\') {
          if (AtEnd()) return Error(start, "unterminated string");
          const char e = text_[pos_++];
          switch (e) {
            case 'n':
              value += '\n';
              break;
            case 't':
              value += '\t';
              break;
            case '\\':
              value += '\\';
              break;
            case '"':
              value += '"';
              break;
            default:
              return Error(pos_ - 2, absl::StrCat("unknown escape \\", std::string(1, e)));
          }
          continue;
        }
        value += d;
      }
      operand.kind = Operand::Kind::kString;
      operand.text = std::move(value);
      return operand;
    }
    if (absl::ascii_isdigit(c) || c == '-' || c == '+') {
      size_t end = pos_ + 1;
      while (end < text_.size() && (absl::ascii_isalnum(text_[end]) || text_[end] == '.' ||
                                    ((text_[end] == '-' || text_[end] == '+') &&
                                     (text_[end - 1] == 'e' || text_[end - 1] == 'E')))) {
        ++end;
      }
      const absl::string_view number = text_.substr(pos_, end - pos_);
      if (!absl::SimpleAtod(number, &operand.number)) {
        return Error(start, absl::StrCat("\"", number, "\" is not a number"));
      }
      pos_ = end;
      operand.kind = Operand::Kind::kNumber;
      return operand;
    }
    if (c == '$' || c == '.') {
      // $labels.NAME, $value, .Labels.NAME, .Value
      ++pos_;
      const std::string head = Word();
      const bool dollar = c == '$';
      if (dollar && head == "value") {
        operand.kind = Operand::Kind::kValue;
      } else if (!dollar && head == "Value") {
        operand.kind = Operand::Kind::kValue;
      } else if ((dollar && head == "labels") || (!dollar && head == "Labels")) {
        if (AtEnd() || text_[pos_] != '.' || pos_ + 1 >= text_.size() ||
            !IsIdentStart(text_[pos_ + 1])) {
          return Error(start, absl::StrCat(dollar ? "$labels" : ".Labels", " needs a label name: ",
                                           dollar ? "$labels.NAME" : ".Labels.NAME"));
        }
        ++pos_;
        operand.kind = Operand::Kind::kLabel;
        operand.text = Word();
      } else {
        const std::string shown = absl::StrCat(std::string(1, c), head);
        return Error(start, absl::StrCat(shown,
                                         " is not supported in alert templates (use "
                                         "$labels.NAME or $value)"));
      }
      if (!AtEnd() && (text_[pos_] == '.' || IsIdentChar(text_[pos_]))) {
        return Error(pos_, absl::StrCat("unexpected \"", std::string(1, text_[pos_]), "\" after ",
                                        text_.substr(start, pos_ - start)));
      }
      return operand;
    }
    return Error(start, absl::StrCat("unexpected \"", std::string(1, c), "\""));
  }

  absl::string_view text_;
  size_t pos_;
  size_t current_start_ = 0;
};

void TrimRight(std::string* s) {
  while (!s->empty() && IsSpace(s->back())) s->pop_back();
}

}  // namespace

std::string FormatGoFloat(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == 0) return std::signbit(value) ? "-0" : "0";
  // Shortest round-trip digits in scientific form: "-d.ddde[+-]XX".
  char buf[64];
  const std::to_chars_result r =
      std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  const std::string sci(buf, r.ptr);
  const size_t e = sci.find('e');
  const bool negative = sci[0] == '-';
  std::string digits;
  for (size_t i = negative ? 1 : 0; i < e; ++i) {
    if (sci[i] != '.') digits += sci[i];
  }
  const int exp = std::atoi(sci.c_str() + e + 1);
  std::string out = negative ? "-" : "";
  if (exp < -4 || exp >= 6) {
    out += digits[0];
    if (digits.size() > 1) absl::StrAppend(&out, ".", digits.substr(1));
    const int mag = exp < 0 ? -exp : exp;
    absl::StrAppend(&out, exp < 0 ? "e-" : "e+", mag < 10 ? "0" : "", mag);
    return out;
  }
  if (exp < 0) {
    absl::StrAppend(&out, "0.", std::string(-exp - 1, '0'), digits);
  } else if (static_cast<int>(digits.size()) <= exp + 1) {
    absl::StrAppend(&out, digits, std::string(exp + 1 - digits.size(), '0'));
  } else {
    absl::StrAppend(&out, digits.substr(0, exp + 1), ".", digits.substr(exp + 1));
  }
  return out;
}

absl::StatusOr<Template> Template::Compile(absl::string_view text) {
  auto nodes = std::make_shared<std::vector<Node>>();
  std::string literal;
  bool trim_next = false;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find("{{", pos);
    absl::string_view piece =
        text.substr(pos, open == absl::string_view::npos ? text.npos : open - pos);
    if (trim_next) {
      while (!piece.empty() && IsSpace(piece.front())) piece.remove_prefix(1);
      trim_next = false;
    }
    literal.append(piece.data(), piece.size());
    if (open == absl::string_view::npos) break;
    size_t inner = open + 2;
    if (text.size() > inner + 1 && text[inner] == '-' && IsSpace(text[inner + 1])) {
      TrimRight(&literal);
      inner += 2;
    }
    // {{/* comment */}}
    if (text.substr(inner, 2) == "/*") {
      const size_t close = text.find("*/", inner + 2);
      if (close == absl::string_view::npos) {
        return absl::InvalidArgumentError(absl::StrCat(Where(text, open), ": unclosed comment"));
      }
      size_t after = close + 2;
      bool trim_right = false;
      if (text.substr(after, 4) == " -}}") {
        trim_right = true;
        after += 4;
      } else if (text.substr(after, 2) == "}}") {
        after += 2;
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat(Where(text, close), ": a comment must end with */}}"));
      }
      trim_next = trim_right;
      pos = after;
      continue;
    }
    ActionParser parser(text, inner);
    bool trim_right = false;
    absl::StatusOr<std::vector<Command>> pipeline = parser.Parse(&trim_right);
    if (!pipeline.ok()) return pipeline.status();
    if (!literal.empty()) {
      nodes->push_back(Node{std::move(literal), {}});
      literal.clear();
    }
    nodes->push_back(Node{"", *std::move(pipeline)});
    trim_next = trim_right;
    pos = parser.pos();
  }
  if (!literal.empty()) nodes->push_back(Node{std::move(literal), {}});
  Template t;
  t.text_ = std::string(text);
  t.nodes_ = std::move(nodes);
  return t;
}

bool Template::is_literal() const {
  if (nodes_ == nullptr) return true;
  for (const Node& node : *nodes_) {
    if (!node.pipeline.empty()) return false;
  }
  return true;
}

std::string Template::Render(const LabelSet& labels, double value) const {
  if (nodes_ == nullptr) return "";
  std::string out;
  for (const Node& node : *nodes_) {
    if (node.pipeline.empty()) {
      out += node.literal;
      continue;
    }
    Datum piped;
    for (size_t i = 0; i < node.pipeline.size(); ++i) {
      const Command& command = node.pipeline[i];
      std::vector<Datum> args;
      args.reserve(command.args.size() + 1);
      for (const Operand& operand : command.args) {
        args.push_back(Evaluate(operand, labels, value));
      }
      if (i > 0) args.push_back(std::move(piped));
      absl::StatusOr<Datum> result = Run(command, args);
      if (!result.ok()) {
        return absl::StrCat("<error expanding template: ", result.status().message(), ">");
      }
      piped = *std::move(result);
    }
    out += piped.is_number ? FormatGoFloat(piped.number) : piped.text;
  }
  return out;
}

}  // namespace vigil::alerts
