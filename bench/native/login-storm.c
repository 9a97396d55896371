/*
 * Login storm for the capacity benchmark: opens COUNT connections to the
 * chat server, at most IN_FLIGHT at a time, each sending "LOGIN u<i>" and
 * waiting for "OK". Node's net.connect costs the load generator about
 * 100 us of CPU per connection on a small VM, which would make the
 * generator, not the server, the limit of a 10000-logins-a-second test;
 * this costs a fraction of that. Prints one JSON line with the results,
 * keeps every connection open until its standard input closes, then exits.
 * It reads nothing after the OK: a storm of clients that never read.
 *
 *   login-storm HOST PORT COUNT IN_FLIGHT [RCVBUF [PREFIX]]
 *
 * RCVBUF (bytes, 0 for the default) shrinks each socket's receive buffer, as
 * an attacker's clients that stop reading would; PREFIX names the users
 * (default "u": u0, u1 ...).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum state { CONNECTING, WAITING, DONE, FAILED };

struct conn {
  int fd;
  enum state state;
  int index;
  char reply[8];
  int got;
};

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int receive_buffer = 0;
static const char *prefix = "u";

static int start(struct conn *c, int index, const struct sockaddr_in *addr, int epoll_fd) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // Before connect, so that the window offered to the server is small too.
  if (receive_buffer > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  c->fd = fd;
  c->index = index;
  c->state = CONNECTING;
  c->got = 0;
  if (connect(fd, (const struct sockaddr *)addr, sizeof *addr) < 0 && errno != EINPROGRESS) return -1;
  struct epoll_event event = {.events = EPOLLOUT | EPOLLIN, .data.ptr = c};
  return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event);
}

int main(int argc, char **argv) {
  if (argc < 5 || argc > 7) {
    fprintf(stderr, "usage: %s HOST PORT COUNT IN_FLIGHT [RCVBUF [PREFIX]]\n", argv[0]);
    return 2;
  }
  if (argc > 5) receive_buffer = atoi(argv[5]);
  if (argc > 6) prefix = argv[6];
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
  inet_pton(AF_INET, argv[1], &addr.sin_addr);
  int count = atoi(argv[3]);
  int in_flight = atoi(argv[4]);
  struct conn *conns = calloc(count, sizeof *conns);
  int epoll_fd = epoll_create1(0);
  struct epoll_event events[256];
  int started = 0, finished = 0, failed = 0, active = 0;
  double begin = now_seconds();

  while (finished + failed < count) {
    while (active < in_flight && started < count) {
      if (start(&conns[started], started, &addr, epoll_fd) < 0) {
        conns[started].state = FAILED;
        failed++;
      } else {
        active++;
      }
      started++;
    }
    int ready = epoll_wait(epoll_fd, events, 256, 5000);
    if (ready <= 0) break;
    for (int i = 0; i < ready; i++) {
      struct conn *c = events[i].data.ptr;
      if (c->state == CONNECTING && (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        int error = 0;
        socklen_t length = sizeof error;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &length);
        char line[64];
        int size = snprintf(line, sizeof line, "LOGIN %s%d\n", prefix, c->index);
        if (error != 0 || write(c->fd, line, size) != size) {
          c->state = FAILED;
        } else {
          c->state = WAITING;
          struct epoll_event event = {.events = EPOLLIN, .data.ptr = c};
          epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &event);
          continue;
        }
      } else if (c->state == WAITING && (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) {
        ssize_t n = read(c->fd, c->reply + c->got, sizeof c->reply - 1 - c->got);
        if (n <= 0) {
          c->state = FAILED;
        } else {
          c->got += n;
          c->reply[c->got] = 0;
          if (strchr(c->reply, '\n') == NULL) continue;
          c->state = strcmp(c->reply, "OK\n") == 0 ? DONE : FAILED;
        }
      } else {
        continue;
      }
      epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
      active--;
      if (c->state == DONE) finished++;
      else failed++;
    }
  }
  double seconds = now_seconds() - begin;
  printf("{\"ok\":%d,\"failed\":%d,\"seconds\":%.4f}\n", finished, failed, seconds);
  fflush(stdout);

  char sink[64];
  while (read(STDIN_FILENO, sink, sizeof sink) > 0) {
  }
  return 0;
}
