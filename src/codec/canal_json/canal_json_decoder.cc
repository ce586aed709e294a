#include "codec/canal_json/canal_json_decoder.h"

#include <nlohmann/json.hpp>

namespace sluice::codec::canal_json {
namespace {

using Json = nlohmann::ordered_json;

// UTF-8 text whose code points are all <= U+00FF -> the bytes with those values.
bool Latin1Bytes(const std::string& utf8, std::string* out) {
  out->clear();
  for (size_t i = 0; i < utf8.size(); ++i) {
    auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      out->push_back(static_cast<char>(c));
    } else if ((c == 0xC2 || c == 0xC3) && i + 1 < utf8.size()) {
      auto c2 = static_cast<unsigned char>(utf8[++i]);
      if ((c2 & 0xC0) != 0x80) return false;
      out->push_back(static_cast<char>(((c & 0x03) << 6) | (c2 & 0x3F)));
    } else {
      return false;
    }
  }
  return true;
}

base::Status Bad(std::string_view field, std::string_view want) {
  return base::DataLoss("canal-json message: field '{}' is not {}", field, want);
}

base::Status ParseOneRow(const Json& obj, std::string_view field, const CanalJsonMessage& msg,
                         CanalRow* out) {
  if (!obj.is_object()) return Bad(field, "an array of objects");
  CanalRow row;
  row.reserve(obj.size());
  for (const auto& [name, v] : obj.items()) {
    if (v.is_null()) {
      row.emplace_back(name, std::nullopt);
    } else if (v.is_string()) {
      const std::string& text = v.get_ref<const std::string&>();
      const std::string* type = msg.MySqlTypeOf(name);
      if (type && IsBinaryMySqlType(*type)) {
        std::string bytes;
        if (!Latin1Bytes(text, &bytes)) {
          return base::DataLoss(
              "canal-json message: binary column '{}' has a character above U+00FF", name);
        }
        row.emplace_back(name, std::move(bytes));
      } else {
        row.emplace_back(name, text);
      }
    } else {
      // Tolerate native JSON values (other producers): keep their JSON text.
      row.emplace_back(name, v.dump());
    }
  }
  *out = std::move(row);
  return base::Status::Ok();
}

base::Status ParseRow(const Json& j, std::string_view field, const CanalJsonMessage& msg,
                      std::optional<CanalRow>* out, std::vector<CanalRow>* all) {
  if (j.is_null()) return base::Status::Ok();
  if (!j.is_array()) return Bad(field, "an array or null");
  if (j.empty()) return base::Status::Ok();
  all->resize(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    SLUICE_RETURN_IF_ERROR(ParseOneRow(j[i], field, msg, &(*all)[i]));
  }
  *out = all->front();
  return base::Status::Ok();
}

}  // namespace

const std::string* CanalJsonMessage::MySqlTypeOf(std::string_view column) const {
  for (const auto& [name, type] : mysql_type) {
    if (name == column) return &type;
  }
  return nullptr;
}

const std::optional<std::string>* FindColumn(const CanalRow& row, std::string_view column) {
  for (const auto& [name, v] : row) {
    if (name == column) return &v;
  }
  return nullptr;
}

bool IsBinaryMySqlType(std::string_view t) {
  return t.find("binary") != std::string_view::npos || t.find("blob") != std::string_view::npos ||
         t.find("geometry") != std::string_view::npos;
}

base::Result<CanalJsonMessage> DecodeCanalJson(std::string_view value) {
  Json j = Json::parse(value.begin(), value.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return base::DataLoss("canal-json message is not valid JSON");
  if (!j.is_object()) return base::DataLoss("canal-json message is not a JSON object");
  CanalJsonMessage m;
  try {
    if (auto it = j.find("id"); it != j.end() && !it->is_null()) m.id = it->get<int64_t>();
    if (auto it = j.find("database"); it != j.end() && !it->is_null()) {
      m.database = it->get<std::string>();
    }
    if (auto it = j.find("table"); it != j.end() && !it->is_null()) {
      m.table = it->get<std::string>();
    }
    if (auto it = j.find("pkNames"); it != j.end() && !it->is_null()) {
      m.pk_names = it->get<std::vector<std::string>>();
    }
    if (auto it = j.find("isDdl"); it != j.end() && !it->is_null()) m.is_ddl = it->get<bool>();
    if (auto it = j.find("type"); it != j.end() && !it->is_null()) {
      m.type = it->get<std::string>();
    }
    if (auto it = j.find("es"); it != j.end() && !it->is_null()) m.es = it->get<int64_t>();
    if (auto it = j.find("ts"); it != j.end() && !it->is_null()) m.ts = it->get<int64_t>();
    if (auto it = j.find("sql"); it != j.end() && !it->is_null()) m.sql = it->get<std::string>();
    if (auto it = j.find("sqlType"); it != j.end() && !it->is_null()) {
      if (!it->is_object()) return Bad("sqlType", "an object or null");
      for (const auto& [k, v] : it->items()) m.sql_type.emplace_back(k, v.get<int32_t>());
    }
    if (auto it = j.find("mysqlType"); it != j.end() && !it->is_null()) {
      if (!it->is_object()) return Bad("mysqlType", "an object or null");
      for (const auto& [k, v] : it->items()) m.mysql_type.emplace_back(k, v.get<std::string>());
    }
    if (auto it = j.find("data"); it != j.end()) {
      SLUICE_RETURN_IF_ERROR(ParseRow(*it, "data", m, &m.data, &m.data_rows));
    }
    if (auto it = j.find("old"); it != j.end()) {
      SLUICE_RETURN_IF_ERROR(ParseRow(*it, "old", m, &m.old, &m.old_rows));
    }
    if (auto it = j.find("_tidb"); it != j.end() && !it->is_null()) {
      if (!it->is_object()) return Bad("_tidb", "an object");
      CanalJsonMessage::TidbExtension ext;
      if (auto t = it->find("commitTs"); t != it->end()) ext.commit_ts = t->get<uint64_t>();
      if (auto t = it->find("watermarkTs"); t != it->end()) ext.watermark_ts = t->get<uint64_t>();
      if (auto t = it->find("onlyHandleKey"); t != it->end()) {
        ext.only_handle_key = t->get<bool>();
      }
      if (auto t = it->find("claimCheckLocation"); t != it->end()) {
        ext.claim_check_location = t->get<std::string>();
      }
      m.tidb = std::move(ext);
    }
  } catch (const nlohmann::json::exception& e) {
    return base::DataLoss("canal-json message has a field of the wrong type: {}", e.what());
  }
  return m;
}

}  // namespace sluice::codec::canal_json
