#include "sink/kafka/large_message_options.h"

namespace sluice::sink::kafka {

namespace {

const base::EnumNames<LargeMessageHandle>& HandleNames() {
  static const base::EnumNames<LargeMessageHandle> names{
      {{"none", LargeMessageHandle::kNone},
       {"handle-key-only", LargeMessageHandle::kHandleKeyOnly},
       {"claim-check", LargeMessageHandle::kClaimCheck}}};
  return names;
}

base::Status ValidateClaimCheck(LargeMessageOptions& o, const base::GivenOptions&,
                                const base::OptionContext& ctx) {
  if (o.handle != LargeMessageHandle::kClaimCheck) {
    if (!o.claim_check_storage_uri.empty()) {
      return base::InvalidArgument(
          "{}: claim-check-storage-uri is only used with large-message-handle-option=claim-check; "
          "set that option or remove the URI",
          ctx.what);
    }
    return base::Status::Ok();
  }
  if (o.claim_check_storage_uri.empty()) {
    return base::InvalidArgument(
        "{}: large-message-handle-option=claim-check needs claim-check-storage-uri; add "
        "claim-check-storage-uri=file:///path/to/dir",
        ctx.what);
  }
  std::string dir = o.claim_check_storage_uri.substr(std::string_view("file://").size());
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (dir.find("/../") != std::string::npos || dir.ends_with("/..")) {
    return base::InvalidArgument(
        "{}: claim-check-storage-uri must not contain '..'; give an absolute directory", ctx.what);
  }
  o.claim_check_dir = std::move(dir);
  return base::Status::Ok();
}

base::OptionSet<LargeMessageOptions> Make() {
  using O = LargeMessageOptions;
  base::OptionSet<O> s = {
      {{.name = "large-message-handle-option",
        .kind = base::OptionKind::kEnum,
        .default_text = "none",
        .doc = "What to do with a row message over the max message size: none fails the "
               "changefeed, handle-key-only sends only the primary-key columns, claim-check "
               "stores the full message under claim-check-storage-uri and sends the key columns "
               "with its location. Needs enable-tidb-extension=true.",
        .allowed = HandleNames().Names()},
       base::SetEnum(&O::handle, HandleNames())},
      {{.name = "claim-check-storage-uri",
        .kind = base::OptionKind::kString,
        .default_text = "",
        .doc = "Where claim-check stores full messages (one <uuid>.json file each, holding "
               "base64 key and value). Only local directories are supported.",
        .pattern = "^file:///.*$",
        .pattern_doc = "a file:///absolute/dir URI"},
       base::SetField(&O::claim_check_storage_uri)},
      {{.name = "large-message-handle-compression",
        .kind = base::OptionKind::kEnum,
        .default_text = "none",
        .doc = "Compression of the stored claim-check message. Only none is supported so far.",
        .allowed = {"none"}},
       [](O&, const base::OptionValue&) { return base::Status::Ok(); }},
  };
  s.AddValidator(ValidateClaimCheck);
  return s;
}

}  // namespace

std::string_view LargeMessageHandleName(LargeMessageHandle h) { return HandleNames().Name(h); }

const base::OptionSet<LargeMessageOptions>& LargeMessageOptionSet() {
  static const base::OptionSet<LargeMessageOptions> set = Make();
  return set;
}

}  // namespace sluice::sink::kafka
