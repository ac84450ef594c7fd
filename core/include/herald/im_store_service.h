/* The messaging core's storage participation service, "herald.im.store.v1": lets a plugin keep its
 * own state in the messaging database, written in the SAME transaction as the messages it derives
 * from (e.g. unread counters), so a crash can never leave the two apart. A participant declares its
 * schema and gets callbacks on the writer thread inside the batch transaction; it runs SQL on the
 * writer's connection through the narrow statement API below (no raw sqlite3 handle: it may not
 * begin, commit, attach or write the core's tables). Look it up with
 * host->service_lookup(ctx, HERALD_IM_STORE_SERVICE_V1) in init(), so no message is stored before
 * the participant is in place. Plain C, append-only like plugin_abi.h.
 *
 * Read-only views the core keeps for participants and reconciliation tools (stable across versions):
 *   im_messages(conv, seq, sender, ts)          every durable message (c2c and groups; rooms have none)
 *   im_participants(user, conv, join_seq, read_seq)
 *       every current participant of a c2c conversation (after its first message) or a group,
 *       with the seq they joined at and their read cursor (0 when none).
 *   im_read_cursors(user, conv, seq)            read cursors (indexed by user, conv) */
#ifndef HERALD_IM_STORE_SERVICE_H
#define HERALD_IM_STORE_SERVICE_H

#include <stdint.h>

#include "herald/im_service.h"
#include "herald/plugin_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HERALD_IM_STORE_SERVICE_V1 "herald.im.store.v1"

typedef struct herald_im_sql herald_im_sql;   /* the writer's connection, valid during one callback */
typedef struct herald_im_stmt herald_im_stmt; /* a prepared statement, owned by the core */

/* A message committed in this transaction (c2c or group; rooms are not durable and never reported). */
typedef struct herald_im_message_event {
  uint32_t struct_size;
  herald_str conv;
  uint64_t seq;
  herald_str sender;
  uint64_t ts_ms;
  uint32_t kind;            /* binary MessageKind (1 text ... 6 system, 7 custom) */
  uint32_t read_diffusion;  /* 1: a group above groups.write_diffusion_max: no per-member rows, and
                               `recipients` is empty (derive per-member state from the conversation) */
  const herald_str* recipients; /* write diffusion: every participant, the sender included */
  uint32_t recipient_count;
} herald_im_message_event;

/* A member's view of one conversation changed: read cursor advanced, joined, or left. */
typedef struct herald_im_cursor_event {
  uint32_t struct_size;
  herald_str user;
  herald_str conv;
  uint64_t seen_seq; /* max(join seq, read cursor): messages above it are unread (0 for a leave) */
} herald_im_cursor_event;

typedef struct herald_im_participant_v1 {
  uint32_t struct_size;
  void* arg;
  /* Unique; the participant may write only tables named "<name>_..." (enforced at prepare). */
  herald_str name;
  /* SQL run once at registration, before opened() (e.g. CREATE TABLE IF NOT EXISTS <name>_...). */
  herald_str schema;
  /* Every callback: the writer thread, inside the batch transaction, never concurrently. An int
   * result of 0 means done; nonzero refuses: the job's writes are rolled back and its client gets
   * STORAGE_UNAVAILABLE (before_commit: the whole batch fails). Any pointer may be NULL. */
  int (*opened)(void* arg, herald_im_sql* sql);  /* once, after the schema: load caches, backfill */
  int (*message_stored)(void* arg, herald_im_sql* sql, const herald_im_message_event* event);
  int (*read_advanced)(void* arg, herald_im_sql* sql, const herald_im_cursor_event* event);
  int (*member_joined)(void* arg, herald_im_sql* sql, const herald_im_cursor_event* event);
  int (*member_left)(void* arg, herald_im_sql* sql, const herald_im_cursor_event* event);
  /* PUSH.badge for a connected recipient of a push built in this job. */
  uint32_t (*badge)(void* arg, herald_im_sql* sql, herald_str user);
  /* An UNREAD_REQUEST frame from `user` (already applied by the core: mark_all_read advanced the
   * read cursors). Answer exactly once, during the call, with an encoded UNREAD_RESULT or ERROR
   * frame. The first participant with this callback answers every UNREAD_REQUEST. */
  int (*unread)(void* arg, herald_im_sql* sql, herald_str user, herald_str request_frame, herald_im_reply_fn reply,
                void* reply_arg);
  /* The job that made the last callbacks ended: kept = 1 its writes stay in the batch, 0 they were
   * rolled back (drop whatever was remembered for it). Not inside a transaction: no SQL. */
  void (*job_end)(void* arg, int kept);
  /* After the batch's jobs, before COMMIT: write merged updates. */
  int (*before_commit)(void* arg, herald_im_sql* sql);
  /* After COMMIT (committed = 1) or after the batch was rolled back (0). No SQL. */
  void (*batch_end)(void* arg, int committed);
} herald_im_participant_v1;

typedef struct herald_im_store_service_v1 {
  uint32_t struct_size;
  void* self;
  /* Control thread (init). Runs the schema and opened() in a transaction of their own, waiting for
   * the writer's current batch; returns 0 or a reason code (ALREADY_EXISTS, STORAGE_UNAVAILABLE ...)
   * with the cause in the log. The table must stay valid until remove_participant returns. */
  uint32_t (*add_participant)(void* self, const herald_im_participant_v1* participant);
  /* Control thread (destroy). Returns once no callback runs or will run. */
  void (*remove_participant)(void* self, const herald_im_participant_v1* participant);

  /* Statements on the writer's connection, only during a callback that received `sql`. prepare
   * returns the statement for that SQL text (cached; reset and unbound), or NULL with last_error. */
  herald_im_stmt* (*prepare)(herald_im_sql* sql, herald_str text);
  int (*bind_int)(herald_im_stmt* stmt, int index, int64_t value);  /* 1-based; 0 ok */
  int (*bind_text)(herald_im_stmt* stmt, int index, herald_str value);
  int (*step)(herald_im_stmt* stmt);  /* 1: a row, 0: done, -1: error (last_error) */
  int64_t (*column_int)(herald_im_stmt* stmt, int col);
  herald_str (*column_text)(herald_im_stmt* stmt, int col); /* valid until the next step/reset */
  int (*changes)(herald_im_sql* sql);                         /* rows changed by the last statement */
  herald_str (*last_error)(herald_im_sql* sql);
} herald_im_store_service_v1;

#ifdef __cplusplus
}
#endif

#endif /* HERALD_IM_STORE_SERVICE_H */
