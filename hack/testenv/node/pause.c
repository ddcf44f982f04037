/* The sandbox ("pause") process of every pod on the test node: holds the pod's namespaces,
 * reaps orphans, exits on SIGTERM/SIGINT. Built static so its image needs nothing else. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void quit(int sig) {
  (void)sig;
  _exit(0);
}

static void reap(int sig) {
  (void)sig;
  while (waitpid(-1, 0, WNOHANG) > 0) {
  }
}

int main(void) {
  signal(SIGTERM, quit);
  signal(SIGINT, quit);
  signal(SIGCHLD, reap);
  for (;;) pause();
  return 0;
}
