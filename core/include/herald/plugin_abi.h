/* Herald plugin ABI: the only surface between the host (herald) and a plugin shared object.
 * Plain C so any compiler, standard library or language can sit on either side ("hourglass").
 *
 * Rules that keep the ABI stable:
 *  - Only fixed-width integers, doubles, {ptr,len} strings, opaque handles and function pointers cross.
 *  - Every struct starts with `struct_size` and only ever grows at the end (append-only); a reader
 *    checks struct_size before touching a field added later.
 *  - Memory is freed by whoever allocated it. Strings passed in are borrowed for the duration of the
 *    call unless a comment says otherwise; the receiver copies what it keeps.
 *  - No exception crosses: every function a plugin exports returns a status (the C++ SDK, sdk.hpp,
 *    catches exceptions in each trampoline).
 *
 * Handshake (Mosquitto's model): the host calls the one exported symbol HERALD_PLUGIN_ENTRY with the
 * list of ABI versions it supports; the plugin picks one, writes it to *chosen and returns the
 * descriptor for that version, or returns NULL to refuse. Threading contracts are stated per hook; see
 * docs/architecture.md for the overall model. */
#ifndef HERALD_PLUGIN_ABI_H
#define HERALD_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#include "herald/reason_codes.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HERALD_ABI_VERSION_1 1u
#define HERALD_PLUGIN_ENTRY "herald_plugin_negotiate"

#if defined(__GNUC__)
#define HERALD_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define HERALD_PLUGIN_EXPORT
#endif

/* True when *ptr (a struct of `type` that starts with struct_size) is big enough to carry `field`:
 * the check before reading a field appended after the reader's oldest supported version. */
#define HERALD_STRUCT_HAS(ptr, type, field) \
  ((ptr)->struct_size >= offsetof(type, field) + sizeof((ptr)->field))

/* A borrowed UTF-8 string: not NUL-terminated in general. */
typedef struct herald_str {
  const char* data;
  size_t size;
} herald_str;

/* Opaque host objects. */
typedef struct herald_host_ctx herald_host_ctx;       /* the host's handle for one loaded plugin */
typedef struct herald_envelope herald_envelope;       /* a message travelling through a pipeline */
typedef struct herald_stage_call herald_stage_call;   /* one invocation of a stage */
typedef struct herald_completion herald_completion;   /* the resume handle of a deferred stage */
typedef struct herald_fd_watch herald_fd_watch;       /* a file descriptor watched by a loop */
typedef struct herald_timer herald_timer;             /* a timer on a loop */
typedef struct herald_metric herald_metric;           /* one labelled metric series */
typedef struct herald_error_sink herald_error_sink;   /* collects validation errors */

typedef enum herald_log_level {
  HERALD_LOG_TRACE = 0,
  HERALD_LOG_DEBUG = 1,
  HERALD_LOG_INFO = 2,
  HERALD_LOG_WARN = 3,
  HERALD_LOG_ERROR = 4
} herald_log_level;

/* What a stage decides for an envelope. */
typedef enum herald_verdict {
  HERALD_VERDICT_CONTINUE = 0, /* pass to the next stage */
  HERALD_VERDICT_REJECT = 1,   /* stop; the reason set with call_reject reaches the client */
  HERALD_VERDICT_DEFER = 2     /* the stage finishes later through complete(); see call_defer */
} herald_verdict;

/* Kinds of value a config key holds; the host checks scalars before the plugin sees them. */
typedef enum herald_config_type {
  HERALD_CONFIG_STRING = 0,
  HERALD_CONFIG_INTEGER = 1,
  HERALD_CONFIG_NUMBER = 2,
  HERALD_CONFIG_BOOLEAN = 3,
  HERALD_CONFIG_DURATION = 4, /* "250ms", "10s", "5m", "1h", "2d" */
  HERALD_CONFIG_SIZE = 5,     /* "512", "64KiB", "4MiB", "1GiB" */
  HERALD_CONFIG_RATE = 6,     /* "<n>/s", "<n>/m", "<n>/h" */
  HERALD_CONFIG_LIST = 7,     /* a YAML sequence; the plugin validates the items */
  HERALD_CONFIG_MAP = 8,      /* a YAML mapping; the plugin validates the entries */
  HERALD_CONFIG_ANY = 9
} herald_config_type;

/* One key of a plugin's or a stage's config. default_yaml is YAML text (NULL: no default). */
typedef struct herald_config_key {
  uint32_t struct_size;
  herald_str name;
  uint32_t type; /* herald_config_type */
  uint32_t required;
  herald_str default_yaml;
  herald_str description;
} herald_config_key;

/* An error a plugin reports from init/start/create: the host supplies the buffer. */
typedef struct herald_error {
  uint32_t struct_size;
  uint16_t reason;    /* herald_reason */
  char message[512];  /* NUL-terminated, truncated to fit */
} herald_error;

/* Adds one validation error; path is relative to the config node being validated, e.g. "rules[2].rate". */
typedef void (*herald_error_sink_fn)(herald_error_sink* sink, herald_str path, herald_str message);

/* Something a plugin provides besides stages, for `herald plugins` and the start-up log. */
typedef struct herald_provide_decl {
  uint32_t struct_size;
  herald_str name;
  herald_str description;
} herald_provide_decl;

/* A pipeline stage kind. One instance is created per place it appears in a pipeline.
 * create/destroy: control thread. process: any loop thread, possibly several at once for the same
 * instance (keep per-loop state indexed by call_loop(), or synchronise). */
typedef struct herald_stage_decl_v1 {
  uint32_t struct_size;
  herald_str name;
  herald_str description;
  const herald_config_key* config_keys;
  uint32_t config_key_count;
  /* Optional deep validation beyond the declared key types. Control thread; the plugin need not be
   * initialised (check-config calls it without init). Returns the number of errors added. */
  uint32_t (*validate)(herald_str config_yaml, herald_error_sink* sink, herald_error_sink_fn add);
  /* config_yaml has every declared default filled in. Returns 0 on success. */
  int (*create)(void* plugin, herald_str config_yaml, void** out_stage, herald_error* err);
  uint32_t (*process)(void* stage, herald_stage_call* call); /* returns herald_verdict */
  void (*destroy)(void* stage);
} herald_stage_decl_v1;

/* Writes command output (stdout or stderr of `herald <command>`). */
typedef void (*herald_output_fn)(void* ctx, herald_str text);

/* A CLI sub-command a plugin adds: `herald <name> -c FILE [args]`, e.g. the gateway's `token`.
 * run: control thread, the plugin NOT initialised (no loops): config_yaml is the plugin's checked
 * config with defaults; args exclude "-c FILE". Returns the process exit code. */
typedef struct herald_command_decl {
  uint32_t struct_size;
  herald_str name;
  herald_str usage;        /* e.g. "--user U [--device D] [--ttl 1h]" */
  herald_str description;
  int (*run)(herald_str config_yaml, uint32_t argc, const herald_str* args, herald_output_fn out, void* out_ctx,
             herald_output_fn err, void* err_ctx);
} herald_command_decl;

typedef struct herald_host_v1 herald_host_v1;

/* The descriptor a plugin returns for ABI version 1. It and everything it points to must stay valid
 * until the library is unloaded. */
typedef struct herald_plugin_v1 {
  uint32_t struct_size;
  herald_str name;        /* unique; what `plugins:` entries name */
  herald_str version;     /* the plugin's own version, e.g. "1.2.0" */
  herald_str description;
  const herald_config_key* config_keys;
  uint32_t config_key_count;
  const herald_stage_decl_v1* stages;
  uint32_t stage_count;
  const herald_provide_decl* listeners;
  uint32_t listener_count;
  const herald_provide_decl* routes;
  uint32_t route_count;
  /* Optional deep validation of the plugin's own config (control thread, without init). */
  uint32_t (*validate)(herald_str config_yaml, herald_error_sink* sink, herald_error_sink_fn add);
  /* Control thread, once, before any loop runs and before stages are created. The host pointer and
   * ctx stay valid until destroy returns. Returns 0 on success; else err says why. */
  int (*init)(const herald_host_v1* host, herald_host_ctx* ctx, herald_str config_yaml, void** out_plugin,
              herald_error* err);
  /* Control thread, after every plugin is initialised and loops run: open listeners, start threads. */
  int (*start)(void* plugin, herald_error* err);
  /* Control thread, on reload with a validated new config. Optional (NULL: restart needed to apply). */
  int (*reconfigure)(void* plugin, herald_str config_yaml, herald_error* err);
  /* Control thread: close listeners, join every thread the plugin started. Loops still run. */
  void (*stop)(void* plugin);
  /* Control thread, after stop and after every stage instance is destroyed. */
  void (*destroy)(void* plugin);
  /* Later additions: the host reads them only when struct_size covers them. */
  const herald_command_decl* commands;
  uint32_t command_count;
  /* Control thread, loops running, on an operator's drain request (SIGUSR1): stop accepting new
   * clients and ask connected ones to reconnect elsewhere (scale-in), then keep serving what remains
   * until stop. Optional (NULL). */
  void (*drain)(void* plugin);
} herald_plugin_v1;

/* Admin API requests (the host's HTTP server, docs/admin-api.md). Opaque, host-owned, valid for one
 * handler call. */
typedef struct herald_http_request herald_http_request;
typedef struct herald_http_response herald_http_response;
/* A route handler. Runs on an admin HTTP worker thread, never a loop thread, so it may block briefly
 * (e.g. wait for a service's reply); several run at once, so it must be thread-safe. The host has
 * already checked the admin token. It calls http_respond once; without that the client gets 500. */
typedef void (*herald_http_handler_fn)(void* arg, const herald_http_request* req, herald_http_response* resp);

/* Callback types used by the host API. */
typedef void (*herald_task_fn)(void* arg);
typedef void (*herald_fd_fn)(void* arg, int fd, uint32_t events);
typedef void (*herald_pipeline_done_fn)(void* arg, herald_envelope* env, uint32_t verdict, uint16_t reason,
                                        herald_str text);

/* Event bits for fd_watch (same values as EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP on Linux). */
#define HERALD_FD_READ 0x001u
#define HERALD_FD_WRITE 0x004u
#define HERALD_FD_ERROR 0x008u
#define HERALD_FD_HANGUP 0x010u

/* Services the host offers a plugin. Append-only; check struct_size before using a later field. */
struct herald_host_v1 {
  uint32_t struct_size;
  uint32_t abi_version;

  /* Any thread. */
  void (*log)(herald_host_ctx* ctx, uint32_t level, herald_str message);

  /* --- envelopes (owned by the host). Accessors: the thread currently running the envelope. ---
   * Header names starting with ':' are well-known fields (":user", ":device", ":conv", ":topic",
   * ":type", ":cmid", ":protocol", ":listener", ":peer"); others are free-form. Returned strings stay
   * valid until the envelope is next modified or released. */
  herald_envelope* (*envelope_create)(herald_host_ctx* ctx);
  void (*envelope_release)(herald_envelope* env); /* only for envelopes never submitted */
  int (*envelope_get)(const herald_envelope* env, herald_str name, herald_str* out_value); /* 1 found */
  void (*envelope_set)(herald_envelope* env, herald_str name, herald_str value);
  void (*envelope_remove)(herald_envelope* env, herald_str name);
  uint32_t (*envelope_header_count)(const herald_envelope* env);
  int (*envelope_header_at)(const herald_envelope* env, uint32_t index, herald_str* out_name,
                            herald_str* out_value);
  herald_str (*envelope_payload)(const herald_envelope* env);
  void (*envelope_set_payload)(herald_envelope* env, herald_str payload);

  /* --- inside process(): the loop thread running the call --- */
  herald_envelope* (*call_envelope)(herald_stage_call* call);
  uint32_t (*call_loop)(herald_stage_call* call); /* 0 .. loop_count-1 */
  herald_str (*call_pipeline)(herald_stage_call* call);
  /* Sets the reason for a REJECT verdict (text is copied). */
  void (*call_reject)(herald_stage_call* call, uint16_t reason, herald_str text);
  /* Before returning DEFER: obtain the handle that resumes this envelope. The stage must then
   * eventually call complete() exactly once, from any thread. */
  herald_completion* (*call_defer)(herald_stage_call* call);
  /* Any thread, exactly once per completion: the pipeline continues on the envelope's loop.
   * verdict is CONTINUE or REJECT (reason/text used for REJECT; text is copied). */
  void (*complete)(herald_completion* completion, uint32_t verdict, uint16_t reason, herald_str text);

  /* --- pipelines --- Any thread. Runs envelope `env` (ownership moves to the host) through the
   * named pipeline on loop `loop`; `done` is called on that loop with the final verdict, after which
   * the host releases the envelope. Returns 0, or a herald_reason (e.g. NOT_FOUND for an unknown
   * pipeline: done is then not called and the host has released env). */
  uint32_t (*pipeline_submit)(herald_host_ctx* ctx, herald_str pipeline, uint32_t loop, herald_envelope* env,
                              herald_pipeline_done_fn done, void* arg);

  /* --- event loops (one per core by default) --- */
  uint32_t (*loop_count)(herald_host_ctx* ctx);
  /* Index of the loop the caller runs on, or UINT32_MAX when called off-loop. */
  uint32_t (*current_loop)(herald_host_ctx* ctx);
  /* Any thread: run fn(arg) on the loop. Returns 0, or non-zero when the loop is stopping. */
  int (*loop_post)(herald_host_ctx* ctx, uint32_t loop, herald_task_fn fn, void* arg);
  /* Loop thread of `loop` only. Callbacks run on that loop. */
  herald_fd_watch* (*fd_watch)(herald_host_ctx* ctx, uint32_t loop, int fd, uint32_t events, herald_fd_fn cb,
                               void* arg);
  int (*fd_modify)(herald_fd_watch* watch, uint32_t events);
  void (*fd_unwatch)(herald_fd_watch* watch); /* does not close fd */
  /* Loop thread of `loop` only. repeat_ms 0: one-shot (the handle is freed after it fires). */
  herald_timer* (*timer_start)(herald_host_ctx* ctx, uint32_t loop, uint64_t delay_ms, uint64_t repeat_ms,
                               herald_task_fn cb, void* arg);
  void (*timer_cancel)(herald_timer* timer); /* same loop thread; safe on a fired one-shot only inside cb */

  /* --- metrics (Prometheus). Registration: control thread; updates: any thread. Label pairs are
   * name,value,name,value...; a series is created once and its handle kept for the hot path. --- */
  herald_metric* (*metric_counter)(herald_host_ctx* ctx, herald_str name, herald_str help,
                                   const herald_str* label_pairs, uint32_t label_pair_count);
  herald_metric* (*metric_gauge)(herald_host_ctx* ctx, herald_str name, herald_str help,
                                 const herald_str* label_pairs, uint32_t label_pair_count);
  herald_metric* (*metric_histogram)(herald_host_ctx* ctx, herald_str name, herald_str help,
                                     const herald_str* label_pairs, uint32_t label_pair_count,
                                     const double* bucket_bounds, uint32_t bucket_count);
  void (*metric_add)(herald_metric* metric, double value);     /* counters and gauges */
  void (*metric_set)(herald_metric* metric, double value);     /* gauges */
  void (*metric_observe)(herald_metric* metric, double value); /* histograms */

  /* --- process facts --- Any thread. */
  herald_str (*data_dir)(herald_host_ctx* ctx);
  herald_str (*node_id)(herald_host_ctx* ctx);
  /* A plugin reports each listener it opened, for the start-up log and `herald_listeners`. */
  void (*listener_opened)(herald_host_ctx* ctx, herald_str protocol, herald_str address);

  /* --- later additions: check struct_size (HERALD_STRUCT_HAS) before use --- */

  /* Services: C function tables that plugins (and core's built-in plugins) offer each other by a
   * versioned name, e.g. "herald.im.v1" (herald/im_service.h). This is how the gateway reaches the
   * messaging core without either naming the other. register: control thread, inside init; the table
   * must stay valid until the registering plugin is destroyed. Returns 0, or ALREADY_EXISTS when the
   * name is taken. lookup: any thread, after every plugin's init (e.g. in start); NULL when none. */
  uint32_t (*service_register)(herald_host_ctx* ctx, herald_str name, const void* table);
  const void* (*service_lookup)(herald_host_ctx* ctx, herald_str name);

  /* Admin API routes. http_route: control thread, inside init or start. Serves `method` ("GET",
   * "POST", "PUT", "DELETE") on `pattern`, a path whose segments are literals or "{name}" (one
   * non-empty segment, readable with http_request_param), e.g. "/v1/groups/{group}/members". Returns 0,
   * ALREADY_EXISTS when another route has the same method and shape, or INVALID_REQUEST for a bad
   * pattern. A plugin's routes are withdrawn (waiting for running handlers) before its stop(). When the
   * admin API is disabled, routes are accepted and never called. */
  uint32_t (*http_route)(herald_host_ctx* ctx, herald_str method, herald_str pattern, herald_str description,
                         herald_http_handler_fn fn, void* arg);
  /* Inside a handler. The path is decoded; the query is raw ("a=1&b=2"). */
  herald_str (*http_request_method)(const herald_http_request* req);
  herald_str (*http_request_path)(const herald_http_request* req);
  herald_str (*http_request_query)(const herald_http_request* req);
  herald_str (*http_request_body)(const herald_http_request* req);
  /* A {name} of the pattern, else a query parameter (URL-decoded). 1 found, 0 not. */
  int (*http_request_param)(const herald_http_request* req, herald_str name, herald_str* out);
  /* A request header, case-insensitive. 1 found, 0 not. */
  int (*http_request_header)(const herald_http_request* req, herald_str name, herald_str* out);
  /* Sets the response (content_type and body are copied); a second call replaces the first. */
  void (*http_respond)(herald_http_response* resp, uint16_t status, herald_str content_type, herald_str body);
};

/* The one symbol a plugin exports (see the handshake above). */
typedef const void* (*herald_plugin_negotiate_fn)(const uint32_t* host_versions, uint32_t count,
                                                  uint32_t* chosen);

#ifdef __cplusplus
}
#endif

#endif /* HERALD_PLUGIN_ABI_H */
