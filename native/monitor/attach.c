/*
 * attach.sock: every connected client gets the container's output from the moment it
 * connects (raw with a tty, otherwise in Docker's multiplexed framing), and whatever a client
 * sends goes to the container's stdin.
 *
 * Nothing here blocks the container: a client that cannot keep up has its output queued (up
 * to CLIENT_QUEUE_MAX, then it is disconnected). Input is the opposite: while the container
 * is not reading its stdin, the clients are not read either, so the backpressure reaches them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "monitor.h"

#define CLIENT_QUEUE_MAX (256 << 10)

struct client {
  int fd; /* -1: free slot */
  bool read_closed; /* the client half-closed (shutdown SHUT_WR): no more input */
  char *queue;      /* output the socket did not take yet */
  size_t queued, cap;
};

static struct client clients[ATTACH_MAX_CLIENTS];
static int nclients; /* slots in use are clients[0..nclients) that have fd >= 0 */
static int listen_fd = -1;

/* The container's stdin for this run, and one chunk of input waiting to be written to it. */
static int stdin_fd = -1;
static bool stdin_is_pty;
static char stdin_buf[8192];
static size_t stdin_len, stdin_off;
/* --stdin-once: the client whose EOF closes stdin, and whether that close is due. */
static int stdin_owner = -1;
static bool stdin_close_due;

/* What each pollfd that attach_poll_fill returned stands for. */
enum { SLOT_LISTENER = -1, SLOT_STDIN = -2 };
static int poll_map[ATTACH_MAX_POLL];

int attach_listen(void) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (state_sock_path(addr.sun_path, sizeof addr.sun_path, "attach.sock", 0) < 0) {
    errno = ENAMETOOLONG;
    return -1;
  }
  unlinkat(state_dirfd, "attach.sock", 0);
  listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listen_fd < 0) return -1;
  if (bind(listen_fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listen_fd, 64) < 0) {
    close(listen_fd);
    listen_fd = -1;
    return -1;
  }
  for (int i = 0; i < ATTACH_MAX_CLIENTS; i++) clients[i].fd = -1;
  return 0;
}

void attach_close_listener(void) {
  if (listen_fd >= 0) close(listen_fd);
  listen_fd = -1;
  unlinkat(state_dirfd, "attach.sock", 0);
}

static void accept_clients(void) {
  for (;;) {
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return; /* EAGAIN, or an aborted connection */
    int i = 0;
    while (i < ATTACH_MAX_CLIENTS && clients[i].fd >= 0) i++;
    if (i == ATTACH_MAX_CLIENTS) {
      close(fd); /* full: the client sees EOF at once */
      continue;
    }
    clients[i] = (struct client){.fd = fd};
    if (i >= nclients) nclients = i + 1;
  }
}

void attach_accept_waiting(int timeout_ms) {
  if (listen_fd < 0) return;
  if (timeout_ms > 0 && nclients == 0) {
    struct pollfd p = {.fd = listen_fd, .events = POLLIN};
    while (poll(&p, 1, timeout_ms) < 0 && errno == EINTR) {
    }
  }
  accept_clients();
}

static void stdin_close_now(void) {
  if (stdin_fd >= 0 && !stdin_is_pty) close(stdin_fd); /* the pty master belongs to main.c */
  stdin_fd = -1;
  stdin_len = stdin_off = 0;
  stdin_close_due = false;
}

/*
 * --stdin-once: the first client that sends input owns stdin, and its EOF (half-close or
 * disconnect) closes the container's stdin. A client that half-closes without sending anything
 * (empty input) claims stdin the same way; one that merely disconnects does not.
 */
static void client_input_ended(int i, bool explicit_eof) {
  if (!cfg.stdin_once || stdin_fd < 0) return;
  if (stdin_owner == -1 && explicit_eof) stdin_owner = i;
  if (stdin_owner != i) return;
  stdin_close_due = true;
  if (stdin_len == 0) stdin_close_now();
}

static void drop_client(int i) {
  struct client *c = &clients[i];
  if (!c->read_closed) client_input_ended(i, false); /* a disconnect ends its input too */
  close(c->fd);
  free(c->queue);
  *c = (struct client){.fd = -1};
  if (stdin_owner == i) stdin_owner = -2; /* owned by a client that is gone */
  while (nclients > 0 && clients[nclients - 1].fd < 0) nclients--;
}

/* Write what stdin takes now; the rest waits for POLLOUT. */
static void stdin_flush(void) {
  while (stdin_off < stdin_len) {
    ssize_t w = write(stdin_fd, stdin_buf + stdin_off, stdin_len - stdin_off);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      stdin_close_now(); /* EPIPE: the container closed its stdin; EIO: the pty is gone */
      return;
    }
    stdin_off += (size_t)w;
  }
  stdin_len = stdin_off = 0;
  if (stdin_close_due) stdin_close_now();
}

static void read_client(int i, short revents) {
  struct client *c = &clients[i];
  ssize_t n = read(c->fd, stdin_buf, sizeof stdin_buf);
  if (n > 0) {
    /* Input for a container without an open stdin is read and dropped. */
    if (stdin_fd < 0 || stdin_close_due) return;
    if (stdin_owner == -1) stdin_owner = i;
    stdin_len = (size_t)n;
    stdin_off = 0;
    stdin_flush();
  } else if (n == 0) {
    /* Half-close, or a full close (POLLHUP): either way no more input from this client. */
    client_input_ended(i, !(revents & POLLHUP));
    c->read_closed = true;
    if (revents & POLLHUP) drop_client(i);
  } else if (errno != EAGAIN && errno != EINTR) {
    drop_client(i);
  }
}

/* Queue bytes for a client; false when the client is too far behind and was dropped. */
static bool enqueue(int i, const char *data, size_t n) {
  struct client *c = &clients[i];
  if (c->queued + n > c->cap) {
    size_t cap = c->cap ? c->cap : 16384;
    while (cap < c->queued + n) cap *= 2;
    char *q = cap <= CLIENT_QUEUE_MAX ? realloc(c->queue, cap) : NULL;
    if (!q) {
      drop_client(i);
      return false;
    }
    c->queue = q;
    c->cap = cap;
  }
  memcpy(c->queue + c->queued, data, n);
  c->queued += n;
  return true;
}

static void flush_client(int i) {
  struct client *c = &clients[i];
  size_t off = 0;
  while (off < c->queued) {
    ssize_t w = write(c->fd, c->queue + off, c->queued - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      drop_client(i);
      return;
    }
    off += (size_t)w;
  }
  memmove(c->queue, c->queue + off, c->queued - off);
  c->queued -= off;
  if (c->queued == 0) { /* give the memory back: most of the time no client lags */
    free(c->queue);
    c->queue = NULL;
    c->cap = 0;
  }
}

void attach_broadcast(int stream, const char *data, size_t n) {
  /* Docker's stdcopy header: stream, 3 zero bytes, big-endian payload length. */
  unsigned char hdr[8] = {(unsigned char)stream, 0, 0, 0, (unsigned char)(n >> 24),
                          (unsigned char)(n >> 16), (unsigned char)(n >> 8), (unsigned char)n};
  size_t hlen = stream == STREAM_STDIN ? 0 : sizeof hdr;

  for (int i = 0; i < nclients; i++) {
    struct client *c = &clients[i];
    if (c->fd < 0) continue;
    size_t done = 0;
    if (c->queued == 0) {
      struct iovec iov[2] = {{hdr, hlen}, {(void *)data, n}};
      ssize_t w;
      do
        w = writev(c->fd, hlen ? iov : iov + 1, hlen ? 2 : 1);
      while (w < 0 && errno == EINTR);
      if (w < 0 && errno != EAGAIN) {
        drop_client(i);
        continue;
      }
      done = w < 0 ? 0 : (size_t)w;
    }
    if (done < hlen && !enqueue(i, (const char *)hdr + done, hlen - done)) continue;
    size_t skip = done > hlen ? done - hlen : 0;
    if (skip < n) enqueue(i, data + skip, n - skip);
  }
}

int attach_poll_fill(struct pollfd *pfd) {
  int n = 0;
  if (listen_fd >= 0) {
    pfd[n] = (struct pollfd){.fd = listen_fd, .events = POLLIN};
    poll_map[n++] = SLOT_LISTENER;
  }
  if (stdin_fd >= 0 && stdin_len > 0) {
    pfd[n] = (struct pollfd){.fd = stdin_fd, .events = POLLOUT};
    poll_map[n++] = SLOT_STDIN;
  }
  for (int i = 0; i < nclients; i++) {
    struct client *c = &clients[i];
    if (c->fd < 0) continue;
    bool want_input = !c->read_closed && stdin_len == 0;
    /*
     * While stdin is full, a client with input is left out entirely: polling it would report
     * POLLHUP (which cannot be masked) over and over once it disconnects.
     */
    if (!c->read_closed && !want_input && c->queued == 0) continue;
    /* A half-closed client is still polled (events 0) to notice when it goes away. */
    pfd[n] = (struct pollfd){.fd = c->fd,
                             .events = (short)((want_input ? POLLIN : 0) | (c->queued ? POLLOUT : 0))};
    poll_map[n++] = i;
  }
  return n;
}

void attach_poll_handle(const struct pollfd *pfd, int n) {
  for (int k = 0; k < n; k++) {
    short ev = pfd[k].revents;
    int i = poll_map[k];
    if (!ev) continue;
    if (i == SLOT_LISTENER) {
      accept_clients();
    } else if (i == SLOT_STDIN) {
      if (stdin_fd >= 0) stdin_flush();
    } else if (clients[i].fd == pfd[k].fd) { /* still the same client */
      if (ev & POLLERR) {
        drop_client(i);
        continue;
      }
      if (ev & POLLOUT) flush_client(i);
      if (clients[i].fd < 0) continue;
      if (!clients[i].read_closed && (ev & (POLLIN | POLLHUP)) && stdin_len == 0)
        read_client(i, ev);
      else if ((ev & POLLHUP) && clients[i].read_closed)
        drop_client(i);
    }
  }
}

void attach_close_clients(long long deadline_ms) {
  struct pollfd pfd[ATTACH_MAX_CLIENTS];
  int map[ATTACH_MAX_CLIENTS];
  for (;;) {
    int n = 0;
    for (int i = 0; i < nclients; i++) {
      if (clients[i].fd < 0 || clients[i].queued == 0) continue;
      pfd[n] = (struct pollfd){.fd = clients[i].fd, .events = POLLOUT};
      map[n++] = i;
    }
    long long left = deadline_ms - monotonic_ms();
    if (n == 0 || left <= 0) break;
    if (poll(pfd, (nfds_t)n, (int)left) < 0 && errno != EINTR) break;
    for (int k = 0; k < n; k++)
      if (pfd[k].revents && clients[map[k]].fd >= 0) flush_client(map[k]);
  }
  for (int i = 0; i < nclients; i++) {
    if (clients[i].fd < 0) continue;
    clients[i].read_closed = true; /* closing clients says nothing about stdin */
    drop_client(i);
  }
  nclients = 0;
}

void attach_set_stdin(int fd, bool is_pty) {
  stdin_fd = fd;
  stdin_is_pty = is_pty;
  stdin_len = stdin_off = 0;
  stdin_owner = -1;
  stdin_close_due = false;
  if (fd >= 0) set_nonblock(fd);
}

void attach_close_stdin(void) { stdin_close_now(); }
