// E-mail over SMTP with libcurl. smtp://host:587 must upgrade with STARTTLS (unless the
// receiver says `starttls: false`, for a relay on localhost); smtps:// is TLS from the
// start; certificates are always verified (ca_file or the system's store). The password
// is read from `password_file` at each send. The message is RFC 5322: Date (from the
// injected clock), From, To, Subject (RFC 2047 UTF-8 base64 words), Message-ID,
// MIME-Version, text/plain; charset=UTF-8 in base64. Recipients: the on-call ones'
// addresses and the receiver's `to`. SMTP 5xx replies are permanent, the rest retryable.
#include <curl/curl.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "collector/notify/channel.h"
#include "collector/notify/http_post.h"
#include "collector/notify/message_text.h"
#include "common/file.h"
#include "common/utf8.h"

namespace vigil::notify {
namespace {

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// The address in "Name <addr>" or a bare address.
std::string Address(absl::string_view mailbox) {
  const size_t open = mailbox.rfind('<');
  const size_t close = mailbox.rfind('>');
  if (open != absl::string_view::npos && close != absl::string_view::npos && open < close) {
    mailbox = mailbox.substr(open + 1, close - open - 1);
  }
  return std::string(absl::StripAsciiWhitespace(mailbox));
}

// RFC 2047 encoded words ("=?UTF-8?B?...?="), each under 76 characters and holding
// whole UTF-8 sequences, folded onto continuation lines.
std::string EncodeHeaderWords(absl::string_view text) {
  std::vector<std::string> words;
  while (!text.empty()) {
    absl::string_view chunk = TruncateUtf8(text, 45);
    if (chunk.empty()) chunk = text.substr(0, 1);
    words.push_back(absl::StrCat("=?UTF-8?B?", absl::Base64Escape(chunk), "?="));
    text.remove_prefix(chunk.size());
  }
  return absl::StrJoin(words, "\r\n ");
}

std::string Base64Lines(absl::string_view text) {
  const std::string encoded = absl::Base64Escape(text);
  std::string out;
  for (size_t i = 0; i < encoded.size(); i += 76) {
    absl::StrAppend(&out, encoded.substr(i, 76), "\r\n");
  }
  return out;
}

struct Upload {
  std::string data;
  size_t offset = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, upload->data.size() - upload->offset);
  memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

class EmailChannel : public Channel {
 public:
  EmailChannel(ReceiverConfig receiver, const Clock& clock)
      : receiver_(std::move(receiver)), clock_(clock) {}

  SendResult Send(const Notification& notification) override {
    std::vector<std::string> to;
    std::set<std::string> seen;
    for (const Recipient& r : notification.recipients) {
      if (!r.email.empty() && seen.insert(Address(r.email)).second) to.push_back(r.email);
    }
    for (const std::string& address : receiver_.to) {
      if (seen.insert(Address(address)).second) to.push_back(address);
    }
    if (to.empty()) {
      return SendResult::Permanent(Named("no e-mail address to send to"));
    }
    std::string password;
    if (!receiver_.password_file.empty()) {
      absl::StatusOr<std::string> read = ReadFile(receiver_.password_file, 4096);
      if (!read.ok()) {
        return SendResult::Retryable(
            Named(absl::StrCat("password_file: ", read.status().message())));
      }
      password = std::string(absl::StripTrailingAsciiWhitespace(*read));
    }

    const MessageText text = RenderMessage(notification, LanguageFor(receiver_, notification),
                                           TextFormat::kPlain, kEmailLimit);
    Upload upload;
    upload.data = Compose(notification, text, to);

    InitCurlOnce();
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (curl == nullptr) return SendResult::Retryable(Named("curl_easy_init failed"));
    CURL* h = curl.get();
    curl_slist* raw_rcpt = nullptr;
    for (const std::string& address : to) {
      raw_rcpt = curl_slist_append(raw_rcpt, absl::StrCat("<", Address(address), ">").c_str());
    }
    std::unique_ptr<curl_slist, SlistDeleter> rcpt(raw_rcpt);
    const std::string from = absl::StrCat("<", Address(receiver_.from), ">");
    curl_easy_setopt(h, CURLOPT_URL, receiver_.smtp_url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(absl::ToInt64Milliseconds(receiver_.timeout)));
    if (receiver_.starttls || receiver_.smtp_url.rfind("smtps://", 0) == 0) {
      curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    }
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!receiver_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, receiver_.ca_file.c_str());
    if (!receiver_.username.empty()) {
      curl_easy_setopt(h, CURLOPT_USERNAME, receiver_.username.c_str());
      curl_easy_setopt(h, CURLOPT_PASSWORD, password.c_str());
    }
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
    curl_easy_setopt(h, CURLOPT_READFUNCTION, ReadUpload);
    curl_easy_setopt(h, CURLOPT_READDATA, &upload);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    const CURLcode code = curl_easy_perform(h);
    if (code == CURLE_OK) return SendResult::Ok();
    long reply = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
    std::string message =
        absl::StrCat(RedactUrl(receiver_.smtp_url), ": ", curl_easy_strerror(code));
    if (reply > 0) absl::StrAppend(&message, " (SMTP reply ", reply, ")");
    if (code == CURLE_LOGIN_DENIED || (reply >= 500 && reply < 600)) {
      return SendResult::Permanent(Named(message));
    }
    return SendResult::Retryable(Named(message));
  }

 private:
  std::string Named(absl::string_view message) const {
    return absl::StrCat("receiver ", receiver_.name, ": ", message);
  }

  std::string Compose(const Notification& notification, const MessageText& text,
                      const std::vector<std::string>& to) const {
    static std::atomic<uint64_t> sequence{0};
    const absl::Time now = clock_.Now();
    std::string subject = text.title;
    if (!receiver_.subject_prefix.empty())
      subject = absl::StrCat(receiver_.subject_prefix, " ", subject);
    std::string out;
    absl::StrAppend(
        &out, "Date: ", absl::FormatTime("%a, %d %b %Y %H:%M:%S %z", now, absl::LocalTimeZone()),
        "\r\n");
    absl::StrAppend(&out, "From: ", receiver_.from, "\r\n");
    absl::StrAppend(&out, "To: ", absl::StrJoin(to, ", "), "\r\n");
    absl::StrAppend(&out, "Subject: ", EncodeHeaderWords(subject), "\r\n");
    absl::StrAppend(&out, "Message-ID: <", absl::ToUnixMillis(now), ".", getpid(), ".",
                    sequence.fetch_add(1), ".", notification.alerts.size(), "@vigil>\r\n");
    absl::StrAppend(&out, "MIME-Version: 1.0\r\n");
    absl::StrAppend(&out, "Content-Type: text/plain; charset=UTF-8\r\n");
    absl::StrAppend(&out, "Content-Transfer-Encoding: base64\r\n");
    absl::StrAppend(&out, "\r\n", Base64Lines(text.body));
    return out;
  }

  const ReceiverConfig receiver_;
  const Clock& clock_;
};

}  // namespace

std::unique_ptr<Channel> MakeEmailChannel(const ReceiverConfig& receiver, const Clock& clock) {
  return std::make_unique<EmailChannel>(receiver, clock);
}

}  // namespace vigil::notify
