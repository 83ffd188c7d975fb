#include "mock_upstream/schema_sample.hpp"

#include "mock_upstream/json_text.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cctype>

namespace tollgate::mock {
namespace {

namespace dom = simdjson::dom;

constexpr int kMaxDepth = 32;
constexpr int kMaxValues = 4096;

bool iequals_ascii(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

class SchemaSampler {
 public:
  explicit SchemaSampler(dom::element root) : root_(root) {}

  void sample(dom::element schema, int depth, std::string& out) {
    ++values_;
    const bool exhausted = depth > kMaxDepth || values_ > kMaxValues;
    dom::object object;
    if (schema.get_object().get(object)) {
      out.append("\"test\"");  // `true` or a malformed schema: anything goes
      return;
    }
    dom::element inner;
    if (!exhausted && resolve_indirection(object, inner)) {
      sample(inner, depth + 1, out);
      return;
    }
    if (append_fixed_value(object, out)) return;
    const std::string_view type = schema_type(object);
    if (iequals_ascii(type, "object")) {
      append_object(object, depth, exhausted, out);
    } else if (iequals_ascii(type, "array")) {
      append_array(object, depth, exhausted, out);
    } else if (iequals_ascii(type, "integer")) {
      out.push_back('1');
    } else if (iequals_ascii(type, "number")) {
      out.append("1.5");
    } else if (iequals_ascii(type, "boolean")) {
      out.append("true");
    } else if (iequals_ascii(type, "null")) {
      out.append("null");
    } else {
      out.append("\"test\"");
    }
  }

 private:
  // $ref, anyOf, oneOf, allOf: the schema to sample instead.
  bool resolve_indirection(dom::object object, dom::element& inner) {
    std::string_view ref;
    if (!object["$ref"].get(ref)) {
      if (ref.empty() || ref[0] != '#') return false;
      return !root_.at_pointer(ref.substr(1)).get(inner);
    }
    for (const char* key : {"anyOf", "oneOf", "allOf"}) {
      dom::array options;
      if (!object[key].get(options) && options.size() > 0) {
        return !options.at(0).get(inner);
      }
    }
    return false;
  }

  static bool append_fixed_value(dom::object object, std::string& out) {
    dom::element value;
    if (!object["const"].get(value)) {
      out.append(simdjson::minify(value));
      return true;
    }
    dom::array values;
    if (!object["enum"].get(values) && values.size() > 0 && !values.at(0).get(value)) {
      out.append(simdjson::minify(value));
      return true;
    }
    return false;
  }

  // "type" as a string, or the first non-null entry of a type array; else guessed from the
  // keywords present.
  static std::string_view schema_type(dom::object object) {
    std::string_view type;
    if (!object["type"].get(type)) return type;
    dom::array types;
    if (!object["type"].get(types)) {
      std::string_view fallback;
      for (dom::element entry : types) {
        if (entry.get(type)) continue;
        if (!iequals_ascii(type, "null")) return type;
        fallback = type;
      }
      return fallback;
    }
    if (!object["properties"].error()) return "object";
    if (!object["items"].error()) return "array";
    return {};
  }

  static bool is_required(dom::array required, std::string_view name) {
    for (dom::element entry : required) {
      std::string_view text;
      if (!entry.get(text) && text == name) return true;
    }
    return false;
  }

  void append_object(dom::object object, int depth, bool exhausted, std::string& out) {
    out.push_back('{');
    dom::object properties;
    if (!exhausted && !object["properties"].get(properties)) {
      dom::array required;
      const bool all = object["required"].get(required) || required.size() == 0;
      bool first = true;
      for (auto [name, property] : properties) {
        if (!all && !is_required(required, name)) continue;
        if (!first) out.push_back(',');
        first = false;
        append_json_string(out, name);
        out.push_back(':');
        sample(property, depth + 1, out);
      }
    }
    out.push_back('}');
  }

  void append_array(dom::object object, int depth, bool exhausted, std::string& out) {
    out.push_back('[');
    if (!exhausted) {
      dom::element items;
      if (object["items"].get(items) || !items.is_object()) {
        out.append("\"test\"");
      } else {
        sample(items, depth + 1, out);
      }
    }
    out.push_back(']');
  }

  dom::element root_;
  int values_ = 0;
};

}  // namespace

std::string sample_json(std::string_view schema) {
  if (schema.empty()) return "{}";
  thread_local dom::parser parser;
  dom::element root;
  if (parser.parse(schema.data(), schema.size()).get(root) || !root.is_object()) return "{}";
  std::string out;
  SchemaSampler(root).sample(root, 0, out);
  return out;
}

}  // namespace tollgate::mock
