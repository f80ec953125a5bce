#include "common/json_dump.h"

#include <vector>

#include "common/text.h"

namespace photon::common {

void sanitizeJsonStrings(Json& root) {
  std::vector<Json*> pending = {&root};
  while (!pending.empty()) {
    Json* value = pending.back();
    pending.pop_back();
    if (value->is_string()) {
      auto& text = value->get_ref<std::string&>();
      if (!isValidUtf8(text)) text = validUtf8(text);
    } else if (value->is_array()) {
      for (auto& item : *value) pending.push_back(&item);
    } else if (value->is_object()) {
      std::vector<std::string> bad_keys;
      for (auto it = value->begin(); it != value->end(); ++it) {
        if (!isValidUtf8(it.key())) bad_keys.push_back(it.key());
      }
      for (const auto& key : bad_keys) {
        Json moved = std::move((*value)[key]);
        value->erase(key);
        (*value)[validUtf8(key)] = std::move(moved);
      }
      for (auto& item : value->items()) pending.push_back(&item.value());
    }
  }
}

std::string dumpJson(const Json& value, int indent) {
  try {
    return value.dump(indent);
  } catch (const Json::type_error&) {
    // 316: a string that is not UTF-8. Rare, so the copy is made only then.
    Json clean = value;
    sanitizeJsonStrings(clean);
    return clean.dump(indent);
  }
}

}  // namespace photon::common
