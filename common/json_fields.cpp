#include "common/json_fields.h"

#include "common/json_depth.h"
#include "common/text.h"
#include "common/validate.h"

namespace photon::common {
namespace {
const Json* find(const Json& obj, const std::string& key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}
}  // namespace

Result<Json> parseJsonBody(std::string_view body) {
  // A byte that is not UTF-8 (a DMI serial from firmware) is replaced, not a reason to refuse
  // the whole body: every string stored from here on can be dumped again.
  std::string cleaned;
  std::string_view text = body;
  if (!isValidUtf8(body)) {
    cleaned = validUtf8(body);
    text = cleaned;
  }
  PHOTON_CHECK(checkJsonDepth(text));
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return invalid("body", "malformed JSON");
  if (!parsed.is_object()) return invalid("body", "must be a JSON object");
  return parsed;
}

std::string joinPath(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

Status requireObject(const Json& value, const std::string& path) {
  if (!value.is_object()) return invalid(path.empty() ? "body" : path, "must be an object");
  return {};
}

Result<std::string> readString(const Json& obj, const std::string& key, const std::string& path) {
  const Json* v = find(obj, key);
  if (!v) return invalid(joinPath(path, key), "is required");
  if (!v->is_string()) return invalid(joinPath(path, key), "must be a string");
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() > kMaxStringLength) return invalid(joinPath(path, key), "is too long");
  return s;
}

Result<std::string> readString(const Json& obj, const std::string& key, const std::string& path,
                               const std::string& fallback) {
  if (!find(obj, key)) return fallback;
  return readString(obj, key, path);
}

Result<int64_t> readInt(const Json& obj, const std::string& key, const std::string& path,
                        int64_t min, int64_t max) {
  const Json* v = find(obj, key);
  if (!v) return invalid(joinPath(path, key), "is required");
  if (!v->is_number_integer()) return invalid(joinPath(path, key), "must be an integer");
  int64_t n = 0;
  if (v->is_number_unsigned()) {
    auto u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return invalid(joinPath(path, key), "out of range");
    n = static_cast<int64_t>(u);
  } else {
    n = v->get<int64_t>();
  }
  if (n < min || n > max) {
    return invalid(joinPath(path, key),
                   "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return n;
}

Result<int64_t> readInt(const Json& obj, const std::string& key, const std::string& path,
                        int64_t min, int64_t max, int64_t fallback) {
  if (!find(obj, key)) return fallback;
  return readInt(obj, key, path, min, max);
}

Result<bool> readBool(const Json& obj, const std::string& key, const std::string& path) {
  const Json* v = find(obj, key);
  if (!v) return invalid(joinPath(path, key), "is required");
  if (!v->is_boolean()) return invalid(joinPath(path, key), "must be true or false");
  return v->get<bool>();
}

Result<bool> readBool(const Json& obj, const std::string& key, const std::string& path,
                      bool fallback) {
  if (!find(obj, key)) return fallback;
  return readBool(obj, key, path);
}

Result<std::vector<std::string>> readStringList(const Json& obj, const std::string& key,
                                                const std::string& path) {
  std::vector<std::string> out;
  const Json* v = find(obj, key);
  if (!v) return out;
  auto field = joinPath(path, key);
  if (!v->is_array()) return invalid(field, "must be a list of strings");
  if (v->size() > kMaxListLength) return invalid(field, "has too many entries");
  for (size_t i = 0; i < v->size(); ++i) {
    const auto& item = (*v)[i];
    auto item_field = field + "[" + std::to_string(i) + "]";
    if (!item.is_string()) return invalid(item_field, "must be a string");
    if (item.get_ref<const std::string&>().size() > kMaxStringLength) {
      return invalid(item_field, "is too long");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<std::map<std::string, std::string>> readLabels(const Json& obj, const std::string& key,
                                                      const std::string& path) {
  std::map<std::string, std::string> out;
  const Json* v = find(obj, key);
  if (!v) return out;
  auto field = joinPath(path, key);
  if (!v->is_object()) return invalid(field, "must be an object of label: value");
  if (v->size() > 64) return invalid(field, "has more than 64 labels");
  for (const auto& [k, value] : v->items()) {
    auto item_field = field + "." + k;
    if (!isValidLabelKey(k)) return invalid(item_field, "label key must be [a-z0-9-]");
    if (!value.is_string()) return invalid(item_field, "must be a string");
    const auto& s = value.get_ref<const std::string&>();
    if (!isValidLabelValue(s)) {
      return invalid(item_field, "label value must be up to 63 characters of [A-Za-z0-9._-]");
    }
    out[k] = s;
  }
  return out;
}

Result<Json> readObject(const Json& obj, const std::string& key, const std::string& path) {
  const Json* v = find(obj, key);
  if (!v) return Json::object();
  if (!v->is_object()) return invalid(joinPath(path, key), "must be an object");
  return *v;
}

Result<Json> readArray(const Json& obj, const std::string& key, const std::string& path) {
  const Json* v = find(obj, key);
  if (!v) return Json::array();
  if (!v->is_array()) return invalid(joinPath(path, key), "must be a list");
  if (v->size() > kMaxListLength) return invalid(joinPath(path, key), "has too many entries");
  return *v;
}

}  // namespace photon::common
