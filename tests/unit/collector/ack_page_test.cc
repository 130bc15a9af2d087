// The acknowledge link's page: escaped, phone-friendly, bilingual, and a form that
// POSTs the signed fields (GET never acknowledges).
#include "collector/api/ack_page.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"

namespace vigil::api {
namespace {

TEST_CASE("HTML escaping covers the characters that break out of text and attributes") {
  CHECK(HtmlEscape(R"(<script>alert("x") & 'y'</script>)") ==
        "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;");
  CHECK(HtmlEscape("磁盘 full") == "磁盘 full");
}

TEST_CASE("The acknowledge page shows the alert and a form with the signed fields") {
  v1::Alert alert;
  alert.set_rule("DiskFull");
  for (auto [name, value] : {std::pair{"instance", "db1<b>"}, std::pair{"severity", "critical"}}) {
    v1::Label* l = alert.add_labels();
    l->set_name(name);
    l->set_value(value);
  }
  v1::Annotation* summary = alert.add_annotations();
  summary->set_name("summary");
  summary->set_text("磁盘将满 <img src=x onerror=alert(1)>");
  alert.set_severity("critical");
  alert.set_state("firing");
  const AckLinkFields link{"0123456789abcdef", "alice\"><script>", "1795470000", "c2lnbmF0dXJl"};

  const std::string page =
      AckPage({"确认告警", "Acknowledge alert"}, {"点击确认", "Press to confirm"}, &alert, &link);
  CHECK(absl::StartsWith(page, "<!DOCTYPE html>"));
  CHECK(absl::StrContains(page, R"(<meta charset="utf-8">)"));
  CHECK(absl::StrContains(page, R"(<meta name="viewport" content="width=device-width)"));
  CHECK(absl::StrContains(page, "确认告警 / Acknowledge alert"));
  CHECK(absl::StrContains(page, "DiskFull"));
  CHECK(absl::StrContains(page, "db1&lt;b&gt;"));
  CHECK(absl::StrContains(page, "磁盘将满 &lt;img src=x onerror=alert(1)&gt;"));
  CHECK(!absl::StrContains(page, "<img"));
  CHECK(!absl::StrContains(page, "<script>"));
  CHECK(absl::StrContains(page, R"(<form method="post" action="ack">)"));
  CHECK(absl::StrContains(page, R"(name="alert" value="0123456789abcdef")"));
  CHECK(absl::StrContains(page, R"(name="who" value="alice&quot;&gt;&lt;script&gt;")"));
  CHECK(absl::StrContains(page, R"(name="exp" value="1795470000")"));
  CHECK(absl::StrContains(page, R"(name="sig" value="c2lnbmF0dXJl")"));
  CHECK(absl::StrContains(page, R"(name="comment")"));
  CHECK(absl::StrContains(page, "Acknowledge / 确认"));

  const std::string message =
      AckPage({"链接无效", "Link not valid"}, {"过期", "expired"}, nullptr, nullptr);
  CHECK(!absl::StrContains(message, "<form"));
  CHECK(!absl::StrContains(message, "<table"));
  CHECK(absl::StrContains(message, "链接无效 / Link not valid"));
}

TEST_CASE("The acknowledge pages are not cached, framed or given a referrer") {
  bool no_store = false, no_referrer = false, csp = false;
  for (const auto& [name, value] : AckPageHeaders()) {
    if (name == "Cache-Control") no_store = value == "no-store";
    if (name == "Referrer-Policy") no_referrer = value == "no-referrer";
    if (name == "Content-Security-Policy") csp = absl::StrContains(value, "form-action 'self'");
  }
  CHECK(no_store);
  CHECK(no_referrer);
  CHECK(csp);
}

}  // namespace
}  // namespace vigil::api
