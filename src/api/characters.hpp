// How much text a request holds, in the unit every surface estimates its prompt tokens from.
#pragma once

#include <cstddef>
#include <string_view>

namespace tollgate::api {

// The characters (code points) of UTF-8 text: its bytes that are not continuation bytes
// (10xxxxxx). Ill-formed text is not refused here; each byte that does not continue a sequence
// counts as one.
std::size_t count_characters(std::string_view utf8);

}  // namespace tollgate::api
