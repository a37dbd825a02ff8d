/* reaper: what systemd is to a real hypervisor's libvirtd, for one lab host.
 *
 * libvirt starts each QEMU daemonized: its parent exits and the QEMU is
 * re-parented to the nearest "child subreaper" above libvirtd, else to the
 * machine's PID 1.  When libvirt stops a QEMU (the Confirm phase of every
 * migration kills the source's, virsh destroy, a rollback) it sends SIGTERM
 * and then checks every 200 ms whether the pid still exists: a zombie does,
 * until its parent reaps it.  An init that reaps orphans late (this
 * machine's reaps them about 2 s later) therefore adds those seconds to
 * every migration.  A lab host's libvirtd runs under this program, a child
 * subreaper that reaps every child the moment it exits.
 *
 *   reaper COMMAND [ARG]...
 *
 * Runs COMMAND as its child (same pid as the COMMAND's exec chain, so a
 * pid file COMMAND writes names it), passes SIGTERM, SIGINT and SIGHUP on
 * to it, reaps every child and orphan (each one it did not start is noted
 * on stderr: "reaper: reaped PID (status S)"), and exits once COMMAND and
 * every orphan it adopted have ended, with COMMAND's exit status.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t child;

static void
on_signal(int sig)
{
    if (child > 0)
        kill(child, sig);
}

int
main(int argc, char **argv)
{
    struct sigaction sa;
    int status, rc = 0;
    pid_t pid;

    if (argc < 2) {
        fprintf(stderr, "usage: reaper COMMAND [ARG]...\n");
        return 2;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
        perror("reaper: PR_SET_CHILD_SUBREAPER");
        return 1;
    }
    child = fork();
    if (child < 0) {
        perror("reaper: fork");
        return 1;
    }
    if (child == 0) {
        execvp(argv[1], argv + 1);
        fprintf(stderr, "reaper: cannot run %s: %s\n", argv[1], strerror(errno));
        _exit(127);
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    for (;;) {
        pid = waitpid(-1, &status, 0);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid < 0)
            break;      /* ECHILD: COMMAND and every adopted orphan are gone */
        if (pid == child) {
            rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            child = 0;
        } else {
            fprintf(stderr, "reaper: reaped %d (status %d)\n", (int)pid, status);
        }
    }
    return rc;
}
