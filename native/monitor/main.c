/*
 * berth-monitor main: detach from the caller, start the container, report its pid (or runc's
 * error) to the waiting foreground process, then supervise it: output, attach, ctl commands,
 * exits and restarts, until the container has finally exited.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor.h"

/* How long output may still arrive after the container's init has exited. */
#define DRAIN_MS 2000
/* Docker's restart backoff. */
#define BACKOFF_START_MS 100
#define BACKOFF_MAX_MS 60000
#define BACKOFF_RESET_RUN_MS 10000

int state_dirfd = -1;
static int sig_fd = -1;
static int ctl_fd = -1, ctl_keep_fd = -1;
static int report_fd = -1; /* to the foreground process until the first start is reported */

static int master_fd = -1; /* the current pty master (--tty) */
static struct winsize winsize;
static bool have_winsize;
static bool stop_requested;
static int restart_count;
/* When the container's init was reaped (the drain of its output comes after). */
static struct timespec exited_at;
static long long exited_ms;

/* ---- reporting to the foreground process and to the state directory ---- */

static void print_error(int fd, const char *msg) {
  static char esc[1024 * 6 + 1];
  char line[sizeof esc + 32];
  size_t n = strlen(msg);
  if (n > 1024) n = 1024;
  json_escape(esc, msg, n);
  int len = snprintf(line, sizeof line, "{\"error\":\"%s\"}\n", esc);
  write_all(fd, line, (size_t)len);
}

static void report_pid(pid_t pid) {
  char line[64];
  int len = snprintf(line, sizeof line, "{\"pid\":%d}\n", (int)pid);
  write_all(report_fd, line, (size_t)len);
  close(report_fd);
  report_fd = -1;
}

static void write_state(const char *status, pid_t pid, const char *started, int count) {
  char buf[256];
  int len = snprintf(buf, sizeof buf,
                     "{\"status\":\"%s\",\"pid\":%d,\"startedAt\":\"%s\",\"restartCount\":%d}\n",
                     status, (int)pid, started, count);
  write_state_file("state.json", buf, (size_t)len);
}

struct exit_info {
  int code;
  bool oom;
  char finished[TIME_LEN];
  int restart_count; /* of the run that exited */
};

/* exit.json; error is set when a restart failed to start (the previous exit stays final). */
static void write_exit(const struct exit_info *e, bool final, const char *error) {
  static char esc[1024 * 6 + 1];
  char buf[sizeof esc + 256];
  int len = snprintf(buf, sizeof buf,
                     "{\"exitCode\":%d,\"oomKilled\":%s,\"finishedAt\":\"%s\",\"restartCount\":%d,"
                     "\"final\":%s",
                     e->code, e->oom ? "true" : "false", e->finished, e->restart_count,
                     final ? "true" : "false");
  if (error) {
    size_t n = strlen(error);
    json_escape(esc, error, n > 1024 ? 1024 : n);
    len += snprintf(buf + len, sizeof buf - (size_t)len, ",\"error\":\"%s\"", esc);
  }
  len += snprintf(buf + len, sizeof buf - (size_t)len, "}\n");
  write_state_file("exit.json", buf, (size_t)len);
}

/* ---- ctl FIFO ---- */

static void apply_winsize(void) {
  if (master_fd >= 0 && have_winsize) ioctl(master_fd, TIOCSWINSZ, &winsize);
}

static void ctl_command(char *line) {
  unsigned rows, cols;
  if (sscanf(line, "resize %u %u", &rows, &cols) == 2 && rows < 65536 && cols < 65536) {
    winsize = (struct winsize){.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    have_winsize = true; /* kept for the pty of the next run too */
    apply_winsize();
  } else if (!strcmp(line, "stop")) {
    stop_requested = true;
  }
}

static void read_ctl(void) {
  static char buf[512];
  static size_t len;
  for (;;) {
    ssize_t n = read(ctl_fd, buf + len, sizeof buf - 1 - len);
    if (n <= 0) return; /* EAGAIN: our own writer keeps it from ever reaching EOF */
    len += (size_t)n;
    char *start = buf, *nl;
    while ((nl = memchr(start, '\n', len - (size_t)(start - buf)))) {
      *nl = 0;
      ctl_command(start);
      start = nl + 1;
    }
    len -= (size_t)(start - buf);
    memmove(buf, start, len);
    if (len == sizeof buf - 1) len = 0; /* an overlong line: drop it */
  }
}

/* ---- the event loop ---- */

/* Reap every exited child; true when one of them was the container (its status in *status). */
static bool reap(pid_t container, int *status) {
  struct signalfd_siginfo si;
  bool found = false;
  int st;
  pid_t p;
  while (read(sig_fd, &si, sizeof si) > 0) {
  }
  while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
    if (p == container) {
      *status = st;
      found = true;
    } else {
      health_child(p, st);
    }
  }
  return found;
}

/* Copy one chunk of output to the log and to attach clients; closes the fd at EOF. */
static void forward(int *fd, int stream) {
  static char buf[32768];
  ssize_t n = read(*fd, buf, sizeof buf);
  if (n > 0) {
    log_data(stream, buf, (size_t)n);
    attach_broadcast(cfg.tty ? STREAM_STDIN /* raw */ : stream, buf, (size_t)n);
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  /* EOF; on a pty master EIO once no process holds the slave side any more. */
  if (*fd == master_fd) {
    attach_close_stdin(); /* it writes to the same fd */
    master_fd = -1;
  }
  close(*fd);
  *fd = -1;
  log_flush(stream);
}

/*
 * Serve output, attach clients and ctl until the container has exited and its output is
 * drained; returns its wait status. With r == NULL (the restart backoff) serve attach clients
 * and ctl until deadline_ms, and return -1 early when a stop arrives.
 */
static int event_loop(struct run *r, long long deadline_ms) {
  struct pollfd pfd[5 + ATTACH_MAX_POLL];
  bool exited = false;
  int status = -1;
  int none = -1;
  int *out = r ? &r->out_fd : &none, *err = r ? &r->err_fd : &none;

  for (;;) {
    long long now = monotonic_ms();
    if (r && exited && (*out < 0 && *err < 0)) break;
    if ((exited || !r) && now >= deadline_ms) break;
    if (!r && stop_requested) break;
    if (r && !exited) health_tick(now);

    int n = 0, out_i = -1, err_i = -1;
    pfd[n++] = (struct pollfd){.fd = sig_fd, .events = POLLIN};
    pfd[n++] = (struct pollfd){.fd = ctl_fd, .events = POLLIN};
    if (*out >= 0) {
      out_i = n;
      pfd[n++] = (struct pollfd){.fd = *out, .events = POLLIN};
    }
    if (*err >= 0) {
      err_i = n;
      pfd[n++] = (struct pollfd){.fd = *err, .events = POLLIN};
    }
    int h = n;
    n += health_poll_fill(pfd + n);
    int a = n;
    n += attach_poll_fill(pfd + n);
    int timeout = exited || !r ? (int)(deadline_ms - now) : -1;
    long long due = r && !exited ? health_due_ms() : -1;
    if (due >= 0) {
      long long wait = due > now ? due - now : 0;
      if (wait > INT_MAX) wait = INT_MAX;
      if (timeout < 0 || wait < timeout) timeout = (int)wait;
    }
    if (poll(pfd, (nfds_t)n, timeout) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    health_poll_handle(pfd + h, a - h);
    if (pfd[0].revents && reap(r ? r->pid : -1, &status) && !exited) {
      exited = true;
      clock_gettime(CLOCK_REALTIME, &exited_at);
      exited_ms = monotonic_ms();
      deadline_ms = exited_ms + DRAIN_MS;
      health_stop(); /* as Docker, at once: a check in flight is abandoned */
    }
    if (pfd[1].revents) read_ctl();
    if (out_i >= 0 && pfd[out_i].revents) forward(out, STREAM_STDOUT);
    if (err_i >= 0 && pfd[err_i].revents) forward(err, STREAM_STDERR);
    attach_poll_handle(pfd + a, n - a);
  }
  if (!r) return stop_requested ? -1 : 0;

  /* The container is gone: write what is left and let the clients go. */
  attach_close_stdin(); /* before the pty master it may be writing to */
  if (*out >= 0) close(*out);
  if (*err >= 0) close(*err);
  *out = *err = master_fd = -1;
  log_flush(STREAM_STDOUT);
  log_flush(STREAM_STDERR);
  attach_close_clients(monotonic_ms() + DRAIN_MS);
  return status;
}

/* ---- supervising: start, exit, restart ---- */

static bool should_restart(int exit_code) {
  if (stop_requested) return false; /* Docker never restarts a container the user stopped */
  switch (cfg.restart) {
  case RESTART_ALWAYS:
  case RESTART_UNLESS_STOPPED:
    return true;
  case RESTART_ON_FAILURE:
    return exit_code != 0 && (cfg.restart_max == 0 || restart_count < cfg.restart_max);
  default:
    return false;
  }
}

static void remove_runtime_files(void) {
  attach_close_listener();
  unlinkat(state_dirfd, "ctl", 0);
  unlinkat(state_dirfd, "console.sock", 0);
  unlinkat(state_dirfd, "container.pid", 0);
  unlinkat(state_dirfd, "runc.log", 0);
  unlinkat(state_dirfd, "health.pid", 0);
  unlinkat(state_dirfd, "health-runc.log", 0);
}

/*
 * The exit command, unless a berth that holds --exit-lock does its work itself: that berth
 * deletes the lock file once done (while holding it), so a missing or unlinked file means
 * done, and one still there once we get the lock means that berth died first.
 */
static void run_exit_command(void) {
  if (!cfg.exit_argv) return;
  if (cfg.exit_lock) {
    int fd = open(cfg.exit_lock, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) return;
    if (fd >= 0) {
      struct stat st;
      while (flock(fd, LOCK_EX) < 0 && errno == EINTR) {
      }
      bool done = fstat(fd, &st) == 0 && st.st_nlink == 0;
      close(fd);
      if (done) return;
    }
    if (access(cfg.bundle, F_OK) < 0) return; /* removed meanwhile */
  }
  /* fire and forget: it runs on after we exit; it is housekeeping, so it yields the CPU to the
   * work of the moment (the niceness is inherited; we are about to exit anyway) */
  if (setpriority(PRIO_PROCESS, 0, 10) < 0) { /* best effort */
  }
  spawn(cfg.exit_argv, devnull(), devnull(), devnull(), true);
}

static int supervise(void) {
  char err[1024];
  const char *final_error = NULL;
  struct run r;
  struct exit_info last = {0};
  long long backoff = 0;

  for (;;) {
    if (runtime_start(&r, err, sizeof err) < 0) {
      if (report_fd >= 0) { /* the first start: the foreground prints the error */
        print_error(report_fd, err);
        remove_runtime_files();
        return 1;
      }
      /* A restart failed: as in Docker, the previous exit stays, now final. */
      final_error = err;
      break;
    }
    char started[TIME_LEN];
    now_string(started);
    write_state("running", r.pid, started, restart_count);
    health_start(); /* before the report: berth reads health.json as soon as it runs */
    if (report_fd >= 0) report_pid(r.pid);

    if (cfg.tty) {
      master_fd = r.out_fd;
      apply_winsize();
      attach_set_stdin(cfg.open_stdin ? master_fd : -1, true);
    } else {
      attach_set_stdin(r.stdin_fd, false);
    }
    int status = event_loop(&r, 0);

    /* Read the OOM counter now: the cgroup goes with runtime_forget. */
    long long oom = oom_kill_count();
    last.oom = oom > 0 && oom > r.oom_base;
    last.code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    last.restart_count = restart_count;
    format_time(last.finished, &exited_at);
    read_ctl(); /* a stop written just before the kill decides the restart */
    if (!should_restart(last.code)) break;
    write_exit(&last, false, NULL);
    write_state("restarting", 0, started, restart_count + 1);
    runtime_forget();

    /* Docker's backoff: 100 ms doubling up to a minute, reset after a run of 10 s. */
    long long ran = exited_ms - r.started_ms;
    if (ran >= BACKOFF_RESET_RUN_MS || backoff == 0)
      backoff = BACKOFF_START_MS;
    else if ((backoff *= 2) > BACKOFF_MAX_MS)
      backoff = BACKOFF_MAX_MS;
    if (event_loop(NULL, monotonic_ms() + backoff) < 0) break; /* stopped while waiting */
    restart_count++;
  }

  /* Released before the final exit is written: whoever sees it finds nothing left to undo. */
  release_host_resources();
  write_exit(&last, true, final_error);
  attach_close_clients(0); /* any that connected during a restart backoff */
  /* Removed before the exit command runs, so that it finds the state directory final. */
  remove_runtime_files();
  run_exit_command();
  return 0;
}

/* ---- startup ---- */

/* Files and sockets in the state directory, made before detaching so errors reach the caller. */
static int setup(char *err, size_t errlen) {
  state_dirfd = open(cfg.state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (state_dirfd < 0) {
    snprintf(err, errlen, "state directory %s: %s", cfg.state_dir, strerror(errno));
    return -1;
  }
  unlinkat(state_dirfd, "ctl", 0);
  if (mkfifoat(state_dirfd, "ctl", 0600) < 0 ||
      (ctl_fd = openat(state_dirfd, "ctl", O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0 ||
      /* our own writer: the FIFO never reports EOF (which would make poll spin) */
      (ctl_keep_fd = openat(state_dirfd, "ctl", O_WRONLY | O_CLOEXEC)) < 0) {
    snprintf(err, errlen, "ctl FIFO in %s: %s", cfg.state_dir, strerror(errno));
    return -1;
  }
  if (attach_listen() < 0) {
    snprintf(err, errlen, "attach socket in %s: %s", cfg.state_dir, strerror(errno));
    return -1;
  }
  if (log_open() < 0) {
    snprintf(err, errlen, "log file %s: %s", cfg.log_path, strerror(errno));
    return -1;
  }
  return health_init(err, errlen);
}

/* The foreground process: wait for the monitor's one-line report and print it. */
static int foreground(int rfd, pid_t child) {
  char line[8192];
  size_t len = 0;
  ssize_t n;
  while (len < sizeof line - 1 && (n = read(rfd, line + len, sizeof line - 1 - len)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    len += (size_t)n;
  }
  line[len] = 0;
  wait_child(child);
  if (len == 0 || line[len - 1] != '\n') {
    print_error(1, "berth-monitor exited before starting the container");
    return 1;
  }
  write_all(1, line, len);
  return strncmp(line, "{\"pid\":", 7) == 0 ? 0 : 1;
}

static void become_daemon(void) {
  char buf[32];
  int fd = open("/dev/null", O_RDWR);
  if (chdir("/") < 0 || fd < 0) _exit(1);
  dup2(fd, 0);
  dup2(fd, 1);
  dup2(fd, 2);
  if (fd > 2) close(fd);
  int len = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
  write_state_file("monitor.pid", buf, (size_t)len);

  /* Orphaned processes, above all the container's init once runc exits, become our children. */
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  /* berth stops containers through runc kill; signals to the monitor are not for it. */
  signal(SIGTERM, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  sig_fd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sig_fd < 0) _exit(1);
}

int main(int argc, char **argv) {
  char err[1024];
  int report[2];

  /*
   * Nothing inherited beyond stdio and the --keep-fds ones (3, 4, …: held host ports, kept for
   * the container's life, never passed on): a caller's pipe held by the monitor would never
   * see EOF.
   */
  unsigned keep = 0;
  for (int i = 1; i + 1 < argc; i++)
    if (!strcmp(argv[i], "--keep-fds")) keep = (unsigned)strtoul(argv[i + 1], NULL, 10);
  if (keep > 65535) keep = 65535;
  close_range(3 + keep, ~0U, 0);
  for (unsigned fd = 3; fd < 3 + keep; fd++) fcntl((int)fd, F_SETFD, FD_CLOEXEC);
  if (parse_args(argc, argv, err, sizeof err) < 0 || setup(err, sizeof err) < 0) {
    print_error(1, err);
    return 1;
  }
  if (pipe2(report, O_CLOEXEC) < 0) {
    print_error(1, strerror(errno));
    return 1;
  }
  fflush(NULL);
  pid_t child = fork();
  if (child < 0) {
    print_error(1, strerror(errno));
    return 1;
  }
  if (child > 0) {
    close(report[1]);
    return foreground(report[0], child);
  }
  /* fork, setsid, fork: the monitor is nobody's child and has no controlling terminal. */
  close(report[0]);
  setsid();
  child = fork();
  if (child != 0) _exit(child < 0 ? 1 : 0);
  report_fd = report[1];
  become_daemon();
  return supervise();
}
