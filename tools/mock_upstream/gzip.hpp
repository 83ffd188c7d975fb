// gzip (RFC 1952) compression for the `gzip` fault.
#pragma once

#include <string>
#include <string_view>

namespace tollgate::mock {

std::string gzip_compress(std::string_view data);

}  // namespace tollgate::mock
