#include "tests/unit/collector/notify/test_receivers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace vigil::testing {

std::string HttpReceiver::Request::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

std::string HttpReceiver::Request::Param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

HttpReceiver::HttpReceiver() {
  responder_ = [](const Request&, httplib::Response& res) {
    res.set_content(R"({"errcode":0,"errmsg":"ok"})", "application/json");
  };
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); };
  server_.Post(".*", handler);
  server_.Get(".*", handler);
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) std::abort();
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  while (!server_.is_running()) std::this_thread::yield();
}

HttpReceiver::~HttpReceiver() {
  server_.stop();
  thread_.join();
}

std::string HttpReceiver::Url(const std::string& path) const {
  return absl::StrCat("http://127.0.0.1:", port_, path);
}

void HttpReceiver::SetResponder(Responder responder) {
  absl::MutexLock lock(&mu_);
  responder_ = std::move(responder);
}

void HttpReceiver::Handle(const httplib::Request& req, httplib::Response& res) {
  Request r{req.method, req.path, req.body, req.headers, req.params};
  Responder responder;
  {
    absl::MutexLock lock(&mu_);
    requests_.push_back(r);
    responder = responder_;
  }
  responder(r, res);
}

std::vector<HttpReceiver::Request> HttpReceiver::Requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

bool HttpReceiver::WaitForRequests(size_t count, absl::Duration timeout) const {
  const auto enough = [&] { return requests_.size() >= count; };
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

void SmtpSink::SslCtxDeleter::operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }

SmtpSink::SmtpSink(const std::string& cert_file, const std::string& key_file) {
  ctx_.reset(SSL_CTX_new(TLS_server_method()));
  if (SSL_CTX_use_certificate_chain_file(ctx_.get(), cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx_.get(), key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    std::abort();
  }
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(listen_fd_, 8) != 0) {
    std::abort();
  }
  socklen_t len = sizeof(addr);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

SmtpSink::~SmtpSink() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
  close(listen_fd_);
}

void SmtpSink::Serve() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    Converse(fd);
    close(fd);
  }
}

namespace {

// One SMTP connection, plain or (after STARTTLS) over `ssl`.
class Connection {
 public:
  explicit Connection(int fd) : fd_(fd) {}
  ~Connection() {
    if (ssl_ != nullptr) {
      SSL_shutdown(ssl_);
      SSL_free(ssl_);
    }
  }
  bool StartTls(SSL_CTX* ctx) {
    ssl_ = SSL_new(ctx);
    SSL_set_fd(ssl_, fd_);
    return SSL_accept(ssl_) == 1;
  }
  bool tls() const { return ssl_ != nullptr; }
  void Write(const std::string& text) {
    if (ssl_ != nullptr) {
      SSL_write(ssl_, text.data(), static_cast<int>(text.size()));
    } else {
      (void)!write(fd_, text.data(), text.size());
    }
  }
  // A line without its CRLF; false at the end of the stream.
  bool ReadLine(std::string* line) {
    while (true) {
      const size_t eol = buffer_.find("\r\n");
      if (eol != std::string::npos) {
        *line = buffer_.substr(0, eol);
        buffer_.erase(0, eol + 2);
        return true;
      }
      char chunk[4096];
      pollfd p{fd_, POLLIN, 0};
      if (ssl_ == nullptr || SSL_pending(ssl_) == 0) {
        if (poll(&p, 1, 10000) <= 0) return false;
      }
      const int n = ssl_ != nullptr ? SSL_read(ssl_, chunk, sizeof(chunk))
                                    : static_cast<int>(read(fd_, chunk, sizeof(chunk)));
      if (n <= 0) return false;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  int fd_;
  SSL* ssl_ = nullptr;
  std::string buffer_;
};

std::string Unbase64(absl::string_view text) {
  std::string out;
  absl::Base64Unescape(text, &out);
  return out;
}

}  // namespace

void SmtpSink::Converse(int fd) {
  Connection c(fd);
  Message message;
  c.Write("220 localhost ESMTP vigil-test-sink\r\n");
  std::string line;
  while (c.ReadLine(&line)) {
    const std::string upper = absl::AsciiStrToUpper(line);
    if (absl::StartsWith(upper, "EHLO") || absl::StartsWith(upper, "HELO")) {
      c.Write(c.tls() ? "250-localhost\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"
                      : "250-localhost\r\n250-STARTTLS\r\n250 8BITMIME\r\n");
    } else if (upper == "STARTTLS") {
      c.Write("220 2.0.0 Ready to start TLS\r\n");
      if (!c.StartTls(ctx_.get())) return;
      message.tls = true;
    } else if (absl::StartsWith(upper, "AUTH PLAIN")) {
      std::string encoded(absl::StripAsciiWhitespace(line.substr(10)));
      if (encoded.empty()) {
        c.Write("334 \r\n");
        if (!c.ReadLine(&encoded)) return;
      }
      const std::vector<std::string> parts = absl::StrSplit(Unbase64(encoded), '\0');
      if (parts.size() == 3) {
        message.auth_user = parts[1];
        message.auth_password = parts[2];
      }
      c.Write("235 2.7.0 Authentication successful\r\n");
    } else if (absl::StartsWith(upper, "AUTH LOGIN")) {
      std::string user, password;
      c.Write("334 VXNlcm5hbWU6\r\n");
      if (!c.ReadLine(&user)) return;
      c.Write("334 UGFzc3dvcmQ6\r\n");
      if (!c.ReadLine(&password)) return;
      message.auth_user = Unbase64(user);
      message.auth_password = Unbase64(password);
      c.Write("235 2.7.0 Authentication successful\r\n");
    } else if (absl::StartsWith(upper, "MAIL FROM:")) {
      message.mail_from = line.substr(10);
      c.Write("250 2.1.0 OK\r\n");
    } else if (absl::StartsWith(upper, "RCPT TO:")) {
      message.rcpt_to.push_back(line.substr(8));
      c.Write("250 2.1.5 OK\r\n");
    } else if (upper == "DATA") {
      c.Write("354 End data with <CR><LF>.<CR><LF>\r\n");
      std::string data_line;
      while (c.ReadLine(&data_line) && data_line != ".") {
        if (absl::StartsWith(data_line, "..")) data_line.erase(0, 1);
        absl::StrAppend(&message.data, data_line, "\r\n");
      }
      {
        absl::MutexLock lock(&mu_);
        messages_.push_back(message);
      }
      c.Write("250 2.0.0 OK queued\r\n");
    } else if (upper == "QUIT") {
      c.Write("221 2.0.0 Bye\r\n");
      return;
    } else if (upper == "RSET" || upper == "NOOP") {
      c.Write("250 OK\r\n");
    } else {
      c.Write("502 5.5.2 Command not recognized\r\n");
    }
  }
}

std::vector<SmtpSink::Message> SmtpSink::Messages() const {
  absl::MutexLock lock(&mu_);
  return messages_;
}

bool SmtpSink::WaitForMessages(size_t count, absl::Duration timeout) const {
  const auto enough = [&] { return messages_.size() >= count; };
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::abort();
  }
  close(fd);
  return ntohs(addr.sin_port);
}

std::string DecodeBase64Lines(const std::string& text) {
  std::string joined;
  for (char c : text) {
    if (c != '\r' && c != '\n') joined.push_back(c);
  }
  return Unbase64(joined);
}

std::string DecodeHeaderWords(const std::string& text) {
  std::string out;
  for (absl::string_view word :
       absl::StrSplit(text, absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&word, "=?UTF-8?B?") && absl::ConsumeSuffix(&word, "?=")) {
      out += Unbase64(word);
    } else {
      out += std::string(word);
    }
  }
  return out;
}

std::string MailHeader(const std::string& message, const std::string& name) {
  const size_t end = message.find("\r\n\r\n");
  std::string value;
  bool in = false;
  for (absl::string_view line : absl::StrSplit(message.substr(0, end), "\r\n")) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      if (in) absl::StrAppend(&value, line);
      continue;
    }
    in = absl::StartsWithIgnoreCase(line, name + ":");
    if (in) value = std::string(absl::StripLeadingAsciiWhitespace(line.substr(name.size() + 1)));
  }
  return value;
}

std::string MailBody(const std::string& message) {
  const size_t end = message.find("\r\n\r\n");
  return end == std::string::npos ? "" : message.substr(end + 4);
}

}  // namespace vigil::testing
