// label_replace and label_join, with Prometheus' semantics: label_replace matches the
// fully anchored regex against the source label and expands $1, ${name}, ... as Go's
// regexp.Expand does; an empty result removes the destination label; invalid label
// names and regexes fail the query.
#include <re2/re2.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "collector/query/instant_functions.h"
#include "collector/query/range_call.h"
#include "common/status.h"

namespace vigil::query {
namespace {

absl::StatusOr<std::string> StringArg(Evaluator& ev, const Call& call, size_t i) {
  VIGIL_ASSIGN_OR_RETURN(EvalValue v, ev.Eval(*call.args[i]));
  if (v.type != ValueType::kString) {
    return absl::InvalidArgumentError(
        absl::StrCat("argument ", i + 1, " of ", call.name, "() must be a string"));
  }
  return std::move(v.string);
}

bool IsNameByte(unsigned char c) {
  // Go accepts Unicode letters and digits; bytes of multi-byte UTF-8 are taken as such.
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c >= 0x80;
}

// Go's regexp.Expand: `$name` or `${name}`; a name of digits is a group number; `$$`
// is `$`; a malformed reference is kept as text; an unknown group expands to nothing.
std::string Expand(absl::string_view tmpl, const RE2& re,
                   const std::vector<re2::StringPiece>& groups) {
  std::string out;
  while (!tmpl.empty()) {
    const size_t dollar = tmpl.find('$');
    if (dollar == absl::string_view::npos) break;
    out.append(tmpl.data(), dollar);
    tmpl.remove_prefix(dollar + 1);
    if (!tmpl.empty() && tmpl[0] == '$') {
      out += '$';
      tmpl.remove_prefix(1);
      continue;
    }
    absl::string_view rest = tmpl;
    const bool brace = !rest.empty() && rest[0] == '{';
    if (brace) rest.remove_prefix(1);
    size_t len = 0;
    while (len < rest.size() && IsNameByte(static_cast<unsigned char>(rest[len]))) ++len;
    if (len == 0 || (brace && (len >= rest.size() || rest[len] != '}'))) {
      out += '$';  // malformed: the $ is text
      continue;
    }
    const absl::string_view name = rest.substr(0, len);
    tmpl = rest.substr(len + (brace ? 1 : 0));
    int num = 0;
    for (char c : name) {
      if (c < '0' || c > '9' || num >= 100'000'000) {
        num = -1;
        break;
      }
      num = num * 10 + (c - '0');
    }
    if (name[0] == '0' && name.size() > 1) num = -1;  // no leading zeros
    if (num < 0) {
      const auto& named = re.NamedCapturingGroups();
      auto it = named.find(std::string(name));
      num = it == named.end() ? -1 : it->second;
    }
    if (num >= 0 && static_cast<size_t>(num) < groups.size() && groups[num].data() != nullptr) {
      out.append(groups[num].data(), groups[num].size());
    }
  }
  out.append(tmpl.data(), tmpl.size());
  return out;
}

}  // namespace

absl::StatusOr<EvalValue> EvalLabelReplace(Evaluator& ev, const Call& call) {
  VIGIL_ASSIGN_OR_RETURN(EvalValue v, ev.Eval(*call.args[0]));
  VIGIL_ASSIGN_OR_RETURN(const std::string dst, StringArg(ev, call, 1));
  VIGIL_ASSIGN_OR_RETURN(const std::string replacement, StringArg(ev, call, 2));
  VIGIL_ASSIGN_OR_RETURN(const std::string src, StringArg(ev, call, 3));
  VIGIL_ASSIGN_OR_RETURN(const std::string regex, StringArg(ev, call, 4));
  RE2::Options options;
  options.set_log_errors(false);
  const RE2 re(absl::StrCat("^(?:", regex, ")$"), options);
  if (!re.ok()) {
    return ExecutionError(absl::StrCat("invalid regular expression in label_replace(): ", regex));
  }
  if (!IsValidLabelName(dst)) {
    return ExecutionError(absl::StrCat("invalid destination label name in label_replace(): ", dst));
  }
  const int n_groups = re.NumberOfCapturingGroups() + 1;
  auto relabel = [&](const LabelSet& in) -> absl::StatusOr<LabelSet> {
    const absl::string_view value = in.Get(src);
    std::vector<re2::StringPiece> groups(static_cast<size_t>(n_groups));
    const re2::StringPiece text(value.data(), value.size());
    if (!re.Match(text, 0, text.size(), RE2::UNANCHORED, groups.data(), n_groups)) return in;
    const std::string result = Expand(replacement, re, groups);
    LabelSet out = in;
    out.Remove(dst);
    if (!result.empty()) out.Set(dst, result);
    return out;
  };
  return MapSeries(ev.steps(), v, relabel, [](double x, size_t, bool*) { return x; });
}

absl::StatusOr<EvalValue> EvalLabelJoin(Evaluator& ev, const Call& call) {
  VIGIL_ASSIGN_OR_RETURN(EvalValue v, ev.Eval(*call.args[0]));
  VIGIL_ASSIGN_OR_RETURN(const std::string dst, StringArg(ev, call, 1));
  VIGIL_ASSIGN_OR_RETURN(const std::string separator, StringArg(ev, call, 2));
  std::vector<std::string> sources;
  for (size_t i = 3; i < call.args.size(); ++i) {
    VIGIL_ASSIGN_OR_RETURN(std::string src, StringArg(ev, call, i));
    if (!IsValidLabelName(src)) {
      return ExecutionError(absl::StrCat("invalid source label name in label_join(): ", src));
    }
    sources.push_back(std::move(src));
  }
  if (!IsValidLabelName(dst)) {
    return ExecutionError(absl::StrCat("invalid destination label name in label_join(): ", dst));
  }
  auto relabel = [&](const LabelSet& in) -> absl::StatusOr<LabelSet> {
    std::vector<absl::string_view> values;
    for (const std::string& src : sources) values.push_back(in.Get(src));
    const std::string joined = absl::StrJoin(values, separator);
    LabelSet out = in;
    if (joined.empty()) {
      out.Remove(dst);
    } else {
      out.Set(dst, joined);
    }
    return out;
  };
  return MapSeries(ev.steps(), v, relabel, [](double x, size_t, bool*) { return x; });
}

}  // namespace vigil::query
