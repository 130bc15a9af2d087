#include "collector/ingest/ingest_service.h"

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "collector/ingest/series_runs.h"
#include "common/grpc_status.h"
#include "common/labels.h"
#include "common/log.h"
#include "common/sequence_set.h"
#include "common/tls.h"

namespace vigil::ingest {
namespace {

// Builds the stored label set of an agent's definition: its labels, __name__, and the
// instance from the certificate. Fails on names that break the data model.
absl::StatusOr<LabelSet> StoredLabels(const v1::SeriesDefinition& def, const std::string& host) {
  if (!IsValidMetricName(def.metric())) {
    return absl::InvalidArgumentError(absl::StrCat("invalid metric name \"", def.metric(), "\""));
  }
  std::vector<Label> labels;
  labels.reserve(def.labels_size() + 2);
  for (const v1::Label& l : def.labels()) {
    if (!IsValidLabelName(l.name()) || l.name().starts_with("__")) {
      return absl::InvalidArgumentError(
          absl::StrCat(def.metric(), ": invalid label name \"", l.name(), "\""));
    }
    if (l.value().find('\0') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(def.metric(), ": label ", l.name(), " has a NUL byte in its value"));
    }
    if (l.name() == kInstanceLabel) continue;  // the certificate decides the instance
    if (l.value().empty()) continue;           // an empty label is an absent label
    labels.push_back(Label{l.name(), l.value()});
  }
  labels.push_back(Label{std::string(kMetricNameLabel), def.metric()});
  labels.push_back(Label{std::string(kInstanceLabel), host});
  return LabelSet(std::move(labels));
}

void SetProgress(const SequenceSet& set, uint64_t* through,
                 google::protobuf::RepeatedPtrField<v1::SequenceRange>* ranges) {
  *through = set.through();
  for (const SequenceRange& r : set.above()) {
    v1::SequenceRange* range = ranges->Add();
    range->set_first(r.first);
    range->set_last(r.last);
  }
}

constexpr size_t kMaxRunIdBytes = 128;

}  // namespace

grpc::Status IngestService::Stream(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::CollectorMessage, v1::AgentMessage>* stream) {
  absl::StatusOr<PeerIdentity> peer = AuthorizePeer(*context, kKindAgent);
  if (!peer.ok()) {
    LogWarning("ingest: refused: ", peer.status().message());
    return ToGrpcStatus(peer.status());
  }
  const std::string& host = peer->name;

  v1::AgentMessage message;
  if (!stream->Read(&message)) return grpc::Status::OK;
  if (!message.has_hello()) {
    LogWarning("ingest: ", host, " (", peer->address, "): first message is not a hello");
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the first message must be a hello");
  }
  const v1::Hello hello = message.hello();
  if (hello.run_id().empty() || hello.run_id().size() > kMaxRunIdBytes) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "hello.run_id must be 1-128 bytes");
  }
  if (static_cast<size_t>(hello.backlog_run_ids_size()) > limits_.max_runs_per_stream) {
    return grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("hello names more than ", limits_.max_runs_per_stream, " backlog runs"));
  }
  absl::StatusOr<SequenceSet> durable =
      tsdb_->RecordHello(host, hello, peer->address, clock_->NowMs());
  if (!durable.ok()) {
    LogError("ingest: ", host, ": ", durable.status().message());
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "collector storage unavailable");
  }
  {
    v1::CollectorMessage reply;
    v1::HelloAck* ack = reply.mutable_hello_ack();
    ack->set_host(host);
    uint64_t through = 0;
    SetProgress(*durable, &through, ack->mutable_durable_ranges());
    ack->set_last_durable_sequence(through);
    for (const std::string& run : hello.backlog_run_ids()) {
      if (run.empty() || run.size() > kMaxRunIdBytes) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            "hello.backlog_run_ids: each must be 1-128 bytes");
      }
      absl::StatusOr<SequenceSet> progress = tsdb_->RunProgress(host, run);
      if (!progress.ok()) {
        LogError("ingest: ", host, ": ", progress.status().message());
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "collector storage unavailable");
      }
      v1::RunProgress* out = ack->add_backlog_runs();
      out->set_run_id(run);
      uint64_t run_through = 0;
      SetProgress(*progress, &run_through, out->mutable_durable_ranges());
      out->set_durable_through(run_through);
    }
    ack->set_collector_time_ms(clock_->NowMs());
    if (!stream->Write(reply)) return grpc::Status::OK;
  }
  LogInfo("ingest: ", host, " connected from ", peer->address, " (agent ", hello.agent_version(),
          ", run ", hello.run_id(), ", durable through ", durable->through(),
          durable->above().empty()
              ? ""
              : absl::StrCat(" and ", durable->above().size(), " ranges above"),
          hello.backlog_run_ids_size() > 0
              ? absl::StrCat(", backlog of ", hello.backlog_run_ids_size(), " earlier runs")
              : "",
          ")");
  connections_->Opened(host);

  // Agent series ids are per run: agent id -> stored id, by run ("" = the hello's).
  absl::flat_hash_map<std::string, absl::flat_hash_map<uint64_t, storage::SeriesId>> series;
  size_t defined = 0;
  uint64_t rejected_definitions = 0;
  uint64_t batches = 0;
  int64_t last_warning_ms = INT64_MIN / 2;  // of refused or rejected samples
  int64_t last_event_warning_ms = INT64_MIN / 2;
  grpc::Status result = grpc::Status::OK;
  SeriesRuns runs;

  while (stream->Read(&message)) {
    if (!message.has_batch()) {
      result = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "expected a batch after the hello");
      break;
    }
    const v1::Batch& batch = message.batch();
    if (batch.sequence() == 0) {
      result = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "batch sequence must be > 0");
      break;
    }
    if (batch.last_sequence() != 0 && batch.last_sequence() < batch.sequence()) {
      result = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            "batch last_sequence must be 0 or >= sequence");
      break;
    }
    if (batch.run_id().size() > kMaxRunIdBytes ||
        (!series.contains(batch.run_id()) && series.size() > limits_.max_runs_per_stream)) {
      result = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            "batch run_id: over 128 bytes, or too many runs on one stream");
      break;
    }
    const std::string& run_id = batch.run_id().empty() ? hello.run_id() : batch.run_id();
    auto& run_series = series[batch.run_id()];
    ++batches;
    v1::CollectorMessage reply;
    v1::BatchAck* ack = reply.mutable_batch_ack();
    ack->set_sequence(batch.sequence());
    ack->set_last_sequence(batch.last_sequence());
    ack->set_run_id(batch.run_id());
    // Definitions are applied even for a duplicate: later batches may use them.
    for (const v1::SeriesDefinition& def : batch.definitions()) {
      if (run_series.contains(def.series_id())) continue;
      if (defined >= limits_.max_series_per_stream) {
        ++rejected_definitions;
        continue;
      }
      absl::StatusOr<LabelSet> labels = StoredLabels(def, host);
      if (!labels.ok()) {
        ++rejected_definitions;
        LogWarning("ingest: ", host, ": rejected series definition: ", labels.status().message());
        continue;
      }
      absl::StatusOr<storage::SeriesId> id = tsdb_->index().GetOrCreate(*labels);
      if (!id.ok()) {
        LogError("ingest: ", host, ": ", id.status().message());
        result = grpc::Status(grpc::StatusCode::UNAVAILABLE, "collector storage unavailable");
        break;
      }
      run_series.emplace(def.series_id(), *id);
      ++defined;
    }
    if (!result.ok()) break;
    runs.Build(batch, run_series);
    const uint32_t rejected = runs.rejected();
    const uint64_t last_sequence = std::max(batch.sequence(), batch.last_sequence());
    // Events first: once the samples are committed the sequences are durable, and a
    // resend would be acknowledged as a duplicate without its events.
    events::StoreResult events_result;
    if (batch.events_size() > 0) {
      if (events_ == nullptr) {
        events_result.rejected = static_cast<uint32_t>(batch.events_size());
      } else {
        absl::StatusOr<events::StoreResult> stored =
            events_->Store(host, run_id, batch.events(), clock_->Now());
        if (!stored.ok()) {
          LogError("ingest: ", host, ": batch ", batch.sequence(),
                   " not stored: events: ", stored.status().message());
          result = grpc::Status(grpc::StatusCode::UNAVAILABLE, "collector storage unavailable");
          break;
        }
        events_result = *std::move(stored);
      }
      if (events_result.rejected > 0) {
        counters_.events_rejected.fetch_add(events_result.rejected, std::memory_order_relaxed);
      }
      // At most once a minute per stream: a misconfigured agent sends the same every tick.
      if (events_result.rejected > 0 && clock_->NowMs() - last_event_warning_ms >= 60'000) {
        last_event_warning_ms = clock_->NowMs();
        LogWarning("ingest: ", host, ": rejected ", events_result.rejected, " of ",
                   batch.events_size(), " events of batch ", batch.sequence(),
                   events_result.first_rejection.empty()
                       ? std::string(" (no event store)")
                       : absl::StrCat(" (first: ", events_result.first_rejection, ")"));
      }
      counters_.events_stored.fetch_add(events_result.stored, std::memory_order_relaxed);
    }
    ack->set_events_stored(events_result.stored);
    ack->set_events_rejected(events_result.rejected);
    absl::StatusOr<storage::CommitResult> committed = tsdb_->Commit(
        runs.writes(),
        storage::IngestMark{host, run_id, batch.sequence(), clock_->NowMs(), last_sequence});
    if (!committed.ok()) {
      // Not acknowledged: the agent keeps the batch and sends it again after reconnecting.
      LogError("ingest: ", host, ": batch ", batch.sequence(),
               " not stored: ", committed.status().message());
      result = committed.status().code() == absl::StatusCode::kFailedPrecondition
                   ? ToGrpcStatus(committed.status())
                   : grpc::Status(grpc::StatusCode::UNAVAILABLE, "collector storage unavailable");
      break;
    }
    ack->set_durable_through(committed->durable_through);
    if (committed->duplicate_batch) {
      // Stored before: a resend after a lost ack, or by another stream of this run.
      counters_.batches_duplicate.fetch_add(1, std::memory_order_relaxed);
      ack->set_duplicate(true);
      ack->set_collector_time_ms(clock_->NowMs());
      if (!stream->Write(reply)) break;
      continue;
    }
    counters_.batches_stored.fetch_add(1, std::memory_order_relaxed);
    if (batch_observer_ && committed->stored > 0) batch_observer_(host);
    if (last_sequence > batch.sequence() || !batch.run_id().empty()) {
      counters_.batches_replayed.fetch_add(1, std::memory_order_relaxed);
    }
    if (batch.samples_dropped() > 0) {
      counters_.agent_samples_dropped.fetch_add(batch.samples_dropped(), std::memory_order_relaxed);
      LogWarning("ingest: ", host, ": the agent lost ", batch.samples_dropped(),
                 " samples (batches ", batch.sequence(), "-", last_sequence, " of run ", run_id,
                 ") before it could send them: its spool reached its bound");
    }
    const uint32_t refused = committed->too_old + committed->too_new;
    ack->set_samples_stored(committed->stored);
    ack->set_samples_rejected(rejected);
    ack->set_samples_duplicate(committed->duplicates);
    ack->set_samples_too_old(committed->too_old);
    ack->set_samples_too_new(committed->too_new);
    // An agent whose clock is off refuses samples every second: say so at most once a
    // minute per stream (the counters in `vigilctl metrics` have every one).
    const int64_t now_ms = clock_->NowMs();
    if ((rejected > 0 || refused > 0) && now_ms - last_warning_ms >= 60'000) {
      last_warning_ms = now_ms;
      if (rejected > 0) {
        LogWarning("ingest: ", host, ": batch ", batch.sequence(), ": rejected ", rejected,
                   " samples (unknown series id, ids and values of unequal length, or out of "
                   "time order)");
      }
      if (refused > 0) {
        LogWarning("ingest: ", host, ": batch ", batch.sequence(), ": refused ", committed->too_old,
                   " samples older than the raw retention and ", committed->too_new,
                   " samples ahead of the collector's clock");
      }
    }
    ack->set_collector_time_ms(now_ms);
    if (!stream->Write(reply)) break;
  }
  connections_->Closed(host);
  LogInfo("ingest: ", host, " disconnected after ", batches, " batches",
          rejected_definitions > 0
              ? absl::StrCat(" (", rejected_definitions, " series definitions rejected)")
              : "");
  return result;
}

}  // namespace vigil::ingest
