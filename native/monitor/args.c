/* Command-line options. Paths are made absolute here: the monitor later does chdir("/"). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor.h"

struct config cfg = {
    .runtime = "/usr/sbin/runc",
    .log_max_size = 10485760,
    .log_max_files = 3,
};

enum {
  OPT_ID = 256,
  OPT_BUNDLE,
  OPT_RUNTIME,
  OPT_RUNTIME_ROOT,
  OPT_STATE_DIR,
  OPT_LOG_PATH,
  OPT_LOG_MAX_SIZE,
  OPT_LOG_MAX_FILES,
  OPT_TTY,
  OPT_STDIN,
  OPT_STDIN_ONCE,
  OPT_WAIT_ATTACH,
  OPT_RESTART,
  OPT_CGROUP_PATH,
  OPT_EXIT_COMMAND,
  OPT_EXIT_ARG,
  OPT_HEALTH_CMD,
  OPT_HEALTH_INTERVAL,
  OPT_HEALTH_TIMEOUT,
  OPT_HEALTH_START_PERIOD,
  OPT_HEALTH_START_INTERVAL,
  OPT_HEALTH_RETRIES,
  OPT_EXIT_LOCK,
  OPT_KEEP_FDS,
};

static const struct option options[] = {
    {"id", required_argument, NULL, OPT_ID},
    {"bundle", required_argument, NULL, OPT_BUNDLE},
    {"runtime", required_argument, NULL, OPT_RUNTIME},
    {"runtime-root", required_argument, NULL, OPT_RUNTIME_ROOT},
    {"state-dir", required_argument, NULL, OPT_STATE_DIR},
    {"log-path", required_argument, NULL, OPT_LOG_PATH},
    {"log-max-size", required_argument, NULL, OPT_LOG_MAX_SIZE},
    {"log-max-files", required_argument, NULL, OPT_LOG_MAX_FILES},
    {"tty", no_argument, NULL, OPT_TTY},
    {"stdin", no_argument, NULL, OPT_STDIN},
    {"stdin-once", no_argument, NULL, OPT_STDIN_ONCE},
    {"wait-attach", no_argument, NULL, OPT_WAIT_ATTACH},
    {"restart", required_argument, NULL, OPT_RESTART},
    {"cgroup-path", required_argument, NULL, OPT_CGROUP_PATH},
    {"exit-command", required_argument, NULL, OPT_EXIT_COMMAND},
    {"exit-arg", required_argument, NULL, OPT_EXIT_ARG},
    {"exit-lock", required_argument, NULL, OPT_EXIT_LOCK},
    {"keep-fds", required_argument, NULL, OPT_KEEP_FDS},
    {"health-cmd", required_argument, NULL, OPT_HEALTH_CMD},
    {"health-interval", required_argument, NULL, OPT_HEALTH_INTERVAL},
    {"health-timeout", required_argument, NULL, OPT_HEALTH_TIMEOUT},
    {"health-start-period", required_argument, NULL, OPT_HEALTH_START_PERIOD},
    {"health-start-interval", required_argument, NULL, OPT_HEALTH_START_INTERVAL},
    {"health-retries", required_argument, NULL, OPT_HEALTH_RETRIES},
    {NULL, 0, NULL, 0},
};

/* An absolute version of a path (relative paths are taken from the current directory). */
static const char *absolute(const char *p) {
  static char cwd[PATH_MAX];
  if (p[0] == '/') return p;
  if (!cwd[0] && !getcwd(cwd, sizeof cwd)) return p;
  char *out;
  if (asprintf(&out, "%s/%s", cwd, p) < 0) return p;
  return out;
}

static int parse_number(const char *s, long long min, long long *out) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end || v < min) return -1;
  *out = v;
  return 0;
}

static int parse_restart(const char *s) {
  if (!strcmp(s, "no")) {
    cfg.restart = RESTART_NO;
  } else if (!strcmp(s, "always")) {
    cfg.restart = RESTART_ALWAYS;
  } else if (!strcmp(s, "unless-stopped")) {
    cfg.restart = RESTART_UNLESS_STOPPED;
  } else if (!strncmp(s, "on-failure", 10) && (s[10] == 0 || s[10] == ':')) {
    long long n = 0;
    if (s[10] == ':' && (parse_number(s + 11, 0, &n) < 0 || n > INT_MAX)) return -1;
    cfg.restart = RESTART_ON_FAILURE;
    cfg.restart_max = (int)n;
  } else {
    return -1;
  }
  return 0;
}

int parse_args(int argc, char **argv, char *err, size_t errlen) {
  const char *exit_command = NULL;
  /* At most argc exit args, plus the command and the terminating NULL. */
  char **exit_args = calloc((size_t)argc + 2, sizeof *exit_args);
  int n_exit_args = 0;
  /* At most argc words of the health check command, plus the terminating NULL. */
  char **health_args = calloc((size_t)argc + 1, sizeof *health_args);
  int n_health_args = 0;
  long long n;
  int c, idx = 0;

  if (!exit_args || !health_args) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", options, &idx)) != -1) {
    switch (c) {
    case OPT_ID:
      cfg.id = optarg;
      break;
    case OPT_BUNDLE:
      cfg.bundle = absolute(optarg);
      break;
    case OPT_RUNTIME:
      /* A bare name is looked up in $PATH; anything with a slash is a path. */
      cfg.runtime = strchr(optarg, '/') ? absolute(optarg) : optarg;
      break;
    case OPT_RUNTIME_ROOT:
      cfg.runtime_root = absolute(optarg);
      break;
    case OPT_STATE_DIR:
      cfg.state_dir = absolute(optarg);
      break;
    case OPT_LOG_PATH:
      cfg.log_path = absolute(optarg);
      break;
    case OPT_LOG_MAX_SIZE:
      if (parse_number(optarg, 0, &n) < 0) {
        snprintf(err, errlen, "invalid --log-max-size: %s", optarg);
        return -1;
      }
      cfg.log_max_size = n;
      break;
    case OPT_LOG_MAX_FILES:
      if (parse_number(optarg, 1, &n) < 0 || n > 1000) {
        snprintf(err, errlen, "invalid --log-max-files: %s", optarg);
        return -1;
      }
      cfg.log_max_files = (int)n;
      break;
    case OPT_TTY:
      cfg.tty = true;
      break;
    case OPT_STDIN:
      cfg.open_stdin = true;
      break;
    case OPT_STDIN_ONCE:
      cfg.stdin_once = true;
      break;
    case OPT_WAIT_ATTACH:
      cfg.wait_attach = true;
      break;
    case OPT_RESTART:
      if (parse_restart(optarg) < 0) {
        snprintf(err, errlen, "invalid --restart: %s", optarg);
        return -1;
      }
      break;
    case OPT_CGROUP_PATH:
      cfg.cgroup_path = optarg;
      break;
    case OPT_EXIT_LOCK:
      cfg.exit_lock = absolute(optarg);
      break;
    case OPT_KEEP_FDS: /* applied in main, before anything else */
      if (parse_number(optarg, 0, &n) < 0 || n > 65535) {
        snprintf(err, errlen, "invalid --keep-fds: %s", optarg);
        return -1;
      }
      break;
    case OPT_EXIT_COMMAND:
      exit_command = strchr(optarg, '/') ? absolute(optarg) : optarg;
      break;
    case OPT_EXIT_ARG:
      exit_args[1 + n_exit_args++] = optarg;
      break;
    case OPT_HEALTH_CMD:
      health_args[n_health_args++] = optarg;
      break;
    case OPT_HEALTH_INTERVAL:
    case OPT_HEALTH_TIMEOUT:
    case OPT_HEALTH_START_PERIOD:
    case OPT_HEALTH_START_INTERVAL: /* nanoseconds, as in Docker's config */
      if (parse_number(optarg, 0, &n) < 0) {
        snprintf(err, errlen, "invalid --%s: %s", options[idx].name, optarg);
        return -1;
      }
      *(c == OPT_HEALTH_INTERVAL  ? &cfg.health_interval
        : c == OPT_HEALTH_TIMEOUT ? &cfg.health_timeout
        : c == OPT_HEALTH_START_PERIOD ? &cfg.health_start_period
                                       : &cfg.health_start_interval) = n;
      break;
    case OPT_HEALTH_RETRIES:
      if (parse_number(optarg, 0, &n) < 0 || n > INT_MAX) {
        snprintf(err, errlen, "invalid --health-retries: %s", optarg);
        return -1;
      }
      cfg.health_retries = (int)n;
      break;
    default:
      if (optopt)
        snprintf(err, errlen, "option requires an argument or is unknown: %s", argv[optind - 1]);
      else
        snprintf(err, errlen, "unknown option: %s", argv[optind - 1]);
      return -1;
    }
  }
  if (optind < argc) {
    snprintf(err, errlen, "unexpected argument: %s", argv[optind]);
    return -1;
  }
  if (!cfg.id || !cfg.id[0] || strchr(cfg.id, '/')) {
    snprintf(err, errlen, "--id is required (a container id without '/')");
    return -1;
  }
  if (!cfg.bundle || !cfg.state_dir) {
    snprintf(err, errlen, "--bundle and --state-dir are required");
    return -1;
  }
  if (exit_command) {
    exit_args[0] = (char *)exit_command;
    cfg.exit_argv = exit_args;
  } else {
    free(exit_args);
  }
  if (n_health_args > 0)
    cfg.health_argv = health_args;
  else
    free(health_args);
  return 0;
}
