// Label sets: a series is identified by its metric name plus a sorted set of
// (name, value) labels, as in Prometheus. The metric name is stored as the label
// "__name__" so that one canonical form identifies a series everywhere.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vigil {

inline constexpr absl::string_view kMetricNameLabel = "__name__";
inline constexpr absl::string_view kInstanceLabel = "instance";

struct Label {
  std::string name;
  std::string value;
  bool operator==(const Label&) const = default;
  auto operator<=>(const Label&) const = default;
};

// An immutable-by-convention, sorted, duplicate-free list of labels. Value type;
// not thread-safe for concurrent mutation.
class LabelSet {
 public:
  LabelSet() = default;
  // Sorts `labels` by name. Duplicate names: the last one wins.
  explicit LabelSet(std::vector<Label> labels);

  const std::vector<Label>& labels() const { return labels_; }
  // Empty string_view if absent.
  absl::string_view Get(absl::string_view name) const;
  // Adds or replaces one label, keeping the order.
  void Set(absl::string_view name, absl::string_view value);
  void Remove(absl::string_view name);
  bool empty() const { return labels_.empty(); }
  size_t size() const { return labels_.size(); }

  // Binary canonical form: for each label, varint(len) name varint(len) value.
  // Two label sets are equal iff their canonical forms are equal.
  std::string Canonical() const;
  static absl::StatusOr<LabelSet> FromCanonical(absl::string_view data);

  // Prometheus text form: name{a="1",b="2"} (the name taken from __name__).
  std::string ToString() const;

  bool operator==(const LabelSet& other) const { return labels_ == other.labels_; }

 private:
  std::vector<Label> labels_;
};

// Prometheus naming rules: metric names [a-zA-Z_:][a-zA-Z0-9_:]*,
// label names [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidMetricName(absl::string_view name);
bool IsValidLabelName(absl::string_view name);

// Escapes a label value for the text form (\\, \", \n).
std::string EscapeLabelValue(absl::string_view value);

}  // namespace vigil
