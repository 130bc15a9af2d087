#include "common/tls_reloader.h"

#include <sys/stat.h>

#include <array>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/log.h"

namespace vigil {
namespace {

std::string FormatNotAfter(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

bool SameMaterial(const TlsMaterial& a, const TlsMaterial& b) {
  return a.ca_pem == b.ca_pem && a.cert_pem == b.cert_pem && a.key_pem == b.key_pem;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TlsReloader>> TlsReloader::Create(TlsFiles files,
                                                                 std::string log_prefix) {
  std::unique_ptr<TlsReloader> reloader(new TlsReloader(std::move(files), std::move(log_prefix)));
  // Stat before reading: a change racing with the read is then seen by the next Check().
  const Identities identities = reloader->StatFiles();
  absl::StatusOr<TlsMaterial> material = LoadTlsMaterial(reloader->files_);
  if (!material.ok()) return material.status();
  absl::StatusOr<CertificateInfo> certificate = ParseCertificate(material->cert_pem);
  if (!certificate.ok()) return certificate.status();
  {
    absl::MutexLock lock(&reloader->check_mu_);
    reloader->in_use_ = identities;
  }
  reloader->Publish(std::move(*material), std::move(*certificate));
  return reloader;
}

TlsReloader::Identities TlsReloader::StatFiles() const {
  Identities out;
  const std::array<const std::string*, std::tuple_size_v<Identities>> paths = {
      &files_.ca, &files_.cert, &files_.key};
  for (size_t i = 0; i < paths.size(); ++i) {
    struct stat st {};
    if (::stat(paths[i]->c_str(), &st) != 0) continue;  // absent: LoadTlsMaterial says why
    out[i].present = true;
    out[i].device = st.st_dev;
    out[i].inode = st.st_ino;
    out[i].size = st.st_size;
    out[i].mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  }
  return out;
}

void TlsReloader::Publish(TlsMaterial material, CertificateInfo certificate) {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->material = std::move(material);
  snapshot->certificate = std::move(certificate);
  absl::MutexLock lock(&mu_);
  snapshot->generation = generation_.load(std::memory_order_relaxed) + 1;
  current_ = std::move(snapshot);
  generation_.store(current_->generation, std::memory_order_release);
}

std::shared_ptr<const TlsReloader::Snapshot> TlsReloader::Current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

absl::Status TlsReloader::last_error() const {
  absl::MutexLock lock(&check_mu_);
  return last_error_;
}

TlsReloader::CheckResult TlsReloader::Check() {
  absl::MutexLock lock(&check_mu_);
  const Identities identities = StatFiles();
  if (identities == in_use_) return CheckResult::kUnchanged;

  absl::StatusOr<TlsMaterial> material = LoadTlsMaterial(files_);
  absl::StatusOr<CertificateInfo> certificate =
      material.ok() ? ParseCertificate(material->cert_pem)
                    : absl::StatusOr<CertificateInfo>(material.status());
  if (!certificate.ok()) {
    // Once per bad set of files and reason; later checks retry quietly.
    if (identities != rejected_ || certificate.status() != last_error_) {
      reload_errors_.fetch_add(1, std::memory_order_relaxed);
      const std::shared_ptr<const Snapshot> current = Current();
      LogError(log_prefix_,
               ": replaced certificate files not used: ", certificate.status().message(),
               "; new connections keep the certificate CN=", current->certificate.common_name,
               " (not after ", FormatNotAfter(current->certificate.not_after),
               "); the files are checked again until they are valid");
    }
    rejected_ = identities;
    last_error_ = certificate.status();
    return CheckResult::kRejected;
  }

  std::vector<std::string> changed;
  const char* names[] = {"ca", "cert", "key"};
  for (size_t i = 0; i < identities.size(); ++i) {
    if (identities[i] != in_use_[i]) changed.push_back(names[i]);
  }
  in_use_ = identities;
  rejected_ = Identities();
  const bool recovered = !last_error_.ok();
  last_error_ = absl::OkStatus();
  if (SameMaterial(*material, Current()->material)) {
    if (recovered) {
      LogInfo(log_prefix_, ": certificate files are valid again and hold the material in use");
    }
    return CheckResult::kUnchanged;
  }
  LogInfo(log_prefix_,
          ": new certificate in use for new connections: CN=", certificate->common_name,
          ", not after ", FormatNotAfter(certificate->not_after),
          " (changed: ", absl::StrJoin(changed, ", "), ")");
  Publish(std::move(*material), std::move(*certificate));
  reloads_.fetch_add(1, std::memory_order_relaxed);
  return CheckResult::kReloaded;
}

}  // namespace vigil
