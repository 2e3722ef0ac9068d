/* A UDP echo server for the published-UDP-port test (busybox's nc has no -u): answers each
 * datagram on port argv[1] with "echo: " and the datagram. Built static, bind-mounted in. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argc > 1 ? argv[1] : "5353"))};
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) return perror("bind"), 1;
  for (;;) {
    char buf[2048] = "echo: ";
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    ssize_t n = recvfrom(fd, buf + 6, sizeof buf - 6, 0, (struct sockaddr *)&peer, &len);
    if (n > 0) sendto(fd, buf, (size_t)n + 6, 0, (struct sockaddr *)&peer, len);
  }
}
