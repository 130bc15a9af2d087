// Real receivers for the channel tests, on 127.0.0.1 with a free port:
//   HttpReceiver: a cpp-httplib server that records every request and answers with a
//     settable responder (200 {"errcode":0} by default);
//   SmtpSink: a small threaded SMTP server (EHLO, STARTTLS with OpenSSL, AUTH PLAIN and
//     LOGIN, MAIL, RCPT, DATA, QUIT) that records each message and whether it came over
//     TLS.
// Thread-safe: the tests read what the server threads record.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace vigil::testing {

class HttpReceiver {
 public:
  struct Request {
    std::string method;
    std::string path;
    std::string body;
    httplib::Headers headers;
    httplib::Params params;
    std::string Header(const std::string& name) const;
    std::string Param(const std::string& name) const;
  };
  using Responder = std::function<void(const Request&, httplib::Response&)>;

  HttpReceiver();
  ~HttpReceiver();

  int port() const { return port_; }
  std::string Url(const std::string& path) const;
  void SetResponder(Responder responder);
  std::vector<Request> Requests() const;
  // Polls until at least `count` requests arrived or `timeout` passed.
  bool WaitForRequests(size_t count, absl::Duration timeout = absl::Seconds(20)) const;

 private:
  void Handle(const httplib::Request& req, httplib::Response& res);

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable absl::Mutex mu_;
  Responder responder_ ABSL_GUARDED_BY(mu_);
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
};

class SmtpSink {
 public:
  struct Message {
    bool tls = false;  // STARTTLS happened before MAIL
    std::string auth_user;
    std::string auth_password;
    std::string mail_from;
    std::vector<std::string> rcpt_to;
    std::string data;  // without the final "."
  };

  // `cert_file`/`key_file`: the server's certificate for STARTTLS.
  SmtpSink(const std::string& cert_file, const std::string& key_file);
  ~SmtpSink();

  int port() const { return port_; }
  std::vector<Message> Messages() const;
  bool WaitForMessages(size_t count, absl::Duration timeout = absl::Seconds(20)) const;

 private:
  void Serve();
  void Converse(int fd);

  struct SslCtxDeleter {
    void operator()(struct ssl_ctx_st* ctx) const;
  };
  std::unique_ptr<struct ssl_ctx_st, SslCtxDeleter> ctx_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<Message> messages_ ABSL_GUARDED_BY(mu_);
};

// A port on 127.0.0.1 that was free a moment ago (bound, then released).
int FreePort();

// Decodes a body of base64 lines, and a header of RFC 2047 "=?UTF-8?B?...?=" words.
std::string DecodeBase64Lines(const std::string& text);
std::string DecodeHeaderWords(const std::string& text);
// The value of header `name` in an RFC 5322 message (folded lines joined), and its body.
std::string MailHeader(const std::string& message, const std::string& name);
std::string MailBody(const std::string& message);

}  // namespace vigil::testing
