/* The messaging core's service table, "herald.im.v1": how a front (the gateway, the admin API, a
 * cluster bridge) hands client requests to the IM core and receives deliveries, without either side
 * naming the other. Look it up with host->service_lookup(ctx, HERALD_IM_SERVICE_V1) in start().
 *
 * Requests, responses and deliveries are Herald binary-protocol frames (docs/protocol.md, Part I),
 * encoded with protocols/binary: the protocol is already versioned, documented, and forward
 * compatible, so the ABI reuses it instead of inventing a second set of C structs. Request ids in
 * these frames are 0; the front puts its own on the wire. Plain C, append-only like plugin_abi.h. */
#ifndef HERALD_IM_SERVICE_H
#define HERALD_IM_SERVICE_H

#include <stdint.h>

#include "herald/plugin_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HERALD_IM_SERVICE_V1 "herald.im.v1"

/* Who is asking: one authenticated device connection (or a server-side caller). Borrowed. */
typedef struct herald_im_session {
  uint32_t struct_size;
  herald_str user;      /* user id (authenticated by the front) */
  herald_str device;    /* device id; the sending device gets the version-only entry */
  herald_str protocol;  /* "mqtt", "binary", "admin": for envelopes, logs and metrics */
  herald_str listener;  /* listener name, "" when none */
  herald_str peer;      /* "ip:port", "" when none */
  uint32_t loop;        /* loop the connection lives on (the pipeline runs there); UINT32_MAX: any */
} herald_im_session;

/* The answer to one request: an encoded response frame, or an empty string for requests that have
 * no response (PUSH_ACK). Called exactly once, from any thread (usually the messaging thread): post
 * to your own loop before touching connection state. The frame is borrowed for the call. */
typedef void (*herald_im_reply_fn)(void* arg, herald_str frame);

/* A registered push token of one device (PUSH_TOKEN, $im/push_token, admin API). Borrowed. */
typedef struct herald_im_push_target {
  uint32_t struct_size;
  herald_str device;
  uint32_t provider; /* binary PushProvider: 1 apns, 2 fcm, 3 huawei, 4 xiaomi, 5 oppo, 6 vivo, 7 honor */
  herald_str app_id; /* bundle id / package name / vendor app id */
  herald_str token;
  uint32_t sandbox;  /* 1: APNs development environment */
} herald_im_push_target;

/* A front that delivers to connected devices. Registered with attach_sink; calls come from the
 * messaging core's threads, never concurrently for the same sink and never after detach_sink returns. */
typedef struct herald_im_sink_v1 {
  uint32_t struct_size;
  void* arg;
  /* An encoded PUSH frame for `user` (entries already carry that user's versions and the badge):
   * deliver it to every connected device of the user except `except_device` ("" = all). The sink
   * tracks device acks and retransmits unacked entries with the same ids. */
  void (*deliver)(void* arg, herald_str user, herald_str except_device, herald_str push_frame);
  /* Room fan-out (lessons 10, 20): called once per event loop for each room message; deliver the
   * encoded PUSH frame to this sink's connections on loop `loop` that joined `room` (a ROOM_OP join
   * answered with RESULT). Room entries are not acked. */
  void (*deliver_room)(void* arg, uint32_t loop, herald_str room, herald_str push_frame);
  /* The device left `room` without asking (e.g. the room was closed): forget its membership. Optional. */
  void (*room_left)(void* arg, herald_str room, herald_str user, herald_str device);
  /* Optional (appended; check HERALD_STRUCT_HAS): offline push. Called after the commit, right after
   * deliver() of the same PUSH frame, when `user` has devices with a push token and no live connection
   * (the sending device excluded): `targets` are those devices (borrowed for the call). The frame's
   * badge is the user's total unread. A sink that sets it makes the core look tokens up per recipient;
   * deciding how to notify (collapse, silent pushes) is the sink's. Also called, later (from the
   * core's timer thread, or right before a newer offline push to that device), for one device that
   * was online when the frame was delivered but has not acked its entry's version within the im
   * plugin's push.ack_timeout (the same frame, its badge as at delivery), and for offline members of read-diffusion groups (up to push.read_diffusion_max
   * per message; deliver() is not called for them). Never concurrently with the sink's other calls. */
  void (*deliver_offline)(void* arg, herald_str user, herald_str push_frame, const herald_im_push_target* targets,
                          uint32_t target_count);
} herald_im_sink_v1;

/* Cluster mode (docs/cluster.md): a replication log offered by a bridge plugin (kafka). Every request
 * that changes state is appended to the log instead of being run locally; every node reads the log in
 * order and hands each record to apply(), so all nodes apply the same operations in the same order and
 * hold the same store (a replicated state machine; the log is the single writer's serialisation point). */
typedef void (*herald_im_log_done_fn)(void* arg, uint16_t reason, herald_str text); /* reason 0: durable in the log */

typedef struct herald_im_log_v1 {
  uint32_t struct_size;
  void* arg;
  /* Any thread, never blocks: append one opaque record. done() is called exactly once, from any thread:
   * reason 0 once the log holds it durably (e.g. Kafka acks=all), else the failure. A failed append may
   * still have reached the log (a timeout); the core answers the client with the failure and relies on
   * the retry's cmid for exactly-once. */
  void (*append)(void* arg, herald_str record, herald_im_log_done_fn done, void* done_arg);
  /* Optional (NULL: presence stays per node). Cluster-wide presence, for the offline-push decision:
   * device_sessions is called (any thread) whenever a device's number of sessions on this node changes
   * (0: gone); online_elsewhere (any thread, must not block) answers 1 while the device has a session
   * on another live node. */
  void (*device_sessions)(void* arg, herald_str user, herald_str device, uint32_t local_sessions);
  uint32_t (*online_elsewhere)(void* arg, herald_str user, herald_str device);
} herald_im_log_v1;

typedef struct herald_im_service_v1 {
  uint32_t struct_size;
  void* self;
  /* Any thread. One client request: `frame` is an encoded SEND, PUSH_ACK, SYNC_REQUEST,
   * HISTORY_REQUEST, READ, RECALL, DELETE, GROUP_OP, ROOM_OP, UNREAD_REQUEST or PUSH_TOKEN frame.
   * `reply` gets SEND_ACK, SYNC_PAGE, HISTORY_PAGE, RESULT, UNREAD_RESULT or ERROR (code, text,
   * retry_after_ms). SEND runs through the configured inbound pipeline (its stages may reject);
   * SEND_ACK comes only after the message is committed. */
  void (*request)(void* self, const herald_im_session* session, herald_str frame, herald_im_reply_fn reply,
                  void* arg);
  /* Any thread: a device connected / disconnected (presence; a disconnect leaves its rooms). */
  void (*session_opened)(void* self, const herald_im_session* session);
  void (*session_closed)(void* self, const herald_im_session* session);
  /* Any thread, never blocks on storage: the newest version of the user's timeline
   * (CONNECT_ACK.user_version). */
  uint64_t (*user_version)(void* self, herald_str user);
  /* Control thread. A sink stays attached until detached (at the latest in the front's stop()). */
  void (*attach_sink)(void* self, const herald_im_sink_v1* sink);
  void (*detach_sink)(void* self, const herald_im_sink_v1* sink);
  /* Appended (check HERALD_STRUCT_HAS): cluster mode. Control thread, before any client is served
   * (list the bridge before the fronts). From now on state-changing requests go to `log`. Returns the
   * log position to read from: one past the last record this node's store has applied (0: from the
   * start), or UINT64_MAX when the core refuses (im.replicated is not set: its store may hold local
   * changes). The log must outlive the service or be detached with attach_log(self, NULL), which
   * answers every request still waiting for its record with SERVER_SHUTTING_DOWN. */
  uint64_t (*attach_log)(void* self, const herald_im_log_v1* log);
  /* The bridge's reader thread: the record at `position`, in log order, each position once. Queues it
   * for the writer and returns; blocks only while too many records wait (back-pressure). */
  void (*apply)(void* self, uint64_t position, herald_str record);
  /* Any thread: the log position of the last record committed to this node's store + 1 (lag metrics,
   * catch-up before serving). */
  uint64_t (*applied_position)(void* self);
} herald_im_service_v1;

#ifdef __cplusplus
}
#endif

#endif /* HERALD_IM_SERVICE_H */
