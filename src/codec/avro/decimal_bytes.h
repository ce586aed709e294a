// DECIMAL text -> Avro `decimal` logical-type bytes: the unscaled value as big-endian two's
// complement in the fewest bytes (at least one), as Java's BigInteger.toByteArray() does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice::codec::avro {

// Appends the bytes of `text` ("-1234.5678", "0.5", "42") scaled to `scale` fraction digits.
// InvalidArgument if `text` is not a decimal number or has more than `scale` fraction digits
// (nonzero ones; trailing zeros are dropped).
base::Status AppendDecimalBytes(std::string_view text, uint8_t scale, std::string* out);

}  // namespace sluice::codec::avro
