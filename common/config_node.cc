#include "common/config_node.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "common/file.h"
#include "common/time_parse.h"

namespace vigil {

absl::StatusOr<ConfigNode> ConfigNode::LoadFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path, 4 << 20);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat("cannot read config file: ", text.status().message()));
  }
  return LoadString(*text, path);
}

absl::StatusOr<ConfigNode> ConfigNode::LoadString(absl::string_view yaml, std::string file) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (root.IsDefined() && !root.IsNull() && !root.IsMap()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ":", root.Mark().line + 1, ": the document must be a mapping"));
    }
    return ConfigNode(root, std::move(file), "");
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ":", e.mark.line + 1, ":", e.mark.column + 1, ": YAML syntax: ", e.msg));
  }
}

std::string ConfigNode::KeyPath(absl::string_view key) const {
  if (path_.empty()) return std::string(key);
  if (key.empty()) return path_;
  return absl::StrCat(path_, ".", key);
}

int ConfigNode::LineOf(absl::string_view key) const {
  const YAML::Node& self = node_;
  if (!key.empty() && self.IsMap()) {
    for (auto it = self.begin(); it != self.end(); ++it) {
      if (it->first.Scalar() == key) return it->first.Mark().line + 1;
    }
  }
  const YAML::Mark mark = self.Mark();
  if (mark.line >= 0) return mark.line + 1;
  return line_ > 0 ? line_ : 1;
}

absl::Status ConfigNode::Error(absl::string_view key, absl::string_view message) const {
  return absl::InvalidArgumentError(
      absl::StrCat(file_, ":", LineOf(key), ": ", KeyPath(key), ": ", message));
}

absl::Status ConfigNode::CheckKeys(std::span<const absl::string_view> allowed) const {
  const YAML::Node& self = node_;
  if (!self.IsDefined() || self.IsNull()) return absl::OkStatus();
  if (!self.IsMap()) return Error("", "must be a mapping of keys to values");
  for (auto it = self.begin(); it != self.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file_, ":", it->first.Mark().line + 1, ": ", KeyPath(key),
                       ": unknown key (known here: ", absl::StrJoin(allowed, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

bool ConfigNode::Has(absl::string_view key) const {
  const YAML::Node& self = node_;
  if (!self.IsMap()) return false;
  const YAML::Node child = self[std::string(key)];
  return child.IsDefined() && !child.IsNull();
}

ConfigNode ConfigNode::Child(absl::string_view key) const {
  if (!Has(key)) {
    // yaml-cpp hands out an unusable node for a missing key; use an empty one that
    // remembers where its parent is, for messages.
    ConfigNode missing(YAML::Node(YAML::NodeType::Null), file_, KeyPath(key));
    missing.line_ = LineOf(key);
    return missing;
  }
  const YAML::Node& self = node_;
  return ConfigNode(self[std::string(key)], file_, KeyPath(key));
}

absl::StatusOr<std::vector<ConfigNode>> ConfigNode::Elements() const {
  std::vector<ConfigNode> out;
  const YAML::Node& self = node_;
  if (!self.IsDefined() || self.IsNull()) return out;
  if (!self.IsSequence()) return Error("", "must be a list");
  for (size_t i = 0; i < self.size(); ++i) {
    out.push_back(ConfigNode(self[i], file_, absl::StrCat(path_, "[", i, "]")));
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> ConfigNode::Keys() const {
  std::vector<std::string> keys;
  const YAML::Node& self = node_;
  if (!self.IsDefined() || self.IsNull()) return keys;
  if (!self.IsMap()) return Error("", "must be a mapping of keys to values");
  for (auto it = self.begin(); it != self.end(); ++it) keys.push_back(it->first.Scalar());
  return keys;
}

absl::StatusOr<std::string> ConfigNode::Scalar() const {
  if (!node_.IsScalar()) return Error("", "must be a single value");
  return node_.Scalar();
}

absl::Status ConfigNode::GetString(absl::string_view key, std::string* out) const {
  if (!Has(key)) return absl::OkStatus();
  const YAML::Node& self = node_;
  const YAML::Node child = self[std::string(key)];
  if (!child.IsScalar()) return Error(key, "must be a single value, not a list or mapping");
  *out = child.Scalar();
  return absl::OkStatus();
}

absl::Status ConfigNode::RequireString(absl::string_view key, std::string* out) const {
  if (!Has(key)) return Error(key, "is required");
  absl::Status status = GetString(key, out);
  if (!status.ok()) return status;
  if (out->empty()) return Error(key, "must not be empty");
  return absl::OkStatus();
}

absl::Status ConfigNode::GetBool(absl::string_view key, bool* out) const {
  std::string text;
  if (!Has(key)) return absl::OkStatus();
  absl::Status status = GetString(key, &text);
  if (!status.ok()) return status;
  if (text == "true" || text == "yes" || text == "on")
    *out = true;
  else if (text == "false" || text == "no" || text == "off")
    *out = false;
  else
    return Error(key, absl::StrCat("must be true or false, not \"", text, "\""));
  return absl::OkStatus();
}

absl::Status ConfigNode::GetInt(absl::string_view key, int64_t* out) const {
  std::string text;
  if (!Has(key)) return absl::OkStatus();
  absl::Status status = GetString(key, &text);
  if (!status.ok()) return status;
  if (!absl::SimpleAtoi(text, out)) {
    return Error(key, absl::StrCat("must be a whole number, not \"", text, "\""));
  }
  return absl::OkStatus();
}

absl::Status ConfigNode::GetDuration(absl::string_view key, absl::Duration* out) const {
  std::string text;
  if (!Has(key)) return absl::OkStatus();
  absl::Status status = GetString(key, &text);
  if (!status.ok()) return status;
  absl::StatusOr<absl::Duration> d = ParseDuration(text);
  if (!d.ok()) return Error(key, d.status().message());
  *out = *d;
  return absl::OkStatus();
}

absl::Status ConfigNode::GetBytes(absl::string_view key, uint64_t* out) const {
  std::string text;
  if (!Has(key)) return absl::OkStatus();
  absl::Status status = GetString(key, &text);
  if (!status.ok()) return status;
  static constexpr std::pair<absl::string_view, uint64_t> kUnits[] = {
      {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}, {"TiB", 1ull << 40},
      {"KB", 1000},        {"MB", 1000000},     {"GB", 1000000000},  {"B", 1}};
  absl::string_view number = absl::StripAsciiWhitespace(text);
  uint64_t unit = 1;
  for (const auto& [suffix, factor] : kUnits) {
    if (absl::ConsumeSuffix(&number, suffix)) {
      unit = factor;
      break;
    }
  }
  uint64_t value = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(number), &value) ||
      (value > 0 && unit > UINT64_MAX / value)) {
    return Error(key, absl::StrCat("must be a size such as 1048576, 512KiB, 64MiB or 1GiB, not \"",
                                   text, "\""));
  }
  *out = value * unit;
  return absl::OkStatus();
}

absl::Status ConfigNode::GetStringList(absl::string_view key, std::vector<std::string>* out) const {
  if (!Has(key)) return absl::OkStatus();
  absl::StatusOr<std::vector<ConfigNode>> elements = Child(key).Elements();
  if (!elements.ok()) return elements.status();
  out->clear();
  for (const ConfigNode& element : *elements) {
    absl::StatusOr<std::string> value = element.Scalar();
    if (!value.ok()) return value.status();
    out->push_back(*value);
  }
  return absl::OkStatus();
}

std::string ResolveConfigPath(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

}  // namespace vigil
