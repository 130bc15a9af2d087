// An HTTPS client for the collector's API in integration tests: cpp-httplib's SSLClient
// verifying the collector's certificate against the test CA, with an operator
// certificate and/or a bearer token as the credential.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace vigil::testing {

struct HttpsReply {
  int status = 0;  // 0: no answer (connection or TLS failure)
  std::string body;
  std::string content_type;
  std::string www_authenticate;
  // The body as JSON (a failed test if it is not).
  nlohmann::json Json() const;
};

using FormParams = std::vector<std::pair<std::string, std::string>>;

class HttpsClient {
 public:
  // `address` is host:port; `cert`/`key` (both or neither) a client certificate;
  // `token` is sent as "Authorization: Bearer <token>" when not empty.
  HttpsClient(std::string address, std::string ca, std::string cert = "", std::string key = "",
              std::string token = "");

  // GET path?params (URL-encoded here).
  HttpsReply Get(const std::string& path, const FormParams& params = {}) const;
  // POST with an application/x-www-form-urlencoded body.
  HttpsReply Post(const std::string& path, const FormParams& params = {}) const;
  // POST with a JSON body.
  HttpsReply PostJson(const std::string& path, const nlohmann::json& body) const;
  HttpsReply Delete(const std::string& path) const;

 private:
  // A request on a new connection that verifies the server against the CA and presents
  // this client's credential: `send(httplib::SSLClient&, const httplib::Headers&)`.
  template <typename Send>
  HttpsReply Exchange(Send send) const;

  std::string host_;
  int port_ = 0;
  std::string ca_, cert_, key_, token_;
};

// The peer certificate's serial number (hex) the HTTPS port at `address` presents, as
// verified against `ca`; "" if the handshake fails.
std::string ServerCertificateSerial(const std::string& address, const std::string& ca);

}  // namespace vigil::testing
