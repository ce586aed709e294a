// DECIMAL text -> the unscaled value as big-endian two's complement in the fewest bytes (at
// least one), as Java's BigInteger.toByteArray() writes it: Avro's `decimal` logical type and
// Kafka Connect's `Decimal` (Debezium) both carry these bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice::codec {

// Appends the bytes of `text` ("-1234.5678", "0.5", "42") scaled to `scale` fraction digits
// ("12.3" with scale 3 -> 12300). InvalidArgument naming the text if it is not a decimal
// number or has more than `scale` fraction digits (nonzero ones; trailing zeros are dropped).
base::Status AppendDecimalBytes(std::string_view text, uint8_t scale, std::string* out);

// Appends the bytes of a non-negative integer (BIGINT UNSIGNED as a scale-0 decimal).
void AppendUnsignedBytes(uint64_t value, std::string* out);

}  // namespace sluice::codec
