/*
 * berth-monitor: the per-container monitor (berth's conmon). One process per container: it
 * starts the container through runc, outlives the berth CLI, forwards the container's output to
 * the json-file log and to attach clients, feeds its stdin, applies the restart policy and
 * records each exit in the state directory.
 *
 * Files: args.c (options), util.c (time, JSON, atomic files), jsonlog.c (json-file log with
 * rotation), attach.c (attach.sock clients and the container's stdin), runtime.c (runc and
 * cgroup OOM counters), health.c (Docker's health checks through runc exec), main.c
 * (daemonizing, handshake, event loop, restart policy).
 */
#ifndef BERTH_MONITOR_H
#define BERTH_MONITOR_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

enum restart_policy { RESTART_NO, RESTART_ALWAYS, RESTART_UNLESS_STOPPED, RESTART_ON_FAILURE };

struct config {
  const char *id;
  const char *bundle;
  const char *runtime;
  const char *runtime_root; /* NULL: runc's default */
  const char *state_dir;
  const char *log_path; /* NULL: no log */
  long long log_max_size; /* 0: never rotate */
  int log_max_files;
  bool tty, open_stdin, stdin_once;
  /* before the first start, wait (up to 10 s) for an attach client, so it misses no output */
  bool wait_attach;
  enum restart_policy restart;
  int restart_max; /* on-failure:N; 0 = unlimited */
  const char *cgroup_path; /* NULL: no OOM detection */
  char **exit_argv; /* NULL, or { exit command, args..., NULL } */
  /*
   * Held (flock) by a berth that removes the container itself once it has exited (an attached
   * `run --rm`): the exit command waits for it and runs only if the bundle is still there.
   */
  const char *exit_lock;
  /* Health check: the command run with `runc exec` (NULL: none); durations in ns, 0: default */
  char **health_argv;
  long long health_interval, health_timeout, health_start_period, health_start_interval;
  int health_retries; /* 0: default (3) */
};

extern struct config cfg;
/* The state directory, open for the *at() calls (its path may be longer than sun_path). */
extern int state_dirfd;

/* Output streams, numbered as in Docker's attach framing. */
enum { STREAM_STDIN = 0, STREAM_STDOUT = 1, STREAM_STDERR = 2 };

/* args.c: parse the command line into cfg; on error fill err and return -1. */
int parse_args(int argc, char **argv, char *err, size_t errlen);

/* util.c */
#define TIME_LEN 40
void format_time(char out[TIME_LEN], const struct timespec *ts); /* RFC3339Nano, UTC */
void now_string(char out[TIME_LEN]);
long long monotonic_ms(void);
/* Go encoding/json string escaping (without quotes); out needs 6 * n + 1 bytes. */
size_t json_escape(char *out, const char *in, size_t n);
/* Write a file in the state directory atomically (temp file + rename). */
int write_state_file(const char *name, const char *data, size_t len);
/* The same without fsync: for files that need not survive a crash (health.json). */
int write_state_file_nosync(const char *name, const char *data, size_t len);
/* Go's time.Duration.String() of ns ("500ms", "1m30s"), as Docker prints durations. */
void format_go_duration(char *out, size_t outlen, long long ns);
int set_nonblock(int fd);
/* write() all of buf to a blocking fd, retrying on EINTR; -1 on error. */
int write_all(int fd, const void *buf, size_t len);
/* A path to a socket in the state directory short enough for sun_path. */
int state_sock_path(char *out, size_t outlen, const char *name, pid_t via_pid);

/* jsonlog.c */
int log_open(void);
void log_data(int stream, const char *data, size_t n); /* splits lines, buffers a partial one */
void log_flush(int stream);                             /* write the partial line (EOF) */

/* attach.c */
int attach_listen(void);
#define ATTACH_MAX_CLIENTS 64
#define ATTACH_MAX_POLL (ATTACH_MAX_CLIENTS + 2) /* clients, listener, stdin */
/* Append the listener's, clients' and stdin's pollfds to pfd; returns how many. */
int attach_poll_fill(struct pollfd *pfd);
void attach_poll_handle(const struct pollfd *pfd, int n);
/* Output to every client: framed for stream 1/2, raw for STREAM_STDIN(0) (the tty). */
void attach_broadcast(int stream, const char *data, size_t n);
/* Flush pending output (bounded by deadline_ms) and close every client. */
void attach_close_clients(long long deadline_ms);
/* The container's stdin for the current run: a pipe write end or the pty master, or -1. */
void attach_set_stdin(int fd, bool is_pty);
void attach_close_stdin(void);
void attach_close_listener(void);
/* Accept queued clients; with timeout_ms > 0, wait that long for the first one. */
void attach_accept_waiting(int timeout_ms);

/* runtime.c */
struct run {
  pid_t pid;
  int out_fd, err_fd; /* pipes, or out_fd = pty master with --tty; -1 when closed */
  int stdin_fd;       /* pipe write end, or -1 */
  long long oom_base; /* the cgroup's oom_kill count before the start (a reused cgroup) */
  long long started_ms;
};
/* runc run --detach. On failure fills err with runc's message and returns -1. */
int runtime_start(struct run *r, char *err, size_t errlen);
void runtime_delete(void);
/*
 * After an exit: what `runc delete` would do for a stopped container with no hooks (remove its
 * cgroup directories and runc's state directory), without the cost of running runc.
 */
void runtime_forget(void);
/* After the final exit: runtime_forget, and unmount the container's root file system. */
void release_host_resources(void);
/* The cgroup's OOM kill counter, or -1 when it cannot be read. */
long long oom_kill_count(void);
/* An fd open on /dev/null. */
int devnull(void);
/* posix_spawn with the given stdio and default signal handling; returns pid or -1. */
pid_t spawn(char *const argv[], int in, int out, int errfd, bool new_session);
/* Reap a child we are waiting for synchronously; other children stay for the main loop. */
int wait_child(pid_t pid);
/* The message of the last error-level entry of a runc JSON log in the state directory. */
void runtime_log_error(const char *name, char *err, size_t errlen);
/* True when the container's cgroup is frozen (runc pause). */
bool cgroup_frozen(void);

/* health.c: Docker's health checks (all no-ops without --health-cmd) */
int health_init(char *err, size_t errlen); /* before detaching: argv, the previous Log */
void health_start(void);                   /* the container (re)started: "starting" */
void health_stop(void);                    /* it exited: abandon any check, "unhealthy" */
void health_tick(long long now_ms);        /* start, time out or finish a check */
long long health_due_ms(void);             /* when health_tick has work next, -1 never */
bool health_child(pid_t pid, int status);  /* a reaped child: true when it was the check */
int health_poll_fill(struct pollfd *pfd);  /* the check's output pipe, if any */
void health_poll_handle(const struct pollfd *pfd, int n);

#endif
