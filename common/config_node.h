// Typed, strict access to a YAML configuration document. Every error names the file,
// the line and the dotted key ("agent.yaml:12: tls.ca: ..."), and keys that a section
// does not know are errors, so a typo never silently falls back to a default.
//
// Value type; cheap to copy (yaml-cpp nodes share their document).
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace vigil {

class ConfigNode {
 public:
  // Parses the file; a syntax error is reported with its line and column.
  static absl::StatusOr<ConfigNode> LoadFile(const std::string& path);
  // `file` is the name used in messages.
  static absl::StatusOr<ConfigNode> LoadString(absl::string_view yaml, std::string file);

  // An error for the first key of this mapping that is not in `allowed`.
  // A node that is not a mapping (and not empty) is an error too.
  absl::Status CheckKeys(std::initializer_list<absl::string_view> allowed) const {
    return CheckKeys(std::span<const absl::string_view>(allowed.begin(), allowed.size()));
  }
  absl::Status CheckKeys(std::span<const absl::string_view> allowed) const;

  bool Has(absl::string_view key) const;
  // The child mapping or sequence at `key` (an empty node if absent).
  ConfigNode Child(absl::string_view key) const;
  // The elements of a sequence node; an error if this node is not a sequence.
  absl::StatusOr<std::vector<ConfigNode>> Elements() const;
  // The keys of a mapping node in file order (none if absent); an error if this node is
  // not a mapping. For sections whose keys are names chosen by the user.
  absl::StatusOr<std::vector<std::string>> Keys() const;
  bool IsDefined() const { return node_.IsDefined() && !node_.IsNull(); }

  // Each getter leaves `*out` unchanged when the key is absent, so callers preset defaults.
  absl::Status GetString(absl::string_view key, std::string* out) const;
  absl::Status GetBool(absl::string_view key, bool* out) const;
  absl::Status GetInt(absl::string_view key, int64_t* out) const;
  absl::Status GetDuration(absl::string_view key, absl::Duration* out) const;
  // A size: a whole number of bytes, or with a unit: 512KiB, 64MiB, 1GiB (also KB, MB,
  // GB as powers of 1000).
  absl::Status GetBytes(absl::string_view key, uint64_t* out) const;
  absl::Status GetStringList(absl::string_view key, std::vector<std::string>* out) const;
  // Like GetString, but absence is an error.
  absl::Status RequireString(absl::string_view key, std::string* out) const;

  // The scalar value of this node itself (for sequence elements).
  absl::StatusOr<std::string> Scalar() const;

  // "file:line: path.key: message" as an InvalidArgument status.
  absl::Status Error(absl::string_view key, absl::string_view message) const;
  const std::string& file() const { return file_; }
  // Dotted path of this node ("" at the root).
  const std::string& path() const { return path_; }

 private:
  ConfigNode(YAML::Node node, std::string file, std::string path)
      : node_(std::move(node)), file_(std::move(file)), path_(std::move(path)) {}
  std::string KeyPath(absl::string_view key) const;
  int LineOf(absl::string_view key) const;

  YAML::Node node_;
  std::string file_;
  std::string path_;
  int line_ = 0;  // for a missing key: the line of its parent
};

// `path` as configured in a file in `base_dir`: a relative path is taken relative to
// that directory (so a config works wherever it is started from); an absolute or empty
// path, or any path when `base_dir` is "" (parsed from text), is returned as it is.
std::string ResolveConfigPath(const std::string& base_dir, const std::string& path);

}  // namespace vigil
