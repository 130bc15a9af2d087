#include "collector/api/ack_page.h"

#include "absl/strings/str_cat.h"

namespace vigil::api {
namespace {

constexpr char kStyle[] =
    "body{font-family:-apple-system,'PingFang SC','Noto Sans CJK SC',sans-serif;"
    "margin:0;padding:16px;background:#f4f5f7;color:#172b4d}"
    ".card{background:#fff;border-radius:8px;padding:16px;max-width:520px;margin:0 auto}"
    "h1{font-size:20px;margin:0 0 8px}p{margin:8px 0}"
    "table{border-collapse:collapse;width:100%;margin:12px 0}"
    "td{padding:6px 4px;border-top:1px solid #eee;vertical-align:top}"
    "td:first-child{color:#6b778c;white-space:nowrap;width:35%}"
    ".critical{color:#bf2600;font-weight:bold}.warning{color:#b65c02}"
    "textarea{width:100%;box-sizing:border-box;font-size:16px;min-height:64px}"
    "button{width:100%;font-size:18px;padding:14px;margin-top:12px;border:0;"
    "border-radius:6px;background:#0052cc;color:#fff}";

std::string Label(const v1::Alert& alert, absl::string_view name) {
  for (const v1::Label& l : alert.labels()) {
    if (l.name() == name) return l.value();
  }
  return "";
}

std::string Annotation(const v1::Alert& alert, absl::string_view name) {
  for (const v1::Annotation& a : alert.annotations()) {
    if (a.name() == name) return a.text();
  }
  return "";
}

void Row(absl::string_view label, absl::string_view value_html, std::string* out) {
  absl::StrAppend(out, "<tr><td>", label, "</td><td>", value_html, "</td></tr>\n");
}

void Hidden(absl::string_view name, absl::string_view value, std::string* out) {
  absl::StrAppend(out, "<input type=\"hidden\" name=\"", name, "\" value=\"", HtmlEscape(value),
                  "\">\n");
}

}  // namespace

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string AckPage(const Bilingual& title, const Bilingual& message, const v1::Alert* alert,
                    const AckLinkFields* form) {
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"robots\" content=\"noindex\">\n<title>Vigil: ",
      HtmlEscape(title.en), "</title>\n<style>", kStyle, "</style>\n</head>\n<body>\n",
      "<div class=\"card\">\n<h1>", HtmlEscape(title.zh), " / ", HtmlEscape(title.en), "</h1>\n",
      "<p>", HtmlEscape(message.zh), "</p>\n<p>", HtmlEscape(message.en), "</p>\n");
  if (alert != nullptr) {
    const std::string severity = alert->severity();
    std::string state = alert->state();
    if (alert->acknowledged()) {
      state = absl::StrCat(state, ", acknowledged by ", alert->acknowledged_by());
    }
    out += "<table>\n";
    Row("告警 Alert", HtmlEscape(alert->rule()), &out);
    Row("主机 Host", HtmlEscape(Label(*alert, "instance")), &out);
    Row("级别 Severity",
        absl::StrCat("<span class=\"", HtmlEscape(severity), "\">", HtmlEscape(severity),
                     "</span>"),
        &out);
    Row("状态 State", HtmlEscape(state), &out);
    const std::string summary = Annotation(*alert, "summary");
    if (!summary.empty()) Row("摘要 Summary", HtmlEscape(summary), &out);
    const std::string description = Annotation(*alert, "description");
    if (!description.empty()) Row("描述 Description", HtmlEscape(description), &out);
    out += "</table>\n";
  }
  if (form != nullptr) {
    out += "<form method=\"post\" action=\"ack\">\n";
    Hidden("alert", form->alert, &out);
    Hidden("who", form->who, &out);
    Hidden("exp", form->exp, &out);
    Hidden("sig", form->sig, &out);
    out +=
        "<label for=\"comment\">备注 Comment</label>\n"
        "<textarea id=\"comment\" name=\"comment\" maxlength=\"1000\"></textarea>\n"
        "<button type=\"submit\">Acknowledge / 确认</button>\n</form>\n";
  }
  out += "</div>\n</body>\n</html>\n";
  return out;
}

std::vector<std::pair<std::string, std::string>> AckPageHeaders() {
  return {{"Cache-Control", "no-store"},
          {"Referrer-Policy", "no-referrer"},
          {"X-Frame-Options", "DENY"},
          {"X-Content-Type-Options", "nosniff"},
          {"Content-Security-Policy",
           "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
           "frame-ancestors 'none'"}};
}

}  // namespace vigil::api
