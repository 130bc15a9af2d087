// /api/v1/series, /api/v1/labels and /api/v1/label/<name>/values from the series index.
//
// `match[]` selectors (repeatable) narrow the answer to the series they select, at most
// query.max_series of them (more is an execution error, as for a query). Without
// match[], names and values come from the index's postings, at most query.max_series
// entries, with a warning when there are more. `start` and `end` are checked (Prometheus'
// formats) but do not narrow the answer: the index lists every series it has stored
// (also those whose samples have expired).
#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "collector/api/http_handlers.h"
#include "collector/api/prom_params.h"
#include "collector/query/selector.h"

namespace vigil::api {
namespace {

std::vector<std::string> Matches(const ApiRequest& request) {
  std::vector<std::string> out;
  const size_t n = request.http.get_param_value_count("match[]");
  for (size_t i = 0; i < n; ++i) out.push_back(request.http.get_param_value("match[]", i));
  return out;
}

// Prometheus checks start and end even where they change nothing here.
absl::Status CheckTimeRange(const ApiRequest& request) {
  for (const char* name : {"start", "end"}) {
    std::optional<std::string> text = request.Param(name);
    if (!text.has_value() || text->empty()) continue;
    absl::StatusOr<int64_t> ms = ParseTimeParam(*text);
    if (!ms.ok()) return InvalidParameter(name, ms.status());
  }
  return absl::OkStatus();
}

// The ids (ascending, unique) of the series any of `selectors` selects.
absl::StatusOr<std::vector<storage::SeriesId>> SelectSeries(
    const HttpApiDeps& deps, const std::vector<std::string>& selectors) {
  const size_t max_series = deps.engine->options().limits.max_series;
  std::set<storage::SeriesId> ids;
  for (const std::string& selector : selectors) {
    absl::StatusOr<std::vector<storage::LabelMatcher>> matchers = query::ParseSelector(selector);
    if (!matchers.ok()) return InvalidParameter("match[]", matchers.status());
    absl::StatusOr<std::vector<storage::SeriesId>> selected =
        deps.tsdb->index().Select(*matchers, max_series);
    if (!selected.ok()) return selected.status();
    ids.insert(selected->begin(), selected->end());
    if (ids.size() > max_series) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the match[] selectors select more than ", max_series,
                       " series (the query.max_series limit); add matchers to narrow them"));
    }
  }
  return std::vector<storage::SeriesId>(ids.begin(), ids.end());
}

// The label sets of the series any of `selectors` selects (those still readable).
absl::StatusOr<std::vector<LabelSet>> SelectedLabelSets(const HttpApiDeps& deps,
                                                        const std::vector<std::string>& selectors) {
  absl::StatusOr<std::vector<storage::SeriesId>> ids = SelectSeries(deps, selectors);
  if (!ids.ok()) return ids.status();
  std::vector<LabelSet> out;
  out.reserve(ids->size());
  for (storage::SeriesId id : *ids) {
    std::optional<LabelSet> labels = deps.tsdb->index().Labels(id);
    if (labels.has_value()) out.push_back(*std::move(labels));
  }
  return out;
}

// Label names or values read from the index's postings, at most `limit`, with a warning
// when there are more.
ApiReply IndexListing(const absl::StatusOr<std::vector<std::string>>& entries, bool truncated,
                      absl::string_view what, size_t limit) {
  if (!entries.ok()) return ErrorFromStatus(entries.status());
  if (!truncated) return Success(*entries);
  return Success(*entries, {absl::StrCat("only the first ", limit, " ", what,
                                         " are listed (the query.max_series limit); use "
                                         "match[] to narrow them")});
}

}  // namespace

ApiReply HandleSeries(const HttpApiDeps& deps, const ApiRequest& request) {
  const std::vector<std::string> selectors = Matches(request);
  if (selectors.empty()) return Error(ErrorType::kBadData, "no match[] parameter provided");
  if (absl::Status range = CheckTimeRange(request); !range.ok()) return ErrorFromStatus(range);
  absl::StatusOr<std::vector<LabelSet>> sets = SelectedLabelSets(deps, selectors);
  if (!sets.ok()) return ErrorFromStatus(sets.status());
  std::sort(sets->begin(), sets->end(),
            [](const LabelSet& a, const LabelSet& b) { return a.labels() < b.labels(); });
  nlohmann::json data = nlohmann::json::array();
  for (const LabelSet& set : *sets) {
    nlohmann::json series = nlohmann::json::object();
    for (const Label& label : set.labels()) series[label.name] = label.value;
    data.push_back(std::move(series));
  }
  return Success(data);
}

ApiReply HandleLabels(const HttpApiDeps& deps, const ApiRequest& request) {
  if (absl::Status range = CheckTimeRange(request); !range.ok()) return ErrorFromStatus(range);
  const std::vector<std::string> selectors = Matches(request);
  if (!selectors.empty()) {
    absl::StatusOr<std::vector<LabelSet>> sets = SelectedLabelSets(deps, selectors);
    if (!sets.ok()) return ErrorFromStatus(sets.status());
    std::set<std::string> names;
    for (const LabelSet& set : *sets) {
      for (const Label& label : set.labels()) names.insert(label.name);
    }
    return Success(names);
  }
  const size_t limit = deps.engine->options().limits.max_series;
  bool truncated = false;
  absl::StatusOr<std::vector<std::string>> names = deps.tsdb->index().LabelNames(limit, &truncated);
  return IndexListing(names, truncated, "label names", limit);
}

ApiReply HandleLabelValues(const HttpApiDeps& deps, const ApiRequest& request) {
  const std::string name = request.http.matches.size() > 1 ? request.http.matches[1].str() : "";
  if (!IsValidLabelName(name)) {
    return Error(ErrorType::kBadData, absl::StrCat("invalid label name: \"", name, "\""));
  }
  if (absl::Status range = CheckTimeRange(request); !range.ok()) return ErrorFromStatus(range);
  const std::vector<std::string> selectors = Matches(request);
  if (!selectors.empty()) {
    absl::StatusOr<std::vector<LabelSet>> sets = SelectedLabelSets(deps, selectors);
    if (!sets.ok()) return ErrorFromStatus(sets.status());
    std::set<std::string> values;
    for (const LabelSet& set : *sets) {
      const absl::string_view value = set.Get(name);
      if (!value.empty()) values.emplace(value);
    }
    return Success(values);
  }
  const size_t limit = deps.engine->options().limits.max_series;
  bool truncated = false;
  absl::StatusOr<std::vector<std::string>> values =
      deps.tsdb->index().LabelValues(name, limit, &truncated);
  return IndexListing(values, truncated, "label values", limit);
}

}  // namespace vigil::api
