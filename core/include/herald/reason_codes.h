/* Herald reason codes: the one registry of every reject reason a client or plugin can see.
 * Plain C so it crosses the plugin ABI and is shared by every protocol. Values below 0x100 equal the
 * MQTT 5 reason code of the same meaning; Herald-specific codes start at 0x100 and name the MQTT 5
 * code a gateway sends where only one byte fits (see docs/protocol.md, "Reason codes").
 * Append only: a value, once released, never changes meaning. */
#ifndef HERALD_REASON_CODES_H
#define HERALD_REASON_CODES_H

#include <stdint.h>

#define HERALD_REASON_CODES(X)                                                                \
  /* name                         value   mqtt5  text */                                     \
  X(OK,                           0x0000, 0x00, "ok")                                         \
  X(UNSPECIFIED_ERROR,            0x0080, 0x80, "unspecified error")                          \
  X(MALFORMED,                    0x0081, 0x81, "malformed packet")                           \
  X(PROTOCOL_ERROR,               0x0082, 0x82, "protocol error")                             \
  X(IMPLEMENTATION_SPECIFIC,      0x0083, 0x83, "implementation specific error")              \
  X(UNSUPPORTED_VERSION,          0x0084, 0x84, "unsupported protocol version")               \
  X(CLIENT_ID_INVALID,            0x0085, 0x85, "client identifier not valid")                \
  X(BAD_CREDENTIALS,              0x0086, 0x86, "bad user name or password")                  \
  X(NOT_AUTHORIZED,               0x0087, 0x87, "not authorized")                             \
  X(SERVER_UNAVAILABLE,           0x0088, 0x88, "server unavailable")                         \
  X(SERVER_BUSY,                  0x0089, 0x89, "server busy")                                \
  X(BANNED,                       0x008A, 0x8A, "banned")                                     \
  X(SERVER_SHUTTING_DOWN,         0x008B, 0x8B, "server shutting down")                       \
  X(KEEPALIVE_TIMEOUT,            0x008D, 0x8D, "keep alive timeout")                         \
  X(SESSION_TAKEN_OVER,           0x008E, 0x8E, "session taken over")                         \
  X(TOPIC_FILTER_INVALID,         0x008F, 0x8F, "topic filter invalid")                       \
  X(TOPIC_NAME_INVALID,           0x0090, 0x90, "topic name invalid")                         \
  X(PACKET_ID_IN_USE,             0x0091, 0x91, "packet identifier in use")                   \
  X(PACKET_ID_NOT_FOUND,          0x0092, 0x92, "packet identifier not found")                \
  X(RECEIVE_MAXIMUM_EXCEEDED,     0x0093, 0x93, "receive maximum exceeded")                   \
  X(TOPIC_ALIAS_INVALID,          0x0094, 0x94, "topic alias invalid")                        \
  X(PACKET_TOO_LARGE,             0x0095, 0x95, "packet too large")                           \
  X(MESSAGE_RATE_TOO_HIGH,        0x0096, 0x96, "message rate too high")                      \
  X(QUOTA_EXCEEDED,               0x0097, 0x97, "quota exceeded")                             \
  X(ADMINISTRATIVE_ACTION,        0x0098, 0x98, "administrative action")                      \
  X(PAYLOAD_FORMAT_INVALID,       0x0099, 0x99, "payload format invalid")                     \
  X(QOS_NOT_SUPPORTED,            0x009B, 0x9B, "qos not supported")                          \
  X(USE_ANOTHER_SERVER,           0x009C, 0x9C, "use another server")                         \
  X(CONNECTION_RATE_EXCEEDED,     0x009F, 0x9F, "connection rate exceeded")                   \
  /* Herald-specific */                                                                       \
  X(INVALID_ID,                   0x0100, 0x83, "invalid user, device, group or room id")     \
  X(NOT_MEMBER,                   0x0101, 0x87, "not a member of the conversation")           \
  X(MUTED,                        0x0102, 0x87, "sender is muted")                            \
  X(CONTENT_REJECTED,             0x0103, 0x83, "content rejected by filter")                 \
  X(RECALL_WINDOW_EXPIRED,        0x0104, 0x83, "recall window expired")                      \
  X(NOT_FOUND,                    0x0105, 0x83, "not found")                                  \
  X(ALREADY_EXISTS,               0x0106, 0x83, "already exists")                             \
  X(PAYLOAD_TOO_LARGE,            0x0107, 0x95, "payload too large")                          \
  X(INVALID_REQUEST,              0x0108, 0x99, "invalid request")                            \
  X(STORAGE_UNAVAILABLE,          0x0109, 0x80, "storage unavailable")                        \
  X(DEPENDENCY_UNAVAILABLE,       0x010A, 0x80, "dependency unavailable (circuit open)")      \
  X(TIMEOUT,                      0x010B, 0x80, "timed out")                                  \
  X(RATE_LIMITED,                 0x010C, 0x97, "rate limited")                               \
  X(VERSION_GAP,                  0x010D, 0x83, "sync chain broken: page history instead")    \
  X(FORBIDDEN_ROLE,               0x010E, 0x87, "role does not allow this operation")         \
  X(UNSUPPORTED_FEATURE,          0x010F, 0x83, "feature not supported")                      \
  X(TOKEN_EXPIRED,                0x0110, 0x86, "token expired")

typedef enum herald_reason {
#define HERALD_REASON_ENUM_(name, value, mqtt5, text) HERALD_REASON_##name = value,
  HERALD_REASON_CODES(HERALD_REASON_ENUM_)
#undef HERALD_REASON_ENUM_
} herald_reason;

#endif /* HERALD_REASON_CODES_H */
