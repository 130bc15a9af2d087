// Notifier::Start's implementation: per receiver, a queue mirroring its outbox records
// and one dispatcher thread that sends the queue's head through the receiver's channel
// when the head's backoff has passed and the receiver's token bucket has a token. While
// it waits (backoff or rate limit) it merges the waiting messages into the head. All
// state is under one mutex; channels run without it. Waits are on a condition variable
// with a deadline computed from the injected clock, capped at a second of real time, so
// that a test that moves a ManualClock (and Pokes) is followed at once.
#include "collector/notify/notifier.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "collector/notify/channel.h"
#include "collector/notify/notify_log.h"
#include "collector/notify/outbox.h"
#include "common/log.h"
#include "common/status.h"

namespace vigil::notify {
namespace {

constexpr absl::Duration kMaxRealWait = absl::Seconds(1);

struct Metrics {
  CounterFamily* sent = nullptr;
  CounterFamily* failures = nullptr;
  CounterFamily* dropped = nullptr;
  GaugeFamily* outbox = nullptr;
  Histogram* duration = nullptr;
};

absl::StatusOr<Metrics> RegisterMetrics(MetricsRegistry* registry) {
  Metrics m;
  VIGIL_ASSIGN_OR_RETURN(
      m.sent, registry->AddCounterFamily("vigil_notify_sent_total",
                                         "Notifications delivered, by receiver.", {"receiver"}));
  VIGIL_ASSIGN_OR_RETURN(
      m.failures, registry->AddCounterFamily("vigil_notify_failures_total",
                                             "Failed delivery attempts, by receiver and kind "
                                             "(retryable: tried again later; permanent: dropped).",
                                             {"receiver", "kind"}));
  VIGIL_ASSIGN_OR_RETURN(
      m.dropped, registry->AddCounterFamily("vigil_notify_dropped_total",
                                            "Notifications given up, by receiver and reason "
                                            "(permanent, expired).",
                                            {"receiver", "reason"}));
  VIGIL_ASSIGN_OR_RETURN(
      m.outbox,
      registry->AddGaugeFamily("vigil_notify_outbox_messages",
                               "Messages waiting in the outbox, by receiver.", {"receiver"}));
  VIGIL_ASSIGN_OR_RETURN(
      m.duration, registry->AddHistogram("vigil_notify_send_duration_seconds",
                                         "Time a channel took to deliver (or fail) one message.",
                                         ExponentialBuckets(0.01, 2, 12)));
  return m;
}

// A token bucket: `rate` tokens a minute, at most `rate` saved up. rate 0 = unlimited.
struct TokenBucket {
  int rate = 0;
  double tokens = 0;
  absl::Time refilled = absl::InfinitePast();

  void Refill(absl::Time now) {
    if (refilled == absl::InfinitePast()) {
      tokens = rate;
    } else if (now > refilled) {
      tokens = std::min<double>(
          rate, tokens + absl::FDivDuration(now - refilled, absl::Minutes(1)) * rate);
    }
    refilled = std::max(refilled, now);
  }
  // When a token is available (now if one is).
  absl::Time Available(absl::Time now) {
    if (rate <= 0) return now;
    Refill(now);
    if (tokens >= 1) return now;
    return now + absl::Minutes(1) * ((1 - tokens) / rate);
  }
  void Take(absl::Time now) {
    if (rate <= 0) return;
    Refill(now);
    tokens -= 1;
  }
};

class NotifierImpl : public Notifier {
 public:
  NotifierImpl(state::StateStore* store, const Clock* clock, NotifierOptions options,
               Metrics metrics, std::unique_ptr<MetricsRegistry> own_registry)
      : clock_(*clock),
        options_(options),
        metrics_(metrics),
        own_registry_(std::move(own_registry)),
        outbox_(store),
        log_(store) {}

  ~NotifierImpl() override { Stop(); }

  absl::Status Load() {
    VIGIL_RETURN_IF_ERROR(log_.Open());
    size_t corrupt = 0;
    VIGIL_ASSIGN_OR_RETURN(std::vector<OutboxRecord> records, outbox_.LoadAll(&corrupt));
    absl::MutexLock lock(&mu_);
    for (OutboxRecord& record : records) {
      const std::string receiver = record.notification.receiver;
      queues_[receiver].push_back(std::move(record));
    }
    for (const auto& [receiver, queue] : queues_) UpdateGauge(receiver);
    if (!records.empty()) LogInfo("notify: ", records.size(), " messages left in the outbox");
    return absl::OkStatus();
  }

  absl::Status Enqueue(const Notification& notification) override {
    OutboxRecord record;
    record.notification = notification;
    Notification& n = record.notification;
    {
      absl::MutexLock lock(&mu_);
      auto receiver = receivers_.find(n.receiver);
      if (receiver == receivers_.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("notification for unknown receiver '", n.receiver, "'"));
      }
      if (!receiver->second.send_resolved) {
        std::erase_if(n.alerts, [](const AlertItem& a) { return a.resolved; });
      }
    }
    if (n.alerts.empty()) return absl::OkStatus();  // nothing this receiver wants
    if (n.created == absl::InfinitePast()) n.created = clock_.Now();
    VIGIL_RETURN_IF_ERROR(outbox_.Add(&record));
    absl::MutexLock lock(&mu_);
    queues_[n.receiver].push_back(std::move(record));
    UpdateGauge(n.receiver);
    wake_.SignalAll();
    return absl::OkStatus();
  }

  void SetReceivers(std::vector<ReceiverConfig> receivers) override {
    std::map<std::string, TokenBucket> buckets;
    StopDispatchers(&buckets);
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    receivers_.clear();
    for (ReceiverConfig& config : receivers) {
      auto d = std::make_unique<Dispatcher>();
      d->channel = MakeChannel(config, clock_);
      d->bucket = buckets[config.name];
      d->bucket.rate = config.rate_limit_per_minute;
      const std::string name = config.name;
      d->config = config;
      receivers_[name] = std::move(config);
      UpdateGauge(name);
      Dispatcher* raw = d.get();
      d->thread = std::thread([this, raw] { Run(raw); });
      dispatchers_[name] = std::move(d);
    }
  }

  std::vector<std::pair<std::string, size_t>> Pending() const override {
    absl::MutexLock lock(&mu_);
    std::vector<std::pair<std::string, size_t>> out;
    for (const auto& [receiver, queue] : queues_) {
      if (!queue.empty()) out.emplace_back(receiver, queue.size());
    }
    return out;
  }

  std::vector<SentEntry> SentLog(size_t limit) const override {
    absl::StatusOr<std::vector<SentEntry>> entries = log_.Recent(limit);
    if (!entries.ok()) {
      LogError("notify: reading the notification log: ", entries.status().message());
      return {};
    }
    return *std::move(entries);
  }

  void Poke() override {
    absl::MutexLock lock(&mu_);
    wake_.SignalAll();
  }

  void Stop() override {
    StopDispatchers(nullptr);
    absl::MutexLock lock(&mu_);
    stopped_ = true;
  }

 private:
  struct Dispatcher {
    ReceiverConfig config;
    std::unique_ptr<Channel> channel;
    TokenBucket bucket;
    bool stop = false;
    std::thread thread;
  };

  // Stops and joins every dispatcher; their buckets go to `*buckets` (if not null).
  void StopDispatchers(std::map<std::string, TokenBucket>* buckets) ABSL_LOCKS_EXCLUDED(mu_) {
    std::map<std::string, std::unique_ptr<Dispatcher>> old;
    {
      absl::MutexLock lock(&mu_);
      for (auto& [name, d] : dispatchers_) d->stop = true;
      wake_.SignalAll();
      old.swap(dispatchers_);
    }
    for (auto& [name, d] : old) {
      d->thread.join();
      if (buckets != nullptr) (*buckets)[name] = d->bucket;
    }
  }

  void UpdateGauge(const std::string& receiver) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    metrics_.outbox->WithLabels({receiver})->Set(static_cast<double>(queues_[receiver].size()));
  }

  void Wait(absl::Time until) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const absl::Duration wait = std::min(until - clock_.Now(), kMaxRealWait);
    if (wait > absl::ZeroDuration()) wake_.WaitWithTimeout(&mu_, wait);
  }

  void Record(const OutboxRecord& record, int attempts, const std::string& result) {
    SentEntry entry;
    entry.sent_at = clock_.Now();
    entry.receiver = record.notification.receiver;
    entry.group_key = record.notification.group_key;
    entry.resolved_only = !record.notification.AnyFiring();
    entry.attempts = attempts;
    entry.result = result;
    for (const AlertItem& a : record.notification.alerts) entry.alert_ids.push_back(a.id);
    const absl::Status status = log_.Append(entry);
    if (!status.ok()) LogError("notify: writing the notification log: ", status.message());
  }

  // Removes the head of `queue` for good (sent, or given up).
  void Retire(std::deque<OutboxRecord>& queue, const std::string& receiver)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const absl::Status status = outbox_.Remove(queue.front().sequence);
    if (!status.ok()) LogError("notify: removing from the outbox: ", status.message());
    queue.pop_front();
    UpdateGauge(receiver);
  }

  void Drop(std::deque<OutboxRecord>& queue, const std::string& receiver, absl::string_view reason,
            const std::string& why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const OutboxRecord& record = queue.front();
    LogError("notify: dropped a message for receiver ", receiver, " (",
             record.notification.alerts.size(), " alerts, ", record.attempts,
             " failed attempts): ", why);
    metrics_.dropped->WithLabels({receiver, reason})->Inc();
    Record(record, record.attempts + (reason == "permanent" ? 1 : 0),
           absl::StrCat("dropped: ", why));
    Retire(queue, receiver);
  }

  // Merges every waiting message into the head (one durable write).
  void MergeWaiting(std::deque<OutboxRecord>& queue, const std::string& receiver)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (queue.size() < 2) return;
    std::vector<const Notification*> messages;
    std::vector<uint64_t> absorbed;
    for (const OutboxRecord& record : queue) messages.push_back(&record.notification);
    for (size_t i = 1; i < queue.size(); ++i) absorbed.push_back(queue[i].sequence);
    OutboxRecord merged = queue.front();
    merged.notification = MergeNotifications(messages);
    const absl::Status status = outbox_.Merge(merged, absorbed);
    if (!status.ok()) {
      LogError("notify: merging messages for receiver ", receiver, ": ", status.message());
      return;
    }
    queue.erase(queue.begin() + 1, queue.end());
    queue.front() = std::move(merged);
    UpdateGauge(receiver);
  }

  void Run(Dispatcher* d) {
    const std::string& name = d->config.name;
    Counter* sent = metrics_.sent->WithLabels({name});
    Counter* retryable = metrics_.failures->WithLabels({name, "retryable"});
    Counter* permanent = metrics_.failures->WithLabels({name, "permanent"});
    absl::MutexLock lock(&mu_);
    while (!d->stop) {
      std::deque<OutboxRecord>& queue = queues_[name];
      const absl::Time now = clock_.Now();
      while (!queue.empty() && queue.front().notification.created + options_.max_age < now) {
        Drop(queue, name, "expired",
             absl::StrCat("older than max_age ", absl::FormatDuration(options_.max_age),
                          queue.front().last_error.empty() ? "" : "; last error: ",
                          queue.front().last_error));
      }
      if (queue.empty()) {
        Wait(absl::InfiniteFuture());
        continue;
      }
      const absl::Time due = std::max(queue.front().next_attempt, d->bucket.Available(now));
      if (due > now) {
        MergeWaiting(queue, name);
        Wait(due);
        continue;
      }
      d->bucket.Take(now);
      const OutboxRecord record = queue.front();
      const uint64_t sequence = record.sequence;
      SendResult result;
      {
        mu_.Unlock();
        const absl::Time start = absl::Now();
        result = d->channel->Send(record.notification);
        metrics_.duration->Observe(absl::ToDoubleSeconds(absl::Now() - start));
        mu_.Lock();
      }
      // Only this thread removes or merges the head: it is still `record`.
      std::deque<OutboxRecord>& q = queues_[name];
      if (q.empty() || q.front().sequence != sequence) continue;
      switch (result.kind) {
        case SendResult::Kind::kOk:
          sent->Inc();
          Record(record, record.attempts + 1, "sent");
          Retire(q, name);
          break;
        case SendResult::Kind::kPermanent:
          permanent->Inc();
          Drop(q, name, "permanent", result.message);
          break;
        case SendResult::Kind::kRetryable: {
          retryable->Inc();
          OutboxRecord& head = q.front();
          ++head.attempts;
          absl::Duration backoff = options_.initial_backoff;
          for (int i = 1; i < head.attempts && backoff < options_.max_backoff; ++i) backoff *= 2;
          backoff = std::max(std::min(backoff, options_.max_backoff), result.retry_after);
          head.next_attempt = clock_.Now() + backoff;
          head.last_error = result.message;
          LogWarning("notify: ", result.message, "; attempt ", head.attempts, ", retrying in ",
                     absl::FormatDuration(backoff));
          const absl::Status status = outbox_.Update(head);
          if (!status.ok()) LogError("notify: updating the outbox: ", status.message());
          break;
        }
      }
    }
  }

  const Clock& clock_;
  const NotifierOptions options_;
  const Metrics metrics_;
  const std::unique_ptr<MetricsRegistry> own_registry_;  // when the caller gave none
  Outbox outbox_;
  mutable NotifyLog log_;

  mutable absl::Mutex mu_;
  absl::CondVar wake_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, ReceiverConfig> receivers_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::deque<OutboxRecord>> queues_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<Dispatcher>> dispatchers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<std::unique_ptr<Notifier>> Notifier::Start(std::vector<ReceiverConfig> receivers,
                                                          state::StateStore* store,
                                                          const Clock* clock,
                                                          MetricsRegistry* metrics,
                                                          NotifierOptions options) {
  std::unique_ptr<MetricsRegistry> own;
  if (metrics == nullptr) {
    own = std::make_unique<MetricsRegistry>();
    metrics = own.get();
  }
  VIGIL_ASSIGN_OR_RETURN(Metrics m, RegisterMetrics(metrics));
  auto notifier = std::make_unique<NotifierImpl>(store, clock, options, m, std::move(own));
  VIGIL_RETURN_IF_ERROR(notifier->Load());
  notifier->SetReceivers(std::move(receivers));
  return notifier;
}

}  // namespace vigil::notify
