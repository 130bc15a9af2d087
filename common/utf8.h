// Making text from the kernel (mount points, device and interface names, process
// titles, data directories) valid UTF-8 before it goes into a protobuf string field.
// Protobuf rejects a message with invalid UTF-8 in a string, so one GBK or Latin-1 path
// on a host would otherwise make every batch from that host unreadable.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace vigil {

// True if `text` is valid UTF-8 (no overlong forms, surrogates or code points > U+10FFFF).
bool IsValidUtf8(absl::string_view text);

// `text` if it is valid UTF-8; otherwise a copy in which each byte that is not part of a
// valid sequence is written as \xNN (so the original bytes can still be read off).
std::string ToValidUtf8(absl::string_view text);

// The longest prefix of `text` that has at most `max_bytes` bytes and does not end in
// the middle of a UTF-8 sequence (for messages cut to a channel's size limit).
absl::string_view TruncateUtf8(absl::string_view text, size_t max_bytes);

}  // namespace vigil
