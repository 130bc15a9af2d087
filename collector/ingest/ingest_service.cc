#include "collector/ingest/ingest_service.h"

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "collector/ingest/series_runs.h"
#include "common/labels.h"
#include "common/log.h"
#include "common/tls.h"

namespace vigil::ingest {
namespace {

grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

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

}  // namespace

grpc::Status IngestService::Stream(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::CollectorMessage, v1::AgentMessage>* stream) {
  absl::StatusOr<PeerIdentity> peer = AuthorizePeer(*context, kKindAgent);
  if (!peer.ok()) {
    LogWarning("ingest: refused: ", peer.status().message());
    return ToGrpc(peer.status());
  }
  const std::string& host = peer->name;

  v1::AgentMessage message;
  if (!stream->Read(&message)) return grpc::Status::OK;
  if (!message.has_hello()) {
    LogWarning("ingest: ", host, " (", peer->address, "): first message is not a hello");
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the first message must be a hello");
  }
  const v1::Hello hello = message.hello();
  if (hello.run_id().empty() || hello.run_id().size() > 128) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "hello.run_id must be 1-128 bytes");
  }
  absl::StatusOr<uint64_t> high_water =
      tsdb_->RecordHello(host, hello, peer->address, clock_->NowMs());
  if (!high_water.ok()) {
    LogError("ingest: ", host, ": ", high_water.status().message());
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "collector storage unavailable");
  }
  {
    v1::CollectorMessage reply;
    v1::HelloAck* ack = reply.mutable_hello_ack();
    ack->set_host(host);
    ack->set_last_durable_sequence(*high_water);
    ack->set_collector_time_ms(clock_->NowMs());
    if (!stream->Write(reply)) return grpc::Status::OK;
  }
  LogInfo("ingest: ", host, " connected from ", peer->address, " (agent ", hello.agent_version(),
          ", run ", hello.run_id(), ", resuming after sequence ", *high_water, ")");
  connections_->Opened(host);

  absl::flat_hash_map<uint64_t, storage::SeriesId> series;  // agent id -> stored id
  uint64_t last_sequence = *high_water;
  uint64_t rejected_definitions = 0;
  int64_t last_warning_ms = INT64_MIN / 2;  // of refused or rejected samples
  grpc::Status result = grpc::Status::OK;
  SeriesRuns runs;

  while (stream->Read(&message)) {
    if (!message.has_batch()) {
      result = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "expected a batch after the hello");
      break;
    }
    const v1::Batch& batch = message.batch();
    v1::CollectorMessage reply;
    v1::BatchAck* ack = reply.mutable_batch_ack();
    ack->set_sequence(batch.sequence());
    if (batch.sequence() == 0) {
      result = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "batch sequence must be > 0");
      break;
    }
    // Definitions are applied even for a duplicate: later batches may use them.
    for (const v1::SeriesDefinition& def : batch.definitions()) {
      if (series.contains(def.series_id())) continue;
      if (series.size() >= limits_.max_series_per_stream) {
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
      series.emplace(def.series_id(), *id);
    }
    if (!result.ok()) break;
    runs.Build(batch, series);
    const uint32_t rejected = runs.rejected();
    absl::StatusOr<storage::CommitResult> committed =
        tsdb_->Commit(runs.writes(),
                      storage::IngestMark{host, hello.run_id(), batch.sequence(), clock_->NowMs()});
    if (committed.ok() && committed->duplicate_batch) {
      // Stored before: a resend after a lost ack, or by another stream of this run.
      last_sequence = std::max(last_sequence, batch.sequence());
      ack->set_duplicate(true);
      if (!stream->Write(reply)) break;
      continue;
    }
    if (!committed.ok()) {
      // Not acknowledged: the agent keeps the batch and sends it again after reconnecting.
      LogError("ingest: ", host, ": batch ", batch.sequence(),
               " not stored: ", committed.status().message());
      result = grpc::Status(grpc::StatusCode::UNAVAILABLE, "collector storage unavailable");
      break;
    }
    last_sequence = batch.sequence();
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
        LogWarning("ingest: ", host, ": batch ", batch.sequence(), ": refused ",
                   committed->too_old, " samples older than the raw retention and ",
                   committed->too_new, " samples ahead of the collector's clock");
      }
    }
    if (!stream->Write(reply)) break;
  }
  connections_->Closed(host);
  LogInfo("ingest: ", host, " disconnected (last durable sequence ", last_sequence,
          rejected_definitions > 0
              ? absl::StrCat(", ", rejected_definitions, " series definitions rejected")
              : "",
          ")");
  return result;
}

}  // namespace vigil::ingest
