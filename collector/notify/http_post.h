// The channels' one HTTP client: a libcurl easy handle per request, with the
// receiver's timeout and CA file; TLS peer and host verification are always on.
// Also the one place that makes a URL safe to print (RedactUrl): the IM robots' keys and
// tokens are in the query string.
//
// Thread-safe: each call uses its own handle (curl_global_init runs once).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace vigil::notify {

struct HttpRequest {
  std::string method = "POST";  // GET or POST
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string content_type = "application/json";
  std::string body;
  absl::Duration timeout = absl::Seconds(10);
  std::string ca_file;  // "" = the system's CA store
};

struct HttpResponse {
  int status = 0;
  std::string body;                                   // at most 64 KiB kept
  absl::Duration retry_after = absl::ZeroDuration();  // from a Retry-After header (seconds)
};

// Sends `request`. A transport failure (refused, timeout, TLS) is kUnavailable with
// curl's reason and the redacted URL; an HTTP error status is a response, not an error.
absl::StatusOr<HttpResponse> HttpSend(const HttpRequest& request);

// `url` without its query string, fragment and user info: "https://host/path?…".
std::string RedactUrl(absl::string_view url);

// Percent-encodes everything but RFC 3986's unreserved characters.
std::string UrlEncode(absl::string_view text);

// Runs curl_global_init once; every libcurl user calls it before its first handle.
void InitCurlOnce();

}  // namespace vigil::notify
