// What every connection sends: the endpoint, resolved once at start, and the request as the
// exact bytes written for each exchange (built once, so a request costs one write and nothing
// else). Plain HTTP/1.1 only: the generator measures servers on loopback, and TLS would make it
// cost more than what it measures.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <string>
#include <vector>

namespace tollgate::loadgen {

struct Target {
  boost::asio::ip::tcp::endpoint endpoint;
  std::string request;  // request line, headers and body
};

// Parses `url` ("http://host[:port][/path]"), resolves the host, and builds a POST with `body`
// (a GET when `body` is empty) carrying `headers` ("name: value"), a Host header, the
// content-length and, unless a header sets it, content-type: application/json. Throws
// std::runtime_error with a message for the user when something is wrong (start-up only).
Target make_target(const std::string& url, const std::string& body,
                   const std::vector<std::string>& headers);

}  // namespace tollgate::loadgen
