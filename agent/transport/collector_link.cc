#include "agent/transport/collector_link.h"

#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace vigil::agent {

CollectorLink::CollectorLink(LinkOptions options, v1::Hello hello, SeriesRegistry* registry,
                             PendingBatches* pending, const Clock* clock)
    : options_(std::move(options)),
      hello_(std::move(hello)),
      registry_(registry),
      pending_(pending),
      clock_(clock) {}

std::string CollectorLink::host() const {
  absl::MutexLock lock(&mu_);
  return host_;
}

void CollectorLink::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  pending_->Interrupt();
  absl::MutexLock lock(&mu_);
  if (context_ != nullptr) context_->TryCancel();
}

void CollectorLink::Run() {
  absl::BitGen random;
  absl::Duration backoff = options_.initial_backoff;
  std::string last_error;
  int failures = 0;
  absl::Time last_logged = absl::InfinitePast();
  while (!stop_.HasBeenNotified()) {
    const absl::Time started = clock_->Now();
    absl::Status status = RunStream();
    connected_ = false;
    if (stop_.HasBeenNotified()) break;
    if (clock_->Now() - started > absl::Minutes(1)) {
      backoff = options_.initial_backoff;  // the stream was healthy for a while
      failures = 0;
    }
    ++failures;
    const std::string error(status.message());
    // Log a new kind of failure at once; the same failure again at most once a minute.
    if (error != last_error || clock_->Now() - last_logged > absl::Minutes(1)) {
      LogWarning("collector ", options_.address, ": ", error,
                 failures > 1 ? absl::StrCat(" (", failures, " attempts; ", pending_->size(),
                                             " batches waiting)")
                              : "");
      last_error = error;
      last_logged = clock_->Now();
    }
    const double jitter = absl::Uniform(random, 0.5, 1.5);
    stop_.WaitForNotificationWithTimeout(backoff * jitter);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

absl::Status CollectorLink::RunStream() {
  absl::StatusOr<TlsMaterial> tls = LoadTlsMaterial(options_.tls);
  if (!tls.ok()) return tls.status();

  grpc::ChannelArguments args;
  if (!options_.server_name.empty()) args.SetSslTargetNameOverride(options_.server_name);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // One small batch a second needs no bandwidth probing (BDP pings wake both ends), and
  // retries are ours: a failed stream is re-established by Run().
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  // Reconnection pacing is ours (Run's backoff), not gRPC's.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 500);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(options_.address, MakeClientCredentials(*tls), args);
  std::unique_ptr<v1::Ingest::Stub> stub = v1::Ingest::NewStub(channel);

  grpc::ClientContext context;
  context.set_wait_for_ready(false);
  {
    absl::MutexLock lock(&mu_);
    if (stop_.HasBeenNotified()) return absl::CancelledError("stopping");
    context_ = &context;
  }
  auto clear_context = [&] {
    absl::MutexLock lock(&mu_);
    context_ = nullptr;
  };
  std::unique_ptr<grpc::ClientReaderWriter<v1::AgentMessage, v1::CollectorMessage>> stream =
      stub->Stream(&context);

  auto finish = [&](absl::string_view what) {
    context.TryCancel();  // Finish() would otherwise wait for the collector to end the call
    grpc::Status s = stream->Finish();
    clear_context();
    if (s.ok())
      return absl::UnavailableError(absl::StrCat(what, ": stream closed by the collector"));
    return absl::UnavailableError(absl::StrCat(what, ": ", s.error_message()));
  };

  v1::AgentMessage hello;
  *hello.mutable_hello() = hello_;
  hello.mutable_hello()->set_agent_time_ms(clock_->NowMs());
  if (!stream->Write(hello)) return finish("hello");
  v1::CollectorMessage reply;
  if (!stream->Read(&reply) || !reply.has_hello_ack()) return finish("waiting for hello ack");
  const uint64_t durable = reply.hello_ack().last_durable_sequence();
  pending_->Acknowledge(durable);
  {
    absl::MutexLock lock(&mu_);
    host_ = reply.hello_ack().host();
  }
  connected_ = true;
  LogInfo("connected to collector ", options_.address, " as host \"", reply.hello_ack().host(),
          "\"; ", pending_->size(), " batches to send");

  std::atomic<bool> reader_done{false};
  std::thread reader([&] {
    v1::CollectorMessage message;
    while (stream->Read(&message)) {
      if (message.has_batch_ack()) {
        const v1::BatchAck& ack = message.batch_ack();
        if (ack.samples_rejected() > 0) {
          LogWarning("collector rejected ", ack.samples_rejected(), " samples of batch ",
                     ack.sequence());
        }
        pending_->Acknowledge(ack.sequence());
      }
    }
    reader_done = true;
    pending_->Interrupt();  // wake the sender below
  });

  absl::flat_hash_set<uint64_t> defined;  // series defined on this stream
  uint64_t sent = durable;
  while (!stop_.HasBeenNotified() && !reader_done.load()) {
    // Woken by a new batch, by the reader ending (Interrupt) or by Stop (Interrupt).
    std::optional<v1::Batch> batch = pending_->NextAfter(sent, absl::Seconds(5));
    if (!batch.has_value()) continue;
    for (const v1::SampleGroup& group : batch->groups()) {
      for (uint64_t id : group.series_ids()) {
        if (defined.insert(id).second) registry_->Define(id, batch->add_definitions());
      }
    }
    v1::AgentMessage message;
    const uint64_t sequence = batch->sequence();
    *message.mutable_batch() = std::move(*batch);
    if (!stream->Write(message)) break;
    sent = sequence;
  }
  context.TryCancel();
  reader.join();
  if (stop_.HasBeenNotified()) {
    stream->Finish();
    clear_context();
    return absl::CancelledError("stopping");
  }
  return finish("stream");
}

}  // namespace vigil::agent
