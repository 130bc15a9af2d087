// The pages of the acknowledge link that notifications carry (ack_link.h): opened on an
// on-call engineer's phone, without a login (the link's signature is the credential).
//
//   GET /ack?alert&who&exp&sig   shows the alert and a button "Acknowledge / 确认" (a
//                                form that POSTs the same fields, plus a comment).
//                                It never acknowledges: chat apps fetch links ahead to
//                                preview them.
//   POST /ack                    acknowledges, and shows the result.
//
// Small self-contained HTML (no script, no external resources), UTF-8, a viewport for
// phones, Chinese and English side by side. Everything from the alert or the request is
// HTML-escaped.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "vigil/v1/alerts.pb.h"

namespace vigil::api {

// The fields of a signed link, as received.
struct AckLinkFields {
  std::string alert;
  std::string who;
  std::string exp;  // Unix seconds
  std::string sig;
};

// A text in both languages.
struct Bilingual {
  std::string zh;
  std::string en;
};

// &, <, >, " and ' as entities.
std::string HtmlEscape(absl::string_view text);

// The page: `title` and `message`; the alert's name, host, severity, state and summary
// when `alert` is given; the acknowledge form (hidden fields `link`, a comment box)
// when `form` is given.
std::string AckPage(const Bilingual& title, const Bilingual& message, const v1::Alert* alert,
                    const AckLinkFields* form);

// Response headers for these pages: not cached, not framed, no referrer (the URL holds
// the signature), no scripts, forms posted only to this origin.
std::vector<std::pair<std::string, std::string>> AckPageHeaders();

}  // namespace vigil::api
