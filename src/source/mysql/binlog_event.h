// Binlog event framing: the v4 event header, event type codes and header flags.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace sluice::source::mysql {

enum EventType : uint8_t {
  kUnknownEvent = 0,
  kStartEventV3 = 1,
  kQueryEvent = 2,
  kStopEvent = 3,
  kRotateEvent = 4,
  kIntvarEvent = 5,
  kSlaveEvent = 7,
  kAppendBlockEvent = 9,
  kDeleteFileEvent = 11,
  kRandEvent = 13,
  kUserVarEvent = 14,
  kFormatDescriptionEvent = 15,
  kXidEvent = 16,
  kBeginLoadQueryEvent = 17,
  kExecuteLoadQueryEvent = 18,
  kTableMapEvent = 19,
  kWriteRowsEventV1 = 23,
  kUpdateRowsEventV1 = 24,
  kDeleteRowsEventV1 = 25,
  kIncidentEvent = 26,
  kHeartbeatEvent = 27,
  kIgnorableEvent = 28,
  kRowsQueryEvent = 29,
  kWriteRowsEventV2 = 30,
  kUpdateRowsEventV2 = 31,
  kDeleteRowsEventV2 = 32,
  kGtidEvent = 33,
  kAnonymousGtidEvent = 34,
  kPreviousGtidsEvent = 35,
  kTransactionContextEvent = 36,
  kViewChangeEvent = 37,
  kXaPrepareEvent = 38,
  kPartialUpdateRowsEvent = 39,
  kTransactionPayloadEvent = 40,
  kHeartbeatEventV2 = 41,
  kMariaAnnotateRowsEvent = 160,
  kMariaBinlogCheckpointEvent = 161,
  kMariaGtidEvent = 162,
  kMariaGtidListEvent = 163,
  kMariaStartEncryptionEvent = 164,
  kMariaQueryCompressedEvent = 165,
  kMariaWriteRowsCompressedEventV1 = 166,
  kMariaUpdateRowsCompressedEventV1 = 167,
  kMariaDeleteRowsCompressedEventV1 = 168,
};

// Printable name of an event type ("QUERY", "TABLE_MAP", ...; "UNKNOWN" otherwise).
std::string_view EventTypeName(uint8_t type);

inline constexpr size_t kEventHeaderSize = 19;
inline constexpr size_t kChecksumSize = 4;

inline constexpr uint16_t kFlagArtificial = 0x0020;
inline constexpr uint16_t kFlagIgnorable = 0x0080;

// MariaDB GTID_EVENT flags2.
inline constexpr uint8_t kGtidStandalone = 0x01;
inline constexpr uint8_t kGtidGroupCommitId = 0x02;
inline constexpr uint8_t kGtidPreparedXa = 0x40;
inline constexpr uint8_t kGtidCompletedXa = 0x80;

struct EventHeader {
  uint32_t timestamp = 0;
  uint8_t type = 0;
  uint32_t server_id = 0;
  uint32_t event_length = 0;
  uint32_t next_position = 0;
  uint16_t flags = 0;

  // Offset of the event in its file (0 if unknown, e.g. for fake events).
  uint64_t offset() const {
    return next_position >= event_length ? next_position - event_length : 0;
  }
};

// Decodes the 19-byte header; false if fewer than 19 bytes.
bool ParseEventHeader(std::span<const uint8_t> event, EventHeader* header);

}  // namespace sluice::source::mysql
