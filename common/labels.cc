#include "common/labels.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/varint.h"

namespace vigil {
namespace {

bool GetString(absl::string_view* in, std::string* out) {
  uint64_t len = 0;
  if (!GetVarint(in, &len) || len > in->size()) return false;
  out->assign(in->data(), len);
  in->remove_prefix(len);
  return true;
}

}  // namespace

LabelSet::LabelSet(std::vector<Label> labels) {
  std::stable_sort(labels.begin(), labels.end(),
                   [](const Label& a, const Label& b) { return a.name < b.name; });
  for (auto& label : labels) {
    if (!labels_.empty() && labels_.back().name == label.name) {
      labels_.back().value = std::move(label.value);
    } else {
      labels_.push_back(std::move(label));
    }
  }
}

absl::string_view LabelSet::Get(absl::string_view name) const {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, absl::string_view n) { return l.name < n; });
  if (it != labels_.end() && it->name == name) return it->value;
  return {};
}

void LabelSet::Set(absl::string_view name, absl::string_view value) {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, absl::string_view n) { return l.name < n; });
  if (it != labels_.end() && it->name == name) {
    it->value = std::string(value);
  } else {
    labels_.insert(it, Label{std::string(name), std::string(value)});
  }
}

void LabelSet::Remove(absl::string_view name) {
  labels_.erase(std::remove_if(labels_.begin(), labels_.end(),
                               [&](const Label& l) { return l.name == name; }),
                labels_.end());
}

std::string LabelSet::Canonical() const {
  std::string out;
  for (const auto& label : labels_) {
    PutVarint(&out, label.name.size());
    out += label.name;
    PutVarint(&out, label.value.size());
    out += label.value;
  }
  return out;
}

absl::StatusOr<LabelSet> LabelSet::FromCanonical(absl::string_view data) {
  std::vector<Label> labels;
  while (!data.empty()) {
    Label label;
    if (!GetString(&data, &label.name) || !GetString(&data, &label.value)) {
      return absl::DataLossError("corrupt canonical label set");
    }
    labels.push_back(std::move(label));
  }
  return LabelSet(std::move(labels));
}

std::string LabelSet::ToString() const {
  std::string out(Get(kMetricNameLabel));
  out += '{';
  bool first = true;
  for (const auto& label : labels_) {
    if (label.name == kMetricNameLabel) continue;
    if (!first) out += ',';
    first = false;
    absl::StrAppend(&out, label.name, "=\"", EscapeLabelValue(label.value), "\"");
  }
  out += '}';
  return out;
}

bool IsValidMetricName(absl::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool IsValidLabelName(absl::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string EscapeLabelValue(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

}  // namespace vigil
