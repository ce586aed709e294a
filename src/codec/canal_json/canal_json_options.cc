#include "codec/canal_json/canal_json_options.h"

namespace sluice::codec::canal_json {

const base::OptionSet<CanalJsonOptions>& CanalJsonOptionSet() {
  using O = CanalJsonOptions;
  static const base::OptionSet<O> set = [] {
    base::OptionSet<O> s = {
        {{.name = "only-output-updated-columns",
          .kind = base::OptionKind::kBool,
          .default_text = "false",
          .doc = "canal-json / open-protocol: the old image of an UPDATE holds only changed "
                 "columns."},
         base::SetField(&O::only_output_updated_columns)},
        {{.name = "content-compatible",
          .kind = base::OptionKind::kBool,
          .default_text = "false",
          .doc = "canal-json: content compatible with official Canal; forces "
                 "only-output-updated-columns=true."},
         base::SetField(&O::content_compatible)},
        {{.name = "delete-only-output-handle-key-columns",
          .kind = base::OptionKind::kBool,
          .default_text = "false",
          .doc = "canal-json / open-protocol: DELETE events carry only the handle-key columns."},
         base::SetField(&O::delete_only_output_handle_key_columns)},
    };
    s.AddValidator([](O& o, const base::GivenOptions&, const base::OptionContext&) {
      if (o.content_compatible) o.only_output_updated_columns = true;
      return base::Status::Ok();
    });
    return s;
  }();
  return set;
}

}  // namespace sluice::codec::canal_json
