// The label matcher list of a selector, `{job="db", mode=~"idle|iowait",}`, shared by
// the PromQL parser (parser.h) and ParseSelector (selector.h) so that both accept the
// same text and say the same things about it.
//
// Thread-safe (no shared state).
#pragma once

#include <optional>
#include <vector>

#include "collector/query/lexer.h"
#include "collector/storage/label_matcher.h"

namespace vigil::query {

// Reads `{ matcher, ... }` from `lexer`, whose current token must be `{`, through the
// closing `}`; appends the matchers. A trailing comma is allowed. On malformed text
// returns the first error (for a regex that does not compile: at the end of its string).
std::optional<SyntaxError> ParseMatcherList(Lexer& lexer,
                                            std::vector<storage::LabelMatcher>* matchers);

}  // namespace vigil::query
