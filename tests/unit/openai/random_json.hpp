// Random JSON for the differential tests of the passthrough's hand-written scans
// (passthrough_chunk_scan_test.cpp, passthrough_response_scan_test.cpp): the pieces both a chunk
// writer and a response writer are made of, and one random edit to break what they write.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace tollgate::providers::openai::random_json {

// Writes JSON into out_ with whitespace, member order, escapes, Unicode, numbers and nesting
// varied, now and then in ways that send a document to simdjson (an escaped key, a lone
// surrogate, a number beyond a double). Derived writers give it the shape of a document.
class RandomJsonWriter {
 protected:
  explicit RandomJsonWriter(std::uint32_t seed) : random_(seed) {}

  bool one_in(int n) { return std::uniform_int_distribution<int>(1, n)(random_) == 1; }
  int below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[static_cast<std::size_t>(below(static_cast<int>(items.size())))];
  }

  void null_value() { out_ += "null"; }

  void whitespace() {
    if (!one_in(8)) return;
    static const std::vector<std::string> kSpaces = {" ", "\n", "\r\n", "\t", "  "};
    out_ += pick(kSpaces);
  }

  template <typename WriteValue>
  void member(const std::string& key, WriteValue write_value) {
    whitespace();
    out_ += "\"" + key + "\"";
    whitespace();
    out_ += ":";
    whitespace();
    write_value();
    whitespace();
  }

  void shuffle_and_write_object(std::vector<std::function<void()>>& members) {
    std::shuffle(members.begin(), members.end(), random_);
    out_ += "{";
    for (std::size_t index = 0; index < members.size(); ++index) {
      if (index > 0) out_ += ",";
      members[index]();
    }
    if (members.empty()) whitespace();
    out_ += "}";
  }

  std::string random_key() {
    static const std::vector<std::string> kKeys = {
        "x",       "service_tier", "logprobs", "content",       "model",
        "choices", "usage",        "error",    "obfuscation",   "k\\u0065y",
        "",        "tool_calls",   "delta",    "finish_reason", "\xC3\xA9"};
    return pick(kKeys);
  }

  void string_value() {
    static const std::vector<std::string> kPieces = {"Hello",
                                                     " token",
                                                     "",
                                                     "\\n",
                                                     "\\\"",
                                                     "\\\\",
                                                     "\\/",
                                                     "\\b\\f\\r\\t",
                                                     "\\u00e9",
                                                     "\\u0000",
                                                     "\\ud83d\\ude00",
                                                     "\xC3\xA9",
                                                     "\xE6\xBC\xA2",
                                                     "\xF0\x9F\x98\x80",
                                                     "{\\\"a\\\":",
                                                     "\x7F",
                                                     " ",
                                                     "model",
                                                     "\\u20AC",
                                                     "\\uD800"};
    out_ += "\"";
    const int pieces = below(4);
    for (int index = 0; index < pieces; ++index) {
      const std::string& piece = pick(kPieces);
      if (piece == "\\uD800" && !one_in(20)) continue;  // lone surrogates: rare
      out_ += piece;
    }
    out_ += "\"";
  }

  void number() {
    static const std::vector<std::string> kNumbers = {
        "0",     "-0",       "7",    "1735689600", "-12",
        "3.25",  "-0.5e-3",  "1E+2", "6.02e23",    "123456789012345678901234567890",
        "1e400", "0.0000001"};
    out_ += pick(kNumbers);
  }

  void value(int depth) {
    switch (below(depth > 0 ? 8 : 6)) {
      case 0:
      case 1:  // strings twice as often as the rest: they are most of a document
        string_value();
        return;
      case 2:
        number();
        return;
      case 3:
        null_value();
        return;
      case 4:
        out_ += "true";
        return;
      case 5:
        out_ += "false";
        return;
      case 6: {
        std::vector<std::function<void()>> members;
        const int count = below(4);
        for (int index = 0; index < count; ++index) {
          members.push_back([&, depth] { member(random_key(), [&] { value(depth - 1); }); });
        }
        shuffle_and_write_object(members);
        return;
      }
      default: {
        out_ += "[";
        whitespace();
        const int count = below(4);
        for (int index = 0; index < count; ++index) {
          if (index > 0) out_ += ",";
          whitespace();
          value(depth - 1);
          whitespace();
        }
        out_ += "]";
      }
    }
  }

  std::mt19937 random_;
  std::string out_;
};

// One random edit: bytes changed, inserted, deleted, cut or repeated, drawn from the characters
// that matter to JSON.
inline std::string mutate(std::string text, std::mt19937& random) {
  static const std::string kBytes =
      std::string("{}[]:,\"\\ \n\t0123456789-+.eEtrufalsn/ubx") +
      std::string("\0\x01\x1F\x7F\x80\xBF\xC0\xC3\xED\xF0\xF4\xFF", 12);
  auto below = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n == 0 ? 0 : n - 1)(random);
  };
  const char byte = kBytes[below(kBytes.size())];
  const std::size_t at = below(text.size() + 1);
  switch (below(5)) {
    case 0:
      if (at < text.size()) text[at] = byte;
      break;
    case 1:
      text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), byte);
      break;
    case 2:
      if (at < text.size()) text.erase(at, 1 + below(3));
      break;
    case 3:
      text.resize(at);
      break;
    default: {
      const std::size_t length = below(8) + 1;
      text.insert(at, text.substr(below(text.size() + 1), length));
    }
  }
  return text;
}

}  // namespace tollgate::providers::openai::random_json
