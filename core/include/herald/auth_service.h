/* The client authentication service table, "herald.auth.v1": lets a plugin with its own front (e.g. the
 * media plugin's HTTP listener) accept the same tokens as the gateway without including its code. The
 * gateway registers it in init; look it up with host->service_lookup(ctx, HERALD_AUTH_SERVICE_V1) in
 * start(). Plain C, append-only like plugin_abi.h. */
#ifndef HERALD_AUTH_SERVICE_H
#define HERALD_AUTH_SERVICE_H

#include <stdint.h>

#include "herald/plugin_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HERALD_AUTH_SERVICE_V1 "herald.auth.v1"

/* A verdict, borrowed for the duration of the callback. */
typedef struct herald_auth_verdict {
  uint32_t struct_size;
  uint16_t reason;     /* HERALD_REASON_OK, or why not (BAD_CREDENTIALS, TOKEN_EXPIRED, SERVER_UNAVAILABLE...) */
  herald_str user;     /* the authenticated user id (when OK) */
  herald_str device;   /* the device id the token names, "" when none */
  int64_t expires_at;  /* Unix seconds after which the verdict no longer holds; 0 = no known end */
  herald_str text;     /* for the log and the client; never contains the token */
} herald_auth_verdict;

typedef void (*herald_auth_done_fn)(void* arg, const herald_auth_verdict* verdict);

typedef struct herald_auth_service_v1 {
  uint32_t struct_size;
  void* self;
  /* Any thread. Verifies `token` (a bearer token, as a client presents it to the gateway) for a client
   * at `peer_ip` (for login limits; "" when unknown). `done` runs exactly once, inline or later from
   * another thread (an HTTP auth callback); it must not block for long. */
  void (*verify)(void* self, herald_str token, herald_str peer_ip, herald_auth_done_fn done, void* arg);
} herald_auth_service_v1;

#ifdef __cplusplus
}
#endif

#endif /* HERALD_AUTH_SERVICE_H */
