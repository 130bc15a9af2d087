#include "tests/integration/https_client.h"

#include <httplib.h>
#include <openssl/bn.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace vigil::testing {

nlohmann::json HttpsReply::Json() const {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  INFO(body);
  REQUIRE_FALSE(parsed.is_discarded());
  return parsed;
}

HttpsClient::HttpsClient(std::string address, std::string ca, std::string cert, std::string key,
                         std::string token)
    : ca_(std::move(ca)), cert_(std::move(cert)), key_(std::move(key)), token_(std::move(token)) {
  const size_t colon = address.rfind(':');
  host_ = address.substr(0, colon);
  REQUIRE(absl::SimpleAtoi(address.substr(colon + 1), &port_));
}

namespace {

HttpsReply ToReply(const httplib::Result& result) {
  HttpsReply reply;
  if (!result) return reply;
  reply.status = result->status;
  reply.body = result->body;
  reply.content_type = result->get_header_value("Content-Type");
  reply.www_authenticate = result->get_header_value("WWW-Authenticate");
  return reply;
}

std::string Encode(const FormParams& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    absl::StrAppend(&out, out.empty() ? "" : "&", httplib::detail::encode_query_param(name), "=",
                    httplib::detail::encode_query_param(value));
  }
  return out;
}

}  // namespace

template <typename Send>
HttpsReply HttpsClient::Exchange(Send send) const {
  httplib::SSLClient client(host_, port_, cert_, key_);
  client.set_ca_cert_path(ca_.c_str());
  client.enable_server_certificate_verification(true);
  client.set_read_timeout(std::chrono::seconds(30));
  httplib::Headers headers;
  if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
  return ToReply(send(client, headers));
}

HttpsReply HttpsClient::Get(const std::string& path, const FormParams& params) const {
  const std::string target = params.empty() ? path : absl::StrCat(path, "?", Encode(params));
  return Exchange([&](httplib::SSLClient& client, const httplib::Headers& headers) {
    return client.Get(target.c_str(), headers);
  });
}

HttpsReply HttpsClient::Post(const std::string& path, const FormParams& params) const {
  return Exchange([&](httplib::SSLClient& client, const httplib::Headers& headers) {
    return client.Post(path.c_str(), headers, Encode(params), "application/x-www-form-urlencoded");
  });
}

HttpsReply HttpsClient::PostJson(const std::string& path, const nlohmann::json& body) const {
  return Exchange([&](httplib::SSLClient& client, const httplib::Headers& headers) {
    return client.Post(path.c_str(), headers, body.dump(), "application/json");
  });
}

HttpsReply HttpsClient::Delete(const std::string& path) const {
  return Exchange([&](httplib::SSLClient& client, const httplib::Headers& headers) {
    return client.Delete(path.c_str(), headers);
  });
}

std::string ServerCertificateSerial(const std::string& address, const std::string& ca) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  REQUIRE(SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr) == 1);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  BIO* bio = BIO_new_ssl_connect(ctx);
  BIO_set_conn_hostname(bio, address.c_str());
  SSL* ssl = nullptr;
  BIO_get_ssl(bio, &ssl);
  std::string serial;
  if (BIO_do_connect(bio) > 0 && BIO_do_handshake(bio) > 0 &&
      SSL_get_verify_result(ssl) == X509_V_OK) {
    if (X509* cert = SSL_get1_peer_certificate(ssl)) {
      BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
      char* hex = BN_bn2hex(bn);
      serial = hex;
      OPENSSL_free(hex);
      BN_free(bn);
      X509_free(cert);
    }
  }
  BIO_free_all(bio);
  SSL_CTX_free(ctx);
  return serial;
}

}  // namespace vigil::testing
