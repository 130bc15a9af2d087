#include "collector/alerts/template.h"

#include <span>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "collector/alerts/template_functions.h"

namespace vigil::alerts {
// Named, not anonymous (Template::Node holds them), but private to this file.
namespace template_parts {

// An argument of a command: a label, the value, or a literal.
struct Operand {
  enum class Kind { kLabel, kValue, kString, kNumber };
  Kind kind = Kind::kString;
  std::string text;  // the label's name, or the string literal
  double number = 0;
};

// A function call or a bare operand (function ""); in a pipe, the previous command's
// result is appended to `args` when it runs.
struct Command {
  std::string function;
  std::vector<Operand> args;
  std::vector<FormatPiece> format;  // printf: its first argument, parsed
};

}  // namespace template_parts

using template_parts::Command;
using template_parts::Operand;

struct Template::Node {
  std::string literal;            // used when pipeline is empty
  std::vector<Command> pipeline;  // an action
};

namespace {

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

TemplateValue Evaluate(const Operand& operand, const LabelSet& labels, double value) {
  TemplateValue d;
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

absl::StatusOr<TemplateValue> Run(const Command& command, const std::vector<TemplateValue>& args) {
  if (command.function.empty()) return args[0];
  if (command.function == "printf") {
    absl::StatusOr<std::string> text =
        Printf(command.format, std::span<const TemplateValue>(args).subspan(1));
    if (!text.ok()) return text.status();
    return TemplateValue{false, 0, *std::move(text)};
  }
  absl::StatusOr<double> v = ToNumber(args[0], command.function);
  if (!v.ok()) return v.status();
  TemplateValue d;
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
    while (true) {
      SkipSpace();
      if (AtEnd()) return Error(text_.size(), "unclosed action: missing }}");
      const size_t close_at = pos_;
      if (AtClose(trim_right)) {
        end_ = close_at;
        break;
      }
      const size_t start = pos_;
      const char c = text_[pos_];
      if (c == '|') {
        if (current.function.empty() && current.args.empty()) {
          return Error(start,
                       pipeline.empty() ? "missing value before |" : "missing function after |");
        }
        absl::Status s = Finish(&current, &pipeline);
        if (!s.ok()) return s;
        ++pos_;
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
    }
    if (current.function.empty() && current.args.empty()) {
      if (pipeline.empty()) return Error(end_, "empty action {{ }}");
      return Error(end_, "missing function after |");
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
      absl::StatusOr<std::vector<FormatPiece>> format =
          ParsePrintfFormat(command->args[0].text, &verbs);
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
  size_t end_ = 0;  // where the closing }} starts
};

void TrimRight(std::string* s) {
  while (!s->empty() && IsSpace(s->back())) s->pop_back();
}

}  // namespace

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
    TemplateValue piped;
    for (size_t i = 0; i < node.pipeline.size(); ++i) {
      const Command& command = node.pipeline[i];
      std::vector<TemplateValue> args;
      args.reserve(command.args.size() + 1);
      for (const Operand& operand : command.args) {
        args.push_back(Evaluate(operand, labels, value));
      }
      if (i > 0) args.push_back(std::move(piped));
      absl::StatusOr<TemplateValue> result = Run(command, args);
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
