#include "api/openai/model_field.hpp"

#include "api/json_text.hpp"
#include "api/json_validation.hpp"

namespace tollgate::api::openai {

namespace {

namespace ondemand = simdjson::ondemand;

RequestError error(std::string message, std::string param, std::string code) {
  return RequestError{std::move(message), std::move(param), std::move(code)};
}

RequestError invalid_json() {
  return error("We could not parse the JSON body of your request. The body must be one JSON "
               "object.",
               "", "invalid_json");
}

}  // namespace

std::variant<ModelFieldView, RequestError> read_model_field(std::string_view body) {
  simdjson::padded_string padded(body);
  ondemand::parser parser;
  ondemand::document document;
  if (parser.iterate(padded).get(document)) return invalid_json();
  ondemand::object object;
  ondemand::json_type type;
  if (document.type().get(type)) return invalid_json();
  if (type != ondemand::json_type::object) {
    return error("The request body must be a JSON object.", "", "invalid_type");
  }
  if (document.get_object().get(object)) return invalid_json();

  ModelFieldView view;
  bool seen_model = false;
  bool seen_stream = false;
  for (auto field_result : object) {
    JsonField field;
    if (read_json_field(std::move(field_result), field)) return invalid_json();
    if (field.key == "model" || field.key == "stream") {
      bool& seen = field.key == "model" ? seen_model : seen_stream;
      if (seen) {
        return error("The parameter '" + std::string(field.key) + "' appears more than once.",
                     std::string(field.key), "duplicate_parameter");
      }
      seen = true;
    }
    if (field.key == "model") {
      std::string_view token = trim_json_whitespace_end(field.value.raw_json_token());
      std::string_view model;
      if (field.value.get_string().get(model)) {
        return error("Invalid type for 'model': expected a string.", "model", "invalid_type");
      }
      if (model.empty()) {
        return error("Invalid value for 'model': it must not be empty.", "model",
                     "invalid_value");
      }
      view.model = std::string(model);
      view.model_value = {static_cast<std::size_t>(token.data() - padded.data()), token.size()};
    } else if (field.key == "stream") {
      ondemand::json_type kind;
      if (field.value.type().get(kind)) return invalid_json();
      if (kind == ondemand::json_type::null) continue;
      if (field.value.get_bool().get(view.stream)) {
        return error("Invalid type for 'stream': expected a boolean.", "stream", "invalid_type");
      }
    } else if (field.key == "max_tokens" || field.key == "n") {
      std::int64_t number = 0;
      if (!field.value.get_int64().get(number)) {
        (field.key == "n" ? view.n : view.max_tokens) = number;
      } else if (validate_json_value(field.value, 2)) {
        return invalid_json();
      }
    } else if (validate_json_value(field.value, 2)) {
      return invalid_json();
    }
  }
  if (!document.current_location().error()) return invalid_json();  // a second value follows
  if (!seen_model) {
    return error("You must provide a model parameter.", "model", "missing_required_parameter");
  }
  return view;
}

std::string replace_model(std::string_view body, const ModelFieldView& view,
                          std::string_view model) {
  std::string out;
  out.reserve(body.size() + model.size());
  out.append(body.substr(0, view.model_value.offset));
  append_json_string(out, model);
  out.append(body.substr(view.model_value.offset + view.model_value.length));
  return out;
}

}  // namespace tollgate::api::openai
