#include "agent/transport/collector_link.h"

#include <thread>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace vigil::agent {
namespace {

bool SameConnection(const LinkOptions& a, const LinkOptions& b, size_t index) {
  return index < b.addresses.size() && a.addresses[index] == b.addresses[index] &&
         a.server_name == b.server_name && a.tls.ca == b.tls.ca && a.tls.cert == b.tls.cert &&
         a.tls.key == b.tls.key;
}

// How long a stream may take to have its in-flight batches acknowledged when it is
// ended on purpose (a new certificate, fail-back, a reconfiguration).
constexpr absl::Duration kDrainTime = absl::Seconds(2);

}  // namespace

CollectorLink::CollectorLink(LinkOptions options, v1::Hello hello, Outbox* outbox,
                             const Clock* clock)
    : hello_(std::move(hello)), outbox_(outbox), clock_(clock), options_(std::move(options)) {}

LinkOptions CollectorLink::options() const {
  absl::MutexLock lock(&mu_);
  return options_;
}

LinkStats CollectorLink::stats() const {
  absl::MutexLock lock(&mu_);
  LinkStats out;
  out.connected = connected_.load();
  out.addresses = options_.addresses;
  out.address = connected_.load() ? address_ : "";
  out.connects = connects_;
  out.connect_failures = connect_failures_;
  out.certificate_expiry_unix = certificate_expiry_unix_;
  out.tls_reloads = tls_reloads_;
  out.tls_reload_errors = tls_reload_errors_;
  return out;
}

void CollectorLink::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  outbox_->Interrupt();
  absl::MutexLock lock(&mu_);
  if (context_ != nullptr) context_->TryCancel();
}

void CollectorLink::Reconfigure(LinkOptions options) {
  absl::MutexLock lock(&mu_);
  options_ = std::move(options);
  reconfigured_ = true;
}

void CollectorLink::Run() {
  absl::BitGen random;
  absl::Duration backoff;
  size_t index = 0;
  size_t failed_in_round = 0;
  std::string last_error;
  absl::Time last_logged = absl::InfinitePast();
  {
    absl::MutexLock lock(&mu_);
    backoff = options_.initial_backoff;
  }
  while (!stop_.HasBeenNotified()) {
    const LinkOptions options = this->options();
    if (options.addresses.empty()) return;
    index %= options.addresses.size();
    const absl::Time started = clock_->Now();
    absl::Status status = RunStream(options, index);
    const bool was_connected = connected_.exchange(false);
    if (stop_.HasBeenNotified()) break;
    if (status.code() == absl::StatusCode::kAborted) {
      // Ended on purpose (new certificate, fail-back, new options): go on at once.
      LogInfo("collector ", options.addresses[index], ": ", status.message());
      if (failing_back_) index = 0;
      failing_back_ = false;
      continue;
    }
    {
      absl::MutexLock lock(&mu_);
      ++connect_failures_;
    }
    if (was_connected && clock_->Now() - started > absl::Minutes(1)) {
      backoff = options.initial_backoff;  // the stream was healthy for a while
    }
    const std::string error = absl::StrCat(options.addresses[index], ": ", status.message());
    // Log a new kind of failure at once; the same failure again at most once a minute.
    if (error != last_error || clock_->Now() - last_logged > absl::Minutes(1)) {
      LogWarning("collector ", error,
                 options.addresses.size() > 1 && !was_connected ? "; trying the next one" : "");
      last_error = error;
      last_logged = clock_->Now();
    }
    if (was_connected) {
      index = 0;  // a broken stream: the first address is preferred again
      failed_in_round = 0;
      continue;
    }
    index = (index + 1) % options.addresses.size();
    if (++failed_in_round < options.addresses.size()) continue;
    failed_in_round = 0;
    const double jitter = absl::Uniform(random, 0.5, 1.5);
    stop_.WaitForNotificationWithTimeout(backoff * jitter);
    backoff = std::min(backoff * 2, options.max_backoff);
  }
}

bool CollectorLink::ShouldEnd(const LinkOptions& options, size_t index, absl::Time connected_at,
                              std::string* why) {
  {
    absl::MutexLock lock(&mu_);
    if (reconfigured_) {
      reconfigured_ = false;
      if (!SameConnection(options, options_, index)) {
        *why = "configuration changed: reconnecting with the new collector or TLS settings";
        return true;
      }
    }
  }
  if (index > 0 && clock_->Now() - connected_at > options.failback_after) {
    *why = "trying to fail back to the first collector";
    failing_back_ = true;
    return true;
  }
  // A half-copied replacement is refused (and logged) by the reloader: the stream stays.
  if (tls_->Check() == TlsReloader::CheckResult::kReloaded) {
    *why = "certificate files changed: reconnecting to use them";
    return true;
  }
  return false;
}

absl::Status CollectorLink::RunStream(const LinkOptions& options, size_t index) {
  const std::string& address = options.addresses[index];
  // The TLS files as they are now (a valid replacement is taken, a broken one refused
  // and the last good material used).
  if (tls_ == nullptr || tls_->files().ca != options.tls.ca ||
      tls_->files().cert != options.tls.cert || tls_->files().key != options.tls.key) {
    absl::StatusOr<std::unique_ptr<TlsReloader>> reloader =
        TlsReloader::Create(options.tls, "agent tls");
    if (!reloader.ok()) return reloader.status();
    tls_ = *std::move(reloader);
  } else {
    tls_->Check();
  }
  const std::shared_ptr<const TlsReloader::Snapshot> tls = tls_->Current();
  {
    absl::MutexLock lock(&mu_);
    certificate_expiry_unix_ =
        absl::ToDoubleSeconds(tls->certificate.not_after - absl::UnixEpoch());
    tls_reloads_ = tls_->reloads();
    tls_reload_errors_ = tls_->reload_errors();
  }

  grpc::ChannelArguments args;
  if (!options.server_name.empty()) args.SetSslTargetNameOverride(options.server_name);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // One small batch a second needs no bandwidth probing (BDP pings wake both ends), and
  // retries are ours: a failed stream is re-established by Run().
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 500);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  // A new channel per stream: never share a subchannel (and its TLS session) with the
  // previous connection, so new certificate files take effect.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(address, MakeClientCredentials(tls->material), args);
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
  for (const std::string& run : outbox_->BacklogRuns())
    hello.mutable_hello()->add_backlog_run_ids(run);
  const int64_t hello_sent_ms = clock_->NowMs();
  hello.mutable_hello()->set_agent_time_ms(hello_sent_ms);
  if (!stream->Write(hello)) return finish("hello");
  v1::CollectorMessage reply;
  if (!stream->Read(&reply) || !reply.has_hello_ack()) return finish("waiting for hello ack");
  outbox_->StartStream(reply.hello_ack(), hello_sent_ms);
  const absl::Time connected_at = clock_->Now();
  {
    absl::MutexLock lock(&mu_);
    address_ = address;
    ++connects_;
  }
  connected_ = true;
  const OutboxStats stats = outbox_->stats();
  LogInfo(
      "connected to collector ", address, " as host \"", reply.hello_ack().host(), "\"",
      stats.unacknowledged > 0 ? absl::StrCat("; ", stats.unacknowledged, " batches to send") : "");

  std::atomic<bool> reader_done{false};
  std::thread reader([&] {
    v1::CollectorMessage message;
    while (stream->Read(&message)) {
      if (!message.has_batch_ack()) continue;
      const v1::BatchAck& ack = message.batch_ack();
      if (ack.samples_rejected() > 0) {
        LogWarning("collector rejected ", ack.samples_rejected(), " samples of batch ",
                   ack.sequence());
      }
      outbox_->Acknowledge(ack);
    }
    reader_done = true;
    outbox_->Interrupt();  // wake the sender below
  });

  absl::Status ended;
  absl::Time next_check = clock_->Now() + options.tls_check_interval;
  while (!stop_.HasBeenNotified() && !reader_done.load()) {
    // Woken by a batch to send, by the reader ending or by Stop (Interrupt).
    std::optional<v1::Batch> batch = outbox_->Next(absl::Seconds(1));
    if (batch.has_value()) {
      v1::AgentMessage message;
      *message.mutable_batch() = std::move(*batch);
      if (!stream->Write(message)) break;
    }
    if (clock_->Now() >= next_check) {
      next_check = clock_->Now() + options.tls_check_interval;
      std::string why;
      const bool end = ShouldEnd(options, index, connected_at, &why);
      {
        absl::MutexLock lock(&mu_);
        tls_reloads_ = tls_->reloads();
        tls_reload_errors_ = tls_->reload_errors();
      }
      if (end) {
        ended = absl::AbortedError(why);
        // Let what is in flight be acknowledged, so little is sent twice.
        const absl::Time deadline = absl::Now() + kDrainTime;
        while (!reader_done.load() && !outbox_->LiveDrained() && absl::Now() < deadline) {
          stop_.WaitForNotificationWithTimeout(absl::Milliseconds(50));
        }
        break;
      }
    }
  }
  stream->WritesDone();
  context.TryCancel();
  reader.join();
  if (stop_.HasBeenNotified()) {
    stream->Finish();
    clear_context();
    return absl::CancelledError("stopping");
  }
  if (!ended.ok()) {
    stream->Finish();
    clear_context();
    return ended;
  }
  return finish("stream");
}

}  // namespace vigil::agent
