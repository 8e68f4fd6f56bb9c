/*
 * sample_target.c — the process `record` samples: checking that a pid names a
 * live process, launching a command held before exec until the sampling events
 * are open (so its first instruction is already sampled), and thread names.
 */
#include "profile/record.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The state letter of /proc/PID/stat ('R', 'S', 'Z', ...), or 0 when gone. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* comm may hold spaces and parentheses: the state follows the last ')'. */
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

int prof_target_alive(pid_t pid)
{
	char st = proc_state(pid);
	return st && st != 'Z' && st != 'X';
}

int prof_target_check(pid_t pid)
{
	if (pid <= 0)
		return util_error("invalid pid %d", (int)pid);
	char st = proc_state(pid);
	if (!st)
		return util_error("no process with pid %d", (int)pid);
	if (st == 'Z' || st == 'X')
		return util_error("process %d has exited (zombie)", (int)pid);
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	int tgid = pid;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	if (f)
		fclose(f);
	if (tgid != pid)
		return util_error("%d is a thread of process %d: use -p %d", (int)pid, tgid, tgid);
	return 0;
}

int prof_target_launch(char *const *argv, struct prof_launch *l)
{
	int go[2], err[2];
	if (pipe2(go, O_CLOEXEC) != 0)
		return util_error("pipe: %s", strerror(errno));
	if (pipe2(err, O_CLOEXEC) != 0) {
		close(go[0]);
		close(go[1]);
		return util_error("pipe: %s", strerror(errno));
	}
	pid_t child = fork();
	if (child < 0) {
		int e = errno;
		close(go[0]), close(go[1]), close(err[0]), close(err[1]);
		return util_error("fork: %s", strerror(e));
	}
	if (child == 0) {
		close(go[1]);
		close(err[0]);
		char c;
		/* Wait for the parent: EOF without a byte means it gave up. */
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		int e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(err[1]);
	l->pid = child;
	l->go_fd = go[1];
	l->err_fd = err[0];
	return 0;
}

int prof_target_release(struct prof_launch *l)
{
	char c = 1;
	ssize_t w = write(l->go_fd, &c, 1);
	close(l->go_fd);
	l->go_fd = -1;
	/* The error pipe closes on a successful exec (O_CLOEXEC), or brings errno. */
	int e = 0;
	ssize_t n;
	do
		n = read(l->err_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(l->err_fd);
	l->err_fd = -1;
	if (w != 1)
		return util_error("cannot start the command");
	if (n == (ssize_t)sizeof(e))
		return util_error("cannot run the command: %s", strerror(e));
	return 0;
}

void prof_target_abandon(struct prof_launch *l)
{
	if (l->go_fd >= 0)
		close(l->go_fd); /* the child reads EOF and exits 127 */
	if (l->err_fd >= 0)
		close(l->err_fd);
	l->go_fd = l->err_fd = -1;
	if (l->pid > 0)
		waitpid(l->pid, NULL, 0);
}

void prof_target_comm(pid_t pid, pid_t tid, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)pid, (int)tid);
	snprintf(buf, len, "?");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0) {
		snprintf(buf, len, "?");
		return;
	}
	buf[n] = 0;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\n' || buf[i] == ';')
			buf[i] = buf[i] == ';' ? ':' : 0;
}
