/*
 * Docker's health checks (moby daemon/health.go), run by the monitor because berth has no
 * daemon. While the container runs, the check command is run with `runc exec` (which takes the
 * container's own process settings: user, environment, working directory) every interval; the
 * result goes to health.json in Docker's shape:
 *
 *   {"Status":"starting|healthy|unhealthy","FailingStreak":N,
 *    "Log":[{"Start":"…","End":"…","ExitCode":N,"Output":"…"}]}    (the last 5 results)
 *
 * Nothing here blocks the event loop: the check is spawned, its output pipe is polled with the
 * rest, it is reaped through the SIGCHLD handling, and health_tick() does the bookkeeping.
 * Only one check is in flight at a time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor.h"

/* Docker's limits and defaults. */
#define OUTPUT_MAX 4096 /* output kept per check; "..." marks the rest as cut */
#define LOG_ENTRIES 5
#define DEFAULT_INTERVAL_NS 30000000000LL
#define DEFAULT_TIMEOUT_NS 30000000000LL
#define DEFAULT_START_INTERVAL_NS 5000000000LL
#define DEFAULT_RETRIES 3
/* After a timeout the check process is killed; runc exec gets this long to report it. */
#define KILL_GRACE_MS 2000

/* The text of one result (output, or a message around it) and its JSON entry. */
#define TEXT_MAX (OUTPUT_MAX + 1200)
#define ENTRY_MAX (TEXT_MAX * 6 + 2 * TIME_LEN + 128)

enum health_status { STARTING, HEALTHY, UNHEALTHY };
static const char *const status_names[] = {"starting", "healthy", "unhealthy"};

static enum health_status status = STARTING;
static int failing_streak;
/* The Log: a ring of JSON objects, oldest at log_first. Static: only pages in use count. */
static char entries[LOG_ENTRIES][ENTRY_MAX];
static int log_first, log_count;
static char file_buf[LOG_ENTRIES * (ENTRY_MAX + 1) + 128];

static bool active;         /* the container runs: checks are scheduled */
static long long started_ms; /* when the current run started */
static long long next_ms;   /* when the next check is due */

/* The check in flight (check_pid > 0): `runc exec`, its output pipe and what it wrote. */
static pid_t check_pid = -1;
static bool check_reaped;
static int check_status;
static int out_fd = -1;
static char output[OUTPUT_MAX];
static size_t output_len;
static bool output_cut;
static struct timespec check_start;
static long long check_start_ms, deadline_ms;
static bool timed_out, runc_killed;

static char **exec_argv; /* runc [--root R] --log L --log-format json exec --pid-file P ID cmd… */
static char pid_file[4096 + 32], log_file[4096 + 32];
#define PID_FILE "health.pid"
#define LOG_FILE "health-runc.log"

static long long ms(long long ns, long long dflt) {
  if (ns <= 0) ns = dflt;
  return (ns + 999999) / 1000000; /* at least 1 ms */
}

/* Docker's getInterval(): the start interval while starting within the start period. */
static long long interval_ms(long long now) {
  if (now - started_ms < ms(cfg.health_start_period, 0) && status == STARTING)
    return ms(cfg.health_start_interval, DEFAULT_START_INTERVAL_NS);
  return ms(cfg.health_interval, DEFAULT_INTERVAL_NS);
}

static void write_health(void) {
  size_t len = (size_t)snprintf(file_buf, sizeof file_buf,
                                "{\"Status\":\"%s\",\"FailingStreak\":%d,\"Log\":[",
                                status_names[status], failing_streak);
  for (int i = 0; i < log_count; i++) {
    const char *e = entries[(log_first + i) % LOG_ENTRIES];
    size_t n = strlen(e);
    if (i > 0) file_buf[len++] = ',';
    memcpy(file_buf + len, e, n);
    len += n;
  }
  memcpy(file_buf + len, "]}\n", 3);
  write_state_file_nosync("health.json", file_buf, len + 3);
}

/* The slot for a new Log entry (the oldest goes when the Log is full). */
static char *log_push(void) {
  if (log_count == LOG_ENTRIES) {
    log_first = (log_first + 1) % LOG_ENTRIES;
    log_count--;
  }
  return entries[(log_first + log_count++) % LOG_ENTRIES];
}

/* The Log entries of the previous run's health.json: Docker keeps the Log across starts. */
static void load_previous_log(void) {
  int fd = openat(state_dirfd, "health.json", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = read(fd, file_buf, sizeof file_buf - 1);
  close(fd);
  file_buf[n > 0 ? n : 0] = 0;
  const char *p = strstr(file_buf, "\"Log\":[");
  if (!p) return;
  for (p += 7; *p == '{';) {
    const char *start = p;
    int depth = 0;
    bool in_string = false;
    for (; *p; p++) {
      if (in_string) {
        if (*p == '\\' && p[1]) p++;
        else if (*p == '"') in_string = false;
      } else if (*p == '"') {
        in_string = true;
      } else if (*p == '{') {
        depth++;
      } else if (*p == '}' && --depth == 0) {
        p++;
        break;
      }
    }
    if (depth != 0) return; /* cut short: keep what was complete */
    size_t len = (size_t)(p - start);
    if (len < ENTRY_MAX) {
      char *e = log_push();
      memcpy(e, start, len);
      e[len] = 0;
    }
    if (*p == ',') p++;
  }
}

int health_init(char *err, size_t errlen) {
  if (!cfg.health_argv) {
    unlinkat(state_dirfd, "health.json", 0); /* from a run that had a check */
    return 0;
  }
  int words = 0;
  while (cfg.health_argv[words]) words++;
  exec_argv = calloc((size_t)words + 16, sizeof *exec_argv);
  if (!exec_argv) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  snprintf(pid_file, sizeof pid_file, "%s/" PID_FILE, cfg.state_dir);
  snprintf(log_file, sizeof log_file, "%s/" LOG_FILE, cfg.state_dir);
  int n = 0;
  exec_argv[n++] = (char *)cfg.runtime;
  if (cfg.runtime_root) {
    exec_argv[n++] = "--root";
    exec_argv[n++] = (char *)cfg.runtime_root;
  }
  /* runc's own messages go to the log, so that the output is the command's alone */
  exec_argv[n++] = "--log";
  exec_argv[n++] = log_file;
  exec_argv[n++] = "--log-format";
  exec_argv[n++] = "json";
  exec_argv[n++] = "exec";
  exec_argv[n++] = "--pid-file";
  exec_argv[n++] = pid_file;
  exec_argv[n++] = (char *)cfg.id; /* runc takes what follows the id as the command, verbatim */
  for (int i = 0; i < words; i++) exec_argv[n++] = cfg.health_argv[i];
  exec_argv[n] = NULL;
  load_previous_log();
  return 0;
}

void health_start(void) {
  if (!cfg.health_argv) return;
  active = true;
  status = STARTING;
  failing_streak = 0;
  started_ms = monotonic_ms();
  next_ms = started_ms + interval_ms(started_ms);
  write_health();
}

static void read_output(void) {
  char buf[8192];
  for (int i = 0; i < 64 && out_fd >= 0; i++) {
    ssize_t n = read(out_fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return; /* EAGAIN */
    if (n == 0) {
      close(out_fd);
      out_fd = -1;
      return;
    }
    size_t keep = OUTPUT_MAX - output_len < (size_t)n ? OUTPUT_MAX - output_len : (size_t)n;
    memcpy(output + output_len, buf, keep);
    output_len += keep;
    if (keep < (size_t)n) output_cut = true;
  }
}

/* The check's process in the container (runc exec's child), or -1. */
static pid_t check_process(void) {
  char buf[512];
  int fd = openat(state_dirfd, PID_FILE, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  long pid = n > 0 ? (buf[n] = 0, strtol(buf, NULL, 10)) : 0;
  if (pid <= 0) return -1;
  /* only while it is still runc's child: the pid may have been reused once it was reaped */
  snprintf(buf, sizeof buf, "/proc/%ld/stat", pid);
  fd = open(buf, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  n = read(fd, buf, sizeof buf - 1);
  close(fd);
  buf[n > 0 ? n : 0] = 0;
  const char *p = strrchr(buf, ')');
  int ppid = 0;
  if (!p || sscanf(p, ") %*c %d", &ppid) != 1 || ppid != check_pid) return -1;
  return (pid_t)pid;
}

/* Kill the check: its process in the container if runc has started it, else runc. */
static void kill_check(void) {
  pid_t p = check_process();
  kill(p > 0 ? p : check_pid, SIGKILL);
}

static void end_check(void) {
  if (out_fd >= 0) close(out_fd);
  out_fd = -1;
  check_pid = -1;
  unlinkat(state_dirfd, PID_FILE, 0);
}

void health_stop(void) {
  if (!active) return;
  active = false;
  if (check_pid > 0) { /* abandoned: the zombie is reaped with the other children */
    if (!check_reaped) { /* (a reaped pid may belong to someone else by now) */
      kill_check();
      kill(check_pid, SIGKILL);
    }
    end_check();
  }
  /* Docker: "unhealthy when the monitor has stopped for compatibility reasons" */
  status = UNHEALTHY;
  write_health();
}

static void record(int exit_code, const char *text, size_t text_len) {
  char *e = log_push();
  char start[TIME_LEN], end[TIME_LEN];
  format_time(start, &check_start);
  now_string(end);
  int n = snprintf(e, ENTRY_MAX, "{\"Start\":\"%s\",\"End\":\"%s\",\"ExitCode\":%d,\"Output\":\"",
                   start, end, exit_code);
  n += (int)json_escape(e + n, text, text_len);
  memcpy(e + n, "\"}", 3);

  /* Docker's handleProbeResult */
  int retries = cfg.health_retries > 0 ? cfg.health_retries : DEFAULT_RETRIES;
  if (exit_code == 0) {
    failing_streak = 0;
    status = HEALTHY;
  } else if (status != STARTING || check_start_ms - started_ms >= ms(cfg.health_start_period, 0)) {
    /* failures while starting within the start period do not count */
    if (++failing_streak >= retries) status = UNHEALTHY;
  }
}

/* The check has exited (runc exec reaped): its result, and the next one scheduled. */
static void finish_check(long long now) {
  static char text[TEXT_MAX];
  size_t len = 0;
  char msg[1024];
  int code;
  read_output(); /* what is left in the pipe; a background process may keep it open */
  if (timed_out) {
    char d[64];
    format_go_duration(d, sizeof d, cfg.health_timeout > 0 ? cfg.health_timeout
                                                           : DEFAULT_TIMEOUT_NS);
    len = (size_t)snprintf(text, sizeof text, "Health check exceeded timeout (%s)%s", d,
                           output_len ? ": " : "");
    code = -1;
  } else if (WIFEXITED(check_status)) {
    code = WEXITSTATUS(check_status);
    if (code == 255) { /* runc's own failure (its log says why), or the command's 255 */
      runtime_log_error(LOG_FILE, msg, sizeof msg);
      if (msg[0]) {
        output_len = 0;
        output_cut = false;
        code = -1;
        /* as Docker reports a failed exec */
        len = (size_t)snprintf(text, sizeof text, "OCI runtime exec failed: %s: unknown", msg);
      }
    }
  } else {
    code = 128 + WTERMSIG(check_status);
  }
  end_check();
  if (cgroup_frozen()) {
    /* paused meanwhile: as Docker, the check is cancelled and the container unhealthy */
    status = UNHEALTHY;
  } else {
    memcpy(text + len, output, output_len);
    len += output_len;
    if (output_cut) {
      memcpy(text + len, "...", 3);
      len += 3;
    }
    record(code, text, len);
  }
  next_ms = now + interval_ms(now);
  write_health();
}

static void start_check(long long now) {
  int p[2];
  if (cgroup_frozen()) {
    /* paused: Docker stops checking and calls the container unhealthy until it resumes */
    if (status != UNHEALTHY) {
      status = UNHEALTHY;
      write_health();
    }
    next_ms = now + interval_ms(now);
    return;
  }
  clock_gettime(CLOCK_REALTIME, &check_start);
  check_start_ms = now;
  output_len = 0;
  output_cut = timed_out = runc_killed = check_reaped = false;
  unlinkat(state_dirfd, PID_FILE, 0);
  unlinkat(state_dirfd, LOG_FILE, 0);
  if (pipe2(p, O_CLOEXEC) < 0) {
    char text[256];
    int n = snprintf(text, sizeof text, "health check output pipe: %s", strerror(errno));
    record(-1, text, (size_t)n);
    next_ms = now + interval_ms(now);
    write_health();
    return;
  }
  /* stdout and stderr both to the pipe: Docker keeps the combined output */
  check_pid = spawn(exec_argv, devnull(), p[1], p[1], false);
  close(p[1]);
  if (check_pid < 0) {
    char text[256];
    int n = snprintf(text, sizeof text, "%s exec: %s", cfg.runtime, strerror(errno));
    close(p[0]);
    check_pid = -1;
    record(-1, text, (size_t)n);
    next_ms = now + interval_ms(now);
    write_health();
    return;
  }
  out_fd = p[0];
  set_nonblock(out_fd);
  deadline_ms = now + ms(cfg.health_timeout, DEFAULT_TIMEOUT_NS);
}

void health_tick(long long now) {
  if (!active) return;
  if (check_pid > 0) {
    if (check_reaped) {
      finish_check(now);
    } else if (now >= deadline_ms && !timed_out) {
      timed_out = true;
      kill_check();
      deadline_ms = now + KILL_GRACE_MS;
    } else if (now >= deadline_ms && !runc_killed) {
      runc_killed = true; /* runc did not exit with its process: kill it too */
      kill(check_pid, SIGKILL);
      deadline_ms = LLONG_MAX;
    }
    return;
  }
  if (now >= next_ms) start_check(now);
}

long long health_due_ms(void) {
  if (!active) return -1;
  if (check_pid > 0) return check_reaped ? 0 : deadline_ms;
  return next_ms;
}

bool health_child(pid_t pid, int st) {
  if (check_pid <= 0 || pid != check_pid) return false;
  check_reaped = true;
  check_status = st;
  return true;
}

int health_poll_fill(struct pollfd *pfd) {
  if (out_fd < 0) return 0;
  pfd[0] = (struct pollfd){.fd = out_fd, .events = POLLIN};
  return 1;
}

void health_poll_handle(const struct pollfd *pfd, int n) {
  /* the fd may have been closed meanwhile (the container exited) */
  if (n > 0 && pfd[0].revents && pfd[0].fd == out_fd) read_output();
}
