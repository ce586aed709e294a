// Large messages (TiCDC's large-message-handle-option): what happens to a row message over the
// effective max message size of its topic. Declared once on the option engine; applied by the
// pipeline's produce path (pipeline/large_message.h).
#pragma once

#include <string>
#include <string_view>

#include "base/options.h"

namespace sluice::sink::kafka {

// What the pipeline does with a message over the effective max message size (ticdc.md §6).
enum class LargeMessageHandle { kNone, kHandleKeyOnly, kClaimCheck };

// "none", "handle-key-only", "claim-check".
std::string_view LargeMessageHandleName(LargeMessageHandle h);

struct LargeMessageOptions {
  LargeMessageHandle handle = LargeMessageHandle::kNone;
  std::string claim_check_storage_uri;  // "file:///dir" as given; claim-check only
  std::string claim_check_dir;          // the local directory of claim_check_storage_uri
};

// large-message-handle-option, claim-check-storage-uri, large-message-handle-compression, with
// the claim-check rules (a storage URI is needed by claim-check and only used by it).
const base::OptionSet<LargeMessageOptions>& LargeMessageOptionSet();

}  // namespace sluice::sink::kafka
