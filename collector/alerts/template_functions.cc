#include "collector/alerts/template_functions.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace vigil::alerts {
namespace {

// Go's %.4g (C's %.4g, except for NaN and the infinities).
std::string Go4g(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.4g", v);
  return buf;
}

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

absl::StatusOr<double> ToNumber(const TemplateValue& d, absl::string_view function) {
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

namespace {

absl::StatusOr<std::string> FormatOne(const FormatPiece& piece, const TemplateValue& arg) {
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

}  // namespace

absl::StatusOr<std::string> Printf(const std::vector<FormatPiece>& format,
                                   std::span<const TemplateValue> values) {
  std::string out;
  size_t next = 0;
  for (const FormatPiece& piece : format) {
    if (piece.verb == 0) {
      out += piece.literal;
      continue;
    }
    absl::StatusOr<std::string> one = FormatOne(piece, values[next++]);
    if (!one.ok()) return one.status();
    out += *one;
  }
  return out;
}

// Parses a printf format into pieces; the error names the verb that is not supported.
absl::StatusOr<std::vector<FormatPiece>> ParsePrintfFormat(absl::string_view format, int* verbs) {
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

}  // namespace vigil::alerts
