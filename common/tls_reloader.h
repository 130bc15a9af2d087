// Certificate rotation: keeps a process's TLS material (CA, certificate, key) in step
// with its files on disk, so that a certificate replaced before it expires is used for
// new connections without a restart.
//
// Check() compares each file's identity (device, inode, size, modification time) with
// the last check. When one changed it reads the three files and validates them as at
// start (LoadTlsMaterial: each exists and is PEM, the key belongs to the certificate).
// A good set becomes the current material, with one info line (subject CN and
// not-after; never the key). A bad or half-written set (the certificate copied, the key
// not yet) is not used: the previous material stays current, one error line names the
// file and the reason, and every later Check() tries again, logging again only when the
// files or the reason change. Files touched but unchanged in content are not a reload.
//
// Users: the collector's server credentials hand the current material to each new TLS
// handshake (reloading_server_credentials.h) and its self metrics export the
// certificate's expiry; the agent can build its channel credentials from Current() and
// report the same expiry.
//
// Thread-safety: everything is thread-safe. Check() calls are serialized; Current(),
// generation() and the counters never wait for a Check() that is reading files, so
// gRPC's handshake threads may call them.
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/tls.h"

namespace vigil {

class TlsReloader {
 public:
  // The material in use. Immutable once published; Current() shares it.
  struct Snapshot {
    TlsMaterial material;
    CertificateInfo certificate;  // of material.cert_pem
    uint64_t generation = 0;      // 1 for the material loaded by Create, +1 per reload
  };

  enum class CheckResult {
    kUnchanged,  // the files are those in use (or were touched without a change)
    kReloaded,   // new material is current
    kRejected,   // the files changed but do not validate; the previous material stays
  };

  // Reads and validates the files once; fails as LoadTlsMaterial does, so a process
  // does not start without good material. Log lines start with `log_prefix`.
  static absl::StatusOr<std::unique_ptr<TlsReloader>> Create(TlsFiles files,
                                                             std::string log_prefix = "tls");

  TlsReloader(const TlsReloader&) = delete;
  TlsReloader& operator=(const TlsReloader&) = delete;

  // Looks at the files and takes a changed, valid set into use (see the file comment).
  // A few stat() calls when nothing changed.
  CheckResult Check() ABSL_LOCKS_EXCLUDED(check_mu_, mu_);

  // The material in use; never null.
  std::shared_ptr<const Snapshot> Current() const ABSL_LOCKS_EXCLUDED(mu_);
  // Current()->generation, without a lock.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // New material taken into use since Create.
  uint64_t reloads() const { return reloads_.load(std::memory_order_relaxed); }
  // Replaced files refused; a set that stays bad is counted (and logged) once.
  uint64_t reload_errors() const { return reload_errors_.load(std::memory_order_relaxed); }
  // Why the files on disk are not in use; OK when they are.
  absl::Status last_error() const ABSL_LOCKS_EXCLUDED(check_mu_);

  const TlsFiles& files() const { return files_; }

 private:
  // What stat() says of one file; a missing file is `present == false`.
  struct FileIdentity {
    bool present = false;
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const FileIdentity&) const = default;
  };
  using Identities = std::array<FileIdentity, 3>;  // ca, cert, key

  TlsReloader(TlsFiles files, std::string log_prefix)
      : files_(std::move(files)), log_prefix_(std::move(log_prefix)) {}

  Identities StatFiles() const;
  void Publish(TlsMaterial material, CertificateInfo certificate) ABSL_LOCKS_EXCLUDED(mu_);

  const TlsFiles files_;
  const std::string log_prefix_;

  mutable absl::Mutex check_mu_;                    // serializes Check()
  Identities in_use_ ABSL_GUARDED_BY(check_mu_);    // the files as they were when loaded
  Identities rejected_ ABSL_GUARDED_BY(check_mu_);  // the files of the last rejection
  absl::Status last_error_ ABSL_GUARDED_BY(check_mu_);

  mutable absl::Mutex mu_;  // only around the pointer swap
  std::shared_ptr<const Snapshot> current_ ABSL_GUARDED_BY(mu_);

  std::atomic<uint64_t> generation_{0};
  std::atomic<uint64_t> reloads_{0};
  std::atomic<uint64_t> reload_errors_{0};
};

}  // namespace vigil
