/* Running the OCI runtime (runc): run, delete; the console socket; OOM counters. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor.h"

extern char **environ;

int devnull(void) {
  static int fd = -1;
  if (fd < 0) fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  return fd;
}

pid_t spawn(char *const argv[], int in, int out, int errfd, bool new_session) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t none, all;
  pid_t pid;

  /*
   * The monitor ignores some signals and blocks SIGCHLD; ignored dispositions and the mask
   * survive exec, so the child gets the defaults back (else the container's processes would
   * ignore SIGPIPE and SIGTERM).
   */
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                      (new_session ? POSIX_SPAWN_SETSID : 0));
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in, 0);
  posix_spawn_file_actions_adddup2(&fa, out, 1);
  posix_spawn_file_actions_adddup2(&fa, errfd, 2);
  int rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    errno = rc;
    return -1;
  }
  return pid;
}

int wait_child(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return status;
}

/* argv for `runc [--root R] --log <state>/runc.log --log-format json <args...>` */
static char state_log[4096 + 16];
static int runtime_argv(char **argv, char *const *args) {
  int n = 0;
  argv[n++] = (char *)cfg.runtime;
  if (cfg.runtime_root) {
    argv[n++] = "--root";
    argv[n++] = (char *)cfg.runtime_root;
  }
  snprintf(state_log, sizeof state_log, "%s/runc.log", cfg.state_dir);
  argv[n++] = "--log";
  argv[n++] = state_log;
  argv[n++] = "--log-format";
  argv[n++] = "json";
  while (*args) argv[n++] = *args++;
  argv[n] = NULL;
  return n;
}

/* Run the runtime with stdio on /dev/null; returns its wait status (or -1). */
static int run_runtime(char *const *args) {
  char *argv[24];
  runtime_argv(argv, args);
  pid_t pid = spawn(argv, devnull(), devnull(), devnull(), false);
  return pid < 0 ? -1 : wait_child(pid);
}

void runtime_delete(void) {
  char *args[] = {"delete", "--force", (char *)cfg.id, NULL};
  run_runtime(args);
}

/* runc's root: --runtime-root, or runc's own default. */
static const char *runtime_root(void) { return cfg.runtime_root ? cfg.runtime_root : "/run/runc"; }

void runtime_forget(void) {
  char path[4096 + 64];
  if (cfg.cgroup_path) {
    DIR *d = opendir("/sys/fs/cgroup");
    if (d) {
      struct dirent *e;
      while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "/sys/fs/cgroup/%s%s", e->d_name, cfg.cgroup_path);
        rmdir(path); /* busy (a process left in it) or absent: left alone */
      }
      closedir(d);
    }
  }
  /* runc's state directory holds state.json (and exec.fifo until a start completes) */
  static const char *const files[] = {"state.json", "exec.fifo"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(path, sizeof path, "%s/%s/%s", runtime_root(), cfg.id, files[i]);
    unlink(path);
  }
  snprintf(path, sizeof path, "%s/%s", runtime_root(), cfg.id);
  if (rmdir(path) < 0 && errno == ENOTEMPTY) runtime_delete(); /* something unexpected: runc's way */
}

/*
 * After the final exit: what the container held on the host goes with it, without waiting for
 * berth — runc's state and the cgroup directories, and the root file system mount
 * (bundle/rootfs, mounted by berth).
 */
void release_host_resources(void) {
  char path[4096 + 64];
  runtime_forget();
  snprintf(path, sizeof path, "%s/rootfs", cfg.bundle);
  umount2(path, MNT_DETACH); /* not mounted: EINVAL, nothing to do */
}

/* Decode the JSON string starting after its opening quote into out (one line). */
static void json_unquote(const char *s, char *out, size_t outlen) {
  size_t o = 0;
  while (*s && *s != '"' && o + 4 < outlen) {
    char c = *s++;
    if (c == '\\' && *s) {
      c = *s++;
      switch (c) {
      case 'n':
      case 'r':
      case 't':
        c = ' ';
        break;
      case 'b':
      case 'f':
        continue;
      case 'u': {
        unsigned v = 0;
        int k = 0;
        for (; k < 4 && s[k]; k++) {
          char h = s[k];
          v = v * 16 + (unsigned)(h >= 'a' ? h - 'a' + 10 : h >= 'A' ? h - 'A' + 10 : h - '0');
        }
        s += k;
        if (v < 0x80) { /* encode as UTF-8; a lone surrogate half becomes '?' */
          out[o++] = v < 0x20 ? ' ' : (char)v;
        } else if (v < 0x800) {
          out[o++] = (char)(0xC0 | (v >> 6));
          out[o++] = (char)(0x80 | (v & 0x3F));
        } else if (v >= 0xD800 && v < 0xE000) {
          out[o++] = '?';
        } else {
          out[o++] = (char)(0xE0 | (v >> 12));
          out[o++] = (char)(0x80 | ((v >> 6) & 0x3F));
          out[o++] = (char)(0x80 | (v & 0x3F));
        }
        continue;
      }
      default: /* \" \\ \/ */
        break;
      }
    }
    out[o++] = c == '\n' || c == '\r' ? ' ' : c;
  }
  out[o] = 0;
}

/*
 * The runtime's error message: the last error-level entry of its JSON log, e.g.
 * {"level":"error","msg":"runc create failed: unable to start container process: exec:
 * \"nope\": executable file not found in $PATH","time":"..."}.
 */
static char log_buf[16384 + 1];

void runtime_log_error(const char *name, char *err, size_t errlen) {
  ssize_t n = 0;
  err[0] = 0;
  int fd = openat(state_dirfd, name, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    struct stat st;
    off_t from = fstat(fd, &st) == 0 && st.st_size > 16384 ? st.st_size - 16384 : 0;
    n = pread(fd, log_buf, sizeof log_buf - 1, from);
    close(fd);
  }
  log_buf[n > 0 ? n : 0] = 0;
  for (char *line = log_buf, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = 0;
    const char *msg = strstr(line, "\"msg\":\"");
    if (strstr(line, "\"level\":\"error\"") && msg) json_unquote(msg + 7, err, errlen);
  }
}

static void runtime_error(const char *what, int status, int stderr_fd, char *err, size_t errlen) {
  runtime_log_error("runc.log", err, errlen);
  /* No JSON log (another runtime?): the runtime's stderr, if we have it. */
  if (!err[0] && stderr_fd >= 0) {
    ssize_t n = read(stderr_fd, log_buf, sizeof log_buf - 1);
    log_buf[n > 0 ? n : 0] = 0;
    log_buf[strcspn(log_buf, "\n")] = 0;
    snprintf(err, errlen, "%s", log_buf);
  }
  if (!err[0]) {
    if (status >= 0 && WIFEXITED(status))
      snprintf(err, errlen, "%s %s failed: exit status %d", cfg.runtime, what, WEXITSTATUS(status));
    else
      snprintf(err, errlen, "%s %s failed: %s", cfg.runtime, what, strerror(errno));
  }
}

/* runc --console-socket: a listener in the state directory, replaced on every start. */
static int console_listen(char *path, size_t pathlen) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  /* runc connects from its own process, so the /proc fallback names our pid. */
  if (state_sock_path(path, pathlen, "console.sock", getpid()) < 0 ||
      state_sock_path(addr.sun_path, sizeof addr.sun_path, "console.sock", 0) < 0) {
    errno = ENAMETOOLONG;
    return -1;
  }
  unlinkat(state_dirfd, "console.sock", 0);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 4) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/*
 * The pty master runc sent. runc has exited by now: its connection waits in the listen
 * queue with the fd attached (SCM_RIGHTS), so accept and receive it.
 */
static int console_receive(int lfd) {
  struct pollfd p = {.fd = lfd, .events = POLLIN};
  if (poll(&p, 1, 2000) <= 0) return -1;
  int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
  if (c < 0) return -1;
  char name[512];
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int))];
  } u;
  struct iovec iov = {name, sizeof name};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                       .msg_controllen = sizeof u.buf};
  int master = -1;
  ssize_t n;
  do
    n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  struct cmsghdr *cm = n >= 0 ? CMSG_FIRSTHDR(&msg) : NULL;
  if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
      cm->cmsg_len == CMSG_LEN(sizeof(int)))
    memcpy(&master, CMSG_DATA(cm), sizeof master);
  close(c);
  return master;
}

static pid_t read_pid_file(void) {
  char buf[32] = {0};
  int fd = openat(state_dirfd, "container.pid", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  long v = n > 0 ? strtol(buf, NULL, 10) : 0;
  return v > 0 ? (pid_t)v : -1;
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

int runtime_start(struct run *r, char *err, size_t errlen) {
  int out[2] = {-1, -1}, errp[2] = {-1, -1}, in[2] = {-1, -1};
  int console = -1, status;
  char pid_file[4096 + 32], console_path[4096 + 32];
  char *create[14];
  int n = 0;

  *r = (struct run){.pid = -1, .out_fd = -1, .err_fd = -1, .stdin_fd = -1, .oom_base = -1};
  snprintf(pid_file, sizeof pid_file, "%s/container.pid", cfg.state_dir);
  /* one runc process for create + start (`run --detach`): runc starts in ~10 ms, not free */
  create[n++] = "run";
  create[n++] = "--detach";
  create[n++] = "--bundle";
  create[n++] = (char *)cfg.bundle;
  create[n++] = "--pid-file";
  create[n++] = pid_file;
  if (cfg.tty) {
    console = console_listen(console_path, sizeof console_path);
    if (console < 0) {
      snprintf(err, errlen, "console socket: %s", strerror(errno));
      return -1;
    }
    create[n++] = "--console-socket";
    create[n++] = console_path;
  } else if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
             (cfg.open_stdin && pipe2(in, O_CLOEXEC) < 0)) {
    snprintf(err, errlen, "pipe: %s", strerror(errno));
    goto fail;
  }
  create[n++] = (char *)cfg.id;
  create[n] = NULL;
  unlinkat(state_dirfd, "container.pid", 0);
  unlinkat(state_dirfd, "runc.log", 0);
  /* clients that connected while the container was being prepared see all of its output */
  static bool first_start = true;
  attach_accept_waiting(cfg.wait_attach && first_start ? 10000 : 0);
  first_start = false;
  /* A baseline: a cgroup that is reused keeps the OOM kills of earlier runs (none: 0). */
  r->oom_base = oom_kill_count();
  if (r->oom_base < 0) r->oom_base = 0;

  /*
   * Without a tty, runc hands its own stdio to the container process: the pipes become the
   * container's stdout/stderr/stdin. With a tty the container gets the pty instead.
   */
  char *argv[24];
  runtime_argv(argv, create);
  pid_t pid = spawn(argv, in[0] >= 0 ? in[0] : devnull(), out[1] >= 0 ? out[1] : devnull(),
                    errp[1] >= 0 ? errp[1] : devnull(), false);
  close_fd(&in[0]);
  close_fd(&out[1]);
  close_fd(&errp[1]);
  status = pid < 0 ? -1 : wait_child(pid);
  if (status != 0) {
    if (errp[0] >= 0) set_nonblock(errp[0]);
    runtime_error("run", status, errp[0], err, errlen);
    runtime_delete(); /* run cleans up after itself; this makes sure */
    goto fail;
  }
  if (cfg.tty) {
    out[0] = console_receive(console);
    if (out[0] < 0) {
      snprintf(err, errlen, "%s run did not send a console (pty master)", cfg.runtime);
      runtime_delete();
      goto fail;
    }
    set_nonblock(out[0]);
  }
  close_fd(&console);
  unlinkat(state_dirfd, "console.sock", 0);
  r->pid = read_pid_file();
  if (r->pid < 0) {
    snprintf(err, errlen, "%s run wrote no pid file", cfg.runtime);
    runtime_delete();
    goto fail;
  }
  r->started_ms = monotonic_ms();
  r->out_fd = out[0];
  r->err_fd = errp[0];
  r->stdin_fd = in[1];
  if (r->out_fd >= 0) set_nonblock(r->out_fd);
  if (r->err_fd >= 0) set_nonblock(r->err_fd);
  return 0;

fail:
  close_fd(&console);
  unlinkat(state_dirfd, "console.sock", 0);
  close_fd(&in[0]);
  close_fd(&in[1]);
  close_fd(&out[0]);
  close_fd(&out[1]);
  close_fd(&errp[0]);
  close_fd(&errp[1]);
  r->pid = -1;
  return -1;
}

static long long read_oom_kill(const char *path) {
  char buf[1024];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  /* memory.events (v2) and memory.oom_control (v1) both have an "oom_kill N" line. */
  for (char *p = buf; p; p = strchr(p, '\n')) {
    if (*p == '\n') p++;
    if (!strncmp(p, "oom_kill ", 9)) return strtoll(p + 9, NULL, 10);
  }
  return -1;
}

long long oom_kill_count(void) {
  static const char *const files[] = {
      "/sys/fs/cgroup/unified%s/memory.events", /* hybrid: memory on the v2 mount */
      "/sys/fs/cgroup%s/memory.events",         /* unified v2 */
      "/sys/fs/cgroup/memory%s/memory.oom_control", /* v1 */
  };
  char path[4096 + 64];
  if (!cfg.cgroup_path || cfg.cgroup_path[0] != '/') return -1;
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(path, sizeof path, files[i], cfg.cgroup_path);
    long long v = read_oom_kill(path);
    if (v >= 0) return v;
  }
  return -1;
}

/* runc pause freezes the cgroup: v1 freezer.state FROZEN/FREEZING, v2 cgroup.freeze 1. */
bool cgroup_frozen(void) {
  static const char *const files[] = {
      "/sys/fs/cgroup/freezer%s/freezer.state",
      "/sys/fs/cgroup%s/cgroup.freeze",
      "/sys/fs/cgroup/unified%s/cgroup.freeze",
  };
  char path[4096 + 64], buf[32];
  if (!cfg.cgroup_path || cfg.cgroup_path[0] != '/') return false;
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(path, sizeof path, files[i], cfg.cgroup_path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) continue;
    buf[n] = 0;
    return buf[0] == '1' || !strncmp(buf, "FROZEN", 6) || !strncmp(buf, "FREEZING", 8);
  }
  return false;
}
