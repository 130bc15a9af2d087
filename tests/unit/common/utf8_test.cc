#include "common/utf8.h"

#include <catch2/catch.hpp>

namespace vigil {
namespace {

TEST_CASE("valid UTF-8 passes through unchanged") {
  for (const char* text : {"", "/data", "/数据/归档", "ü", "\xF0\x9F\x98\x80"}) {
    INFO(text);
    CHECK(IsValidUtf8(text));
    CHECK(ToValidUtf8(text) == text);
  }
}

TEST_CASE("invalid bytes are escaped so the original can still be read") {
  // "/数据" in GBK, as a Chinese-locale mount point may be named.
  CHECK_FALSE(IsValidUtf8("/\xCA\xFD\xBE\xDD"));
  CHECK(ToValidUtf8("/\xCA\xFD\xBE\xDD") == "/\\xCA\\xFD\\xBE\\xDD");
  // Latin-1 "ü", a truncated sequence, an overlong '/', a surrogate, beyond U+10FFFF.
  CHECK(ToValidUtf8("M\xFCnchen") == "M\\xFCnchen");
  CHECK(ToValidUtf8("ab\xE6\x95") == "ab\\xE6\\x95");
  CHECK(ToValidUtf8("\xC0\xAF") == "\\xC0\\xAF");
  CHECK(ToValidUtf8("\xED\xA0\x80") == "\\xED\\xA0\\x80");
  CHECK(ToValidUtf8("\xF4\x90\x80\x80") == "\\xF4\\x90\\x80\\x80");
  // Valid parts around invalid bytes are kept.
  CHECK(ToValidUtf8("数\xFF据") == "数\\xFF据");
  CHECK(IsValidUtf8(ToValidUtf8("\xFF\xFE\xC3")));
}

}  // namespace
}  // namespace vigil
