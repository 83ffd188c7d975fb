// URL parsing, name resolution and the request bytes.
#include "loadgen/target.hpp"

#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <string_view>

namespace tollgate::loadgen {

namespace {

bool has_name(std::string_view header, std::string_view lower_name) {
  const std::size_t colon = header.find(':');
  if (colon != lower_name.size()) return false;
  return std::equal(lower_name.begin(), lower_name.end(), header.begin(), [](char a, char b) {
    return a == (b >= 'A' && b <= 'Z' ? static_cast<char>(b - 'A' + 'a') : b);
  });
}

}  // namespace

Target make_target(const std::string& url, const std::string& body,
                   const std::vector<std::string>& headers) {
  constexpr std::string_view scheme = "http://";
  std::string_view rest = url;
  if (rest.substr(0, scheme.size()) != scheme) {
    throw std::runtime_error("--url must start with http:// (plain HTTP/1.1 only): " + url);
  }
  rest.remove_prefix(scheme.size());
  const std::size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  const std::string path(slash == std::string_view::npos ? "/" : rest.substr(slash));

  // host, host:port, [v6], [v6]:port
  std::string_view host = authority;
  std::string_view port_text = "80";
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) throw std::runtime_error("bad IPv6 host in --url: " + url);
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') throw std::runtime_error("bad --url: " + url);
      port_text = authority.substr(close + 2);
    }
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
  }
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (host.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() ||
      port == 0 || port > 65535) {
    throw std::runtime_error("bad host or port in --url: " + url);
  }

  Target target;
  boost::asio::io_context io;
  boost::asio::ip::tcp::resolver resolver(io);
  boost::system::error_code resolve_error;
  const auto results = resolver.resolve(std::string(host), std::string(port_text), resolve_error);
  if (resolve_error || results.empty()) {
    throw std::runtime_error("cannot resolve " + std::string(host) + ": " +
                             resolve_error.message());
  }
  target.endpoint = results.begin()->endpoint();

  std::string& request = target.request;
  request.reserve(256 + body.size());
  request.append(body.empty() ? "GET " : "POST ").append(path).append(" HTTP/1.1\r\n");
  request.append("Host: ").append(authority).append("\r\n");
  bool has_content_type = false;
  for (const std::string& header : headers) {
    if (header.find(':') == std::string::npos ||
        header.find_first_of("\r\n") != std::string::npos) {
      throw std::runtime_error("--header must be 'name: value': " + header);
    }
    if (has_name(header, "host") || has_name(header, "content-length")) {
      throw std::runtime_error("--header cannot set Host or Content-Length: " + header);
    }
    has_content_type = has_content_type || has_name(header, "content-type");
    request.append(header).append("\r\n");
  }
  if (!body.empty()) {
    if (!has_content_type) request.append("Content-Type: application/json\r\n");
    request.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  request.append("\r\n").append(body);
  return target;
}

}  // namespace tollgate::loadgen
