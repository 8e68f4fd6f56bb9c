/*
 * live.c — `heap snapshot PID`: a heap snapshot of a running node process that
 * was started without any flag. Node opens its inspector on 127.0.0.1 when it
 * receives SIGUSR1; we find the new listening socket through /proc, ask its
 * HTTP endpoint for the WebSocket URL, send HeapProfiler.takeHeapSnapshot over
 * a minimal WebSocket client, write the streamed chunks to the file (mode
 * 0600), and close the inspector again if we were the ones who opened it.
 *
 * Safety: the process is only signalled when it catches SIGUSR1 (SigCgt in
 * /proc/PID/status) and looks like node — for any other process SIGUSR1's
 * default action would kill it. Nothing is written into the process; it is
 * never stopped, only paused by V8 itself while it writes the snapshot.
 */
#include "snapshot/reader.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_LISTENERS 64
#define MAX_MESSAGE (256u << 20)

static int read_small_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = 0;
	ssize_t r;
	while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = 0;
	return (int)n;
}

/* Refuses processes that would die from SIGUSR1 or are not node. */
static int check_target(int pid)
{
	char path[64], status[8192], exe[4096];
	if (kill(pid, 0) < 0)
		return util_error("process %d: %s", pid,
				  errno == ESRCH ? "no such process" : strerror(errno));
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_small_file(path, status, sizeof(status)) < 0)
		return util_error("process %d: cannot read %s: %s", pid, path, strerror(errno));
	const char *cgt = strstr(status, "SigCgt:");
	unsigned long long mask = cgt ? strtoull(cgt + 7, NULL, 16) : 0;
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	ssize_t n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	const char *base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
	if (!strstr(base, "node"))
		return util_error("process %d (%s) is not node; not signalling it", pid,
				  *base ? base : "unknown executable");
	if (!(mask & (1ull << (SIGUSR1 - 1))))
		return util_error(
		    "process %d does not handle SIGUSR1 (started with "
		    "--disable-sigusr1, or a node without inspector); not signalling it: "
		    "SIGUSR1 would terminate it",
		    pid);
	return 0;
}

/* Loopback TCP listeners of the process: ports of its LISTEN sockets. */
static int listeners(int pid, int *ports, int max)
{
	char path[64], link[128];
	unsigned long inodes[1024];
	int n_inodes = 0, n = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *de;
	while ((de = readdir(d)) && n_inodes < 1024) {
		char fdpath[600];
		snprintf(fdpath, sizeof(fdpath), "%s/%s", path, de->d_name);
		ssize_t l = readlink(fdpath, link, sizeof(link) - 1);
		if (l <= 0)
			continue;
		link[l] = 0;
		if (!strncmp(link, "socket:[", 8))
			inodes[n_inodes++] = strtoul(link + 8, NULL, 10);
	}
	closedir(d);
	snprintf(path, sizeof(path), "/proc/%d/net/tcp", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char line[512];
	while (fgets(line, sizeof(line), f) && n < max) {
		unsigned addr, port, state;
		unsigned long inode;
		if (sscanf(line, " %*d: %x:%x %*x:%*x %x %*x:%*x %*x:%*x %*x %*u %*u %lu", &addr,
			   &port, &state, &inode) != 4)
			continue;
		if (state != 0x0A || (addr != htonl(INADDR_LOOPBACK) && addr != 0))
			continue;
		for (int i = 0; i < n_inodes; i++)
			if (inodes[i] == inode)
				ports[n++] = (int)port;
	}
	fclose(f);
	return n;
}

static int connect_port(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Buffered socket reads with an idle timeout. */
struct conn {
	int fd;
	char buf[65536];
	size_t pos, len;
	int timeout_ms;
};

static int conn_read(struct conn *c, void *out, size_t n)
{
	char *o = out;
	while (n) {
		if (c->pos == c->len) {
			struct pollfd p = {.fd = c->fd, .events = POLLIN};
			int r = poll(&p, 1, c->timeout_ms);
			if (r < 0 && errno == EINTR)
				continue;
			if (r == 0)
				return util_error("inspector: no answer for %d s",
						  c->timeout_ms / 1000);
			ssize_t got = read(c->fd, c->buf, sizeof(c->buf));
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				return util_error("inspector: connection closed");
			c->pos = 0;
			c->len = (size_t)got;
		}
		size_t k = c->len - c->pos < n ? c->len - c->pos : n;
		memcpy(o, c->buf + c->pos, k);
		c->pos += k;
		o += k;
		n -= k;
	}
	return 0;
}

/* GET /json/list: the WebSocket path of the first target, or NULL. */
static char *debugger_path(int port)
{
	int fd = connect_port(port);
	if (fd < 0)
		return NULL;
	char req[128];
	snprintf(req, sizeof(req),
		 "GET /json/list HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n",
		 port);
	struct util_buf b = {0};
	if (!write_all(fd, req, strlen(req))) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		char tmp[4096];
		while (b.len < (1 << 20) && poll(&p, 1, 2000) > 0) {
			ssize_t r = read(fd, tmp, sizeof(tmp));
			if (r <= 0)
				break;
			util_buf_add(&b, tmp, (size_t)r);
			/* node keeps the connection open: stop when the body is complete */
			const char *hend = strstr(b.data, "\r\n\r\n");
			const char *cl = strcasestr(b.data, "Content-Length:");
			if (hend && cl && cl < hend &&
			    b.len >= (size_t)(hend + 4 - b.data) + strtoul(cl + 15, NULL, 10))
				break;
		}
	}
	close(fd);
	char *path = NULL;
	const char *u = b.data ? strstr(b.data, "\"webSocketDebuggerUrl\"") : NULL;
	const char *ws = u ? strstr(u, "ws://") : NULL;
	if (ws) {
		const char *slash = strchr(ws + 5, '/');
		const char *end = slash ? strchr(slash, '"') : NULL;
		if (end)
			path = util_strndup(slash, (size_t)(end - slash));
	}
	util_buf_free(&b);
	return path;
}

static int ws_handshake(struct conn *c, int port, const char *path)
{
	char req[512];
	snprintf(
	    req, sizeof(req),
	    "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: bm9kZXNjb3BlLWhlYXAtMDE=\r\nSec-WebSocket-Version: 13\r\n\r\n",
	    path, port);
	if (write_all(c->fd, req, strlen(req)))
		return util_error("inspector: cannot send the WebSocket handshake");
	char line[4096];
	size_t n = 0;
	while (n < sizeof(line) - 1) {
		if (conn_read(c, line + n, 1))
			return -1;
		n++;
		if (n >= 4 && !memcmp(line + n - 4, "\r\n\r\n", 4))
			break;
	}
	line[n] = 0;
	if (strncmp(line, "HTTP/1.1 101", 12))
		return util_error("inspector: WebSocket upgrade refused: %.60s", line);
	return 0;
}

static int ws_send(int fd, const char *text)
{
	size_t n = strlen(text);
	unsigned char hdr[14];
	size_t h = 0;
	uint32_t seed = (uint32_t)time(NULL) ^ (uint32_t)getpid();
	unsigned char mask[4] = {(unsigned char)seed, (unsigned char)(seed >> 8),
				 (unsigned char)(seed >> 16), (unsigned char)(seed >> 24)};
	hdr[h++] = 0x81;
	if (n < 126) {
		hdr[h++] = (unsigned char)(0x80 | n);
	} else if (n < 65536) {
		hdr[h++] = 0x80 | 126;
		hdr[h++] = (unsigned char)(n >> 8);
		hdr[h++] = (unsigned char)n;
	} else {
		hdr[h++] = 0x80 | 127;
		for (int i = 7; i >= 0; i--)
			hdr[h++] = (unsigned char)((uint64_t)n >> (8 * i));
	}
	memcpy(hdr + h, mask, 4);
	h += 4;
	char *payload = util_malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		payload[i] = (char)(text[i] ^ mask[i & 3]);
	int rc = write_all(fd, hdr, h) || write_all(fd, payload, n) ? -1 : 0;
	free(payload);
	return rc;
}

/* One whole message (reassembling fragments, answering pings) into b. */
static int ws_message(struct conn *c, struct util_buf *b)
{
	util_buf_reset(b);
	for (;;) {
		unsigned char h[2], ext[8], mask[4];
		if (conn_read(c, h, 2))
			return -1;
		uint64_t len = h[1] & 0x7f;
		int op = h[0] & 0x0f;
		if (len >= 126) {
			size_t k = len == 126 ? 2 : 8;
			if (conn_read(c, ext, k))
				return -1;
			len = 0;
			for (size_t i = 0; i < k; i++)
				len = (len << 8) | ext[i];
		}
		if ((h[1] & 0x80) && conn_read(c, mask, 4))
			return -1;
		if (len > MAX_MESSAGE || b->len + len > MAX_MESSAGE)
			return util_error("inspector: message too large");
		util_buf_reserve(b, (size_t)len);
		if (conn_read(c, b->data + b->len, (size_t)len))
			return -1;
		if (h[1] & 0x80)
			for (uint64_t i = 0; i < len; i++)
				b->data[b->len + i] ^= (char)mask[i & 3];
		if (op == 8)
			return util_error("inspector: connection closed by node");
		if (op == 9 || op == 10)
			continue; /* control frames: ignore (node does not ping) */
		b->len += (size_t)len;
		b->data[b->len] = 0;
		if (h[0] & 0x80)
			return 0;
	}
}

static long message_id(const char *msg)
{
	const char *p = strstr(msg, "\"id\":");
	if (!p || strncmp(msg, "{\"method\"", 9) == 0)
		return -1;
	return strtol(p + 5, NULL, 10);
}

/* Writes the unescaped "chunk" string of an addHeapSnapshotChunk event. */
static int write_chunk(const char *msg, size_t len, int out)
{
	const char *p = strstr(msg, "\"chunk\":");
	if (!p)
		return util_error("inspector: snapshot chunk without data");
	p += 8;
	struct snap_rd r = {.fd = -1,
			    .buf = (char *)p,
			    .len = len - (size_t)(p - msg),
			    .eof = 1,
			    .name = "inspector message"};
	r.cap = r.len;
	struct util_buf text = {0};
	int rc = snap_rd_string(&r, &text, MAX_MESSAGE);
	if (!rc && text.len && write_all(out, text.data, text.len))
		rc = util_error("write: %s", strerror(errno));
	util_buf_free(&text);
	return rc;
}

/* Sends a command and reads messages until its response; chunks go to out. */
static int command(struct conn *c, struct util_buf *b, long id, const char *json, int out,
		   uint64_t *written)
{
	if (ws_send(c->fd, json))
		return util_error("inspector: cannot send a command");
	for (;;) {
		if (ws_message(c, b))
			return -1;
		if (!strncmp(b->data, "{\"method\":\"HeapProfiler.addHeapSnapshotChunk\"", 45)) {
			if (out < 0)
				continue;
			if (write_chunk(b->data, b->len, out))
				return -1;
			*written += b->len;
			continue;
		}
		if (message_id(b->data) != id)
			continue;
		if (strstr(b->data, "\"error\":"))
			return util_error("inspector: %.200s", b->data);
		return 0;
	}
}

static int find_inspector(int pid, const int *before, int n_before, int *port, int *opened)
{
	for (int tries = 0; tries < 100; tries++) {
		int now[MAX_LISTENERS];
		int n = listeners(pid, now, MAX_LISTENERS);
		if (n < 0)
			return util_error("process %d: cannot read its sockets in /proc", pid);
		for (int pass = 0; pass < 2; pass++)
			for (int i = 0; i < n; i++) {
				int was = 0;
				for (int k = 0; k < n_before; k++)
					was |= before[k] == now[i];
				if (was != pass)
					continue; /* new listeners first: that is the inspector we
						     opened */
				char *path = debugger_path(now[i]);
				if (path) {
					free(path);
					*port = now[i];
					*opened = !was;
					return 0;
				}
			}
		usleep(50000);
	}
	return util_error("process %d did not open its inspector on 127.0.0.1 within 5 s "
			  "(a different network namespace, or the inspector port is taken?)",
			  pid);
}

static const char close_expr[] =
    "{\"id\":4,\"method\":\"Runtime.evaluate\",\"params\":{\"includeCommandLineAPI\":true,"
    "\"expression\":\"(() => { const i = typeof require === 'function' ? require('inspector') : "
    "process.getBuiltinModule ? process.getBuiltinModule('inspector') : null; "
    "if (i) setTimeout(() => i.close(), 100); return !!i; })()\"}}";

static int take_one(struct conn *c, struct util_buf *b, long id, const char *out_path,
		    uint64_t *written)
{
	char cmd[160];
	int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0 || fchmod(out, 0600) < 0) {
		if (out >= 0)
			close(out);
		return util_error("%s: %s", out_path, strerror(errno));
	}
	snprintf(cmd, sizeof(cmd),
		 "{\"id\":%ld,\"method\":\"HeapProfiler.takeHeapSnapshot\",\"params\":"
		 "{\"reportProgress\":false}}",
		 id);
	int rc = command(c, b, id, cmd, out, written);
	if (close(out) < 0 && !rc)
		rc = util_error("%s: %s", out_path, strerror(errno));
	if (rc)
		unlink(out_path);
	return rc;
}

/* One inspector session for all the snapshots: V8 clears its object ids when a
 * session ends (HeapProfiler.disable -> ClearObjectIds), so only snapshots of
 * one session can be compared by id. */
static int session(int pid, int port, int opened, const struct snap_live_opts *o)
{
	char *path = debugger_path(port);
	struct conn *c = util_calloc(1, sizeof(*c));
	struct util_buf b = {0};
	uint64_t written = 0;
	int rc = -1;
	c->timeout_ms = 600000;
	c->fd = connect_port(port);
	if (!path || c->fd < 0) {
		util_error("process %d: cannot connect to its inspector on port %d", pid, port);
		goto done;
	}
	if (ws_handshake(c, port, path))
		goto done;
	for (int i = 0; i < o->n_paths; i++) {
		if (i && o->interval_ms > 0) {
			if (o->verbose)
				fprintf(stderr, "nodescope: waiting %.1f s\n",
					o->interval_ms / 1000.0);
			usleep((useconds_t)o->interval_ms * 1000);
		}
		if (take_one(c, &b, 10 + i, o->paths[i], &written))
			goto done;
		if (o->verbose) {
			struct stat st;
			if (stat(o->paths[i], &st) == 0)
				fprintf(stderr, "nodescope: wrote %s (%lld bytes)\n", o->paths[i],
					(long long)st.st_size);
		}
	}
	rc = 0;
	if (opened && command(c, &b, 4, close_expr, -1, &written))
		fprintf(stderr, "nodescope: warning: could not close the inspector of %d: %s\n",
			pid, util_last_error());
done:
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	free(path);
	util_buf_free(&b);
	return rc;
}

int snap_live_capture(int pid, const struct snap_live_opts *o)
{
	int before[MAX_LISTENERS], port = 0, opened = 0, verbose = o->verbose;
	if (check_target(pid))
		return -1;
	int n_before = listeners(pid, before, MAX_LISTENERS);
	if (n_before < 0)
		return util_error("process %d: cannot read its sockets in /proc (permission?)",
				  pid);
	if (verbose)
		fprintf(
		    stderr,
		    "nodescope: sending SIGUSR1 to %d: node opens its inspector on 127.0.0.1 "
		    "(its stderr shows \"Debugger listening on ws://...\"); the process pauses "
		    "while V8 writes the snapshot (seconds per 100 MB of heap, using up to about "
		    "twice the heap in memory); an inspector nodescope opened is closed afterwards\n",
		    pid);
	if (kill(pid, SIGUSR1) < 0)
		return util_error("process %d: cannot signal it: %s", pid, strerror(errno));
	if (find_inspector(pid, before, n_before, &port, &opened))
		return -1;
	if (session(pid, port, opened, o))
		return -1;
	if (opened) {
		/* make sure the port is gone again */
		for (int tries = 0; tries < 40; tries++) {
			int now[MAX_LISTENERS], n = listeners(pid, now, MAX_LISTENERS),
						open_still = 0;
			for (int i = 0; i < n; i++)
				open_still |= now[i] == port;
			if (!open_still)
				break;
			if (tries == 39)
				fprintf(
				    stderr,
				    "nodescope: warning: the inspector of %d is still listening "
				    "on 127.0.0.1:%d\n",
				    pid, port);
			usleep(50000);
		}
	}
	if (verbose && opened)
		fprintf(stderr, "nodescope: inspector of %d closed\n", pid);
	return 0;
}
