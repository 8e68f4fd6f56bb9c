/*
 * sample.c — CPU sampling of one process with perf_event_open(2), without the
 * perf tool: a cpu-clock event per (thread, CPU) with inheritance, so threads
 * started later are sampled too, each sample carrying the kernel and user call
 * chain. All events of one CPU write into that CPU's ring buffer.
 */
#include "profile/record.h"
#include "util/util.h"

#include <dirent.h>
#include <errno.h>
#include <asm/perf_regs.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define RING_PAGES 64	       /* data pages per CPU ring (a power of two) */
#define RING_PAGES_STACKS 1024 /* the same when samples carry a stack copy */
#define RING_PAGES_MIN 8
#define MAX_SCAN_ROUNDS 6

struct ring {
	int fd; /* the event whose buffer this is */
	struct perf_event_mmap_page *meta;
	unsigned char *data;
	size_t size; /* data area bytes */
};

struct prof_sampler {
	pid_t pid;
	int *fds;
	size_t nfds, capfds;
	pid_t *tids;
	size_t ntids, captids;
	struct ring *rings; /* one per CPU */
	int ncpus;
	uint64_t lost;
	unsigned max_stack;
	size_t ring_pages;
	int user_only;		/* kernel frames left out: not allowed */
	unsigned stack_bytes;	/* user stack copied per sample, 0 for none */
	unsigned char *scratch; /* a record that wraps around the ring end */
	size_t scratch_len;
};

static long sys_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group,
				unsigned long flags)
{
	return syscall(SYS_perf_event_open, attr, pid, cpu, group, flags);
}

static int read_sysctl_int(const char *path, int dflt)
{
	FILE *f = fopen(path, "re");
	int v = dflt;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = dflt;
		fclose(f);
	}
	return v;
}

static void fill_attr(struct perf_event_attr *a, unsigned hz, int on_exec, unsigned stack_bytes,
		      size_t ring_pages)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = PERF_TYPE_SOFTWARE;
	a->config = PERF_COUNT_SW_CPU_CLOCK;
	a->freq = 1;
	a->sample_freq = hz;
	a->sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_PERIOD |
			 PERF_SAMPLE_CALLCHAIN;
	a->disabled = 1;
	a->enable_on_exec = on_exec ? 1 : 0;
	a->inherit = 1;
	a->exclude_hv = 1;
	a->exclude_guest = 1;
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
	a->watermark = 1;
	a->wakeup_watermark = (uint32_t)(ring_pages * 4096 / 4);
	if (stack_bytes) {
		/* Registers and stack for walking frame pointers ourselves. */
		a->sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
		a->sample_regs_user =
		    1ull << PERF_REG_X86_BP | 1ull << PERF_REG_X86_SP | 1ull << PERF_REG_X86_IP;
		a->sample_stack_user = stack_bytes;
	}
	int max_stack = read_sysctl_int("/proc/sys/kernel/perf_event_max_stack", 127);
	a->sample_max_stack = (uint16_t)(max_stack > 0 && max_stack < 65535 ? max_stack : 127);
}

/* The message for a perf_event_open failure that no thread can get past. */
static int open_error(int err, pid_t pid, unsigned hz)
{
	int max_rate = read_sysctl_int("/proc/sys/kernel/perf_event_max_sample_rate", 0);
	if (err == EINVAL && max_rate > 0 && hz > (unsigned)max_rate)
		return util_error("-F %u is above kernel.perf_event_max_sample_rate (%d)", hz,
				  max_rate);
	if (err == EACCES || err == EPERM) {
		int paranoid = read_sysctl_int("/proc/sys/kernel/perf_event_paranoid", 2);
		return util_error(
		    "perf_event_open on pid %d: permission denied "
		    "(kernel.perf_event_paranoid=%d): sample a process you own (needs "
		    "perf_event_paranoid <= 2), or run as root or with CAP_PERFMON "
		    "(CAP_SYS_ADMIN before Linux 5.8)",
		    (int)pid, paranoid);
	}
	if (err == ESRCH)
		return util_error("process %d exited before sampling could start", (int)pid);
	if (err == ENOENT || err == EOPNOTSUPP || err == ENODEV)
		return util_error(
		    "perf_event_open: the cpu-clock software event is not supported here (%s)",
		    strerror(err));
	if (err == EMFILE)
		return util_error("perf_event_open: too many open files (raise `ulimit -n`)");
	return util_error("perf_event_open on pid %d: %s", (int)pid, strerror(err));
}

static int have_tid(const struct prof_sampler *s, pid_t tid)
{
	for (size_t i = 0; i < s->ntids; i++)
		if (s->tids[i] == tid)
			return 1;
	return 0;
}

/* Maps the ring of one CPU; without root the locked-memory limit
 * (kernel.perf_event_mlock_kb) may refuse a big one, so smaller sizes are tried.
 * Every ring then gets the size that worked (munmap uses it). */
static int map_ring(struct ring *r, int fd, size_t *pagesp)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t pages = *pagesp;
	void *m;
	for (;;) {
		m = mmap(NULL, (size_t)page * (pages + 1), PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 0);
		if (m != MAP_FAILED || (errno != EPERM && errno != ENOMEM) ||
		    pages <= RING_PAGES_MIN)
			break;
		pages /= 2;
	}
	if (m == MAP_FAILED)
		return util_error(
		    "mmap of the perf ring buffer: %s (see /proc/sys/kernel/perf_event_mlock_kb)",
		    strerror(errno));
	*pagesp = pages;
	r->fd = fd;
	r->meta = m;
	r->data = (unsigned char *)m + page;
	r->size = (size_t)page * pages;
	return 0;
}

/* Opens the events of one thread on every CPU. 1 opened, 0 thread gone, -1 error. */
static int open_thread(struct prof_sampler *s, pid_t tid, struct perf_event_attr *attr)
{
	for (int cpu = 0; cpu < s->ncpus; cpu++) {
		int fd = (int)sys_perf_event_open(attr, tid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0 && (errno == EACCES || errno == EPERM) && !s->nfds &&
		    !attr->exclude_kernel) {
			/* perf_event_paranoid 2 lets a process's owner sample user space
			 * only: do that rather than nothing. */
			attr->exclude_kernel = 1;
			attr->exclude_callchain_kernel = 1;
			s->user_only = 1;
			fd = (int)sys_perf_event_open(attr, tid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		}
		if (fd < 0) {
			if (errno == ESRCH && tid != s->pid)
				return 0;
			if (errno == ENODEV) /* offline CPU */
				continue;
			return open_error(errno, s->pid,
					  attr->sample_freq > 0 ? (unsigned)attr->sample_freq : 0);
		}
		if (s->nfds == s->capfds) {
			s->capfds = s->capfds ? 2 * s->capfds : 64;
			s->fds = util_realloc(s->fds, s->capfds * sizeof(int));
		}
		s->fds[s->nfds++] = fd;
		struct ring *r = &s->rings[cpu];
		if (!r->meta) {
			if (map_ring(r, fd, &s->ring_pages) != 0)
				return -1;
		} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, r->fd) != 0) {
			return util_error("perf_event_open: cannot share the ring buffer: %s",
					  strerror(errno));
		}
	}
	if (s->ntids == s->captids) {
		s->captids = s->captids ? 2 * s->captids : 32;
		s->tids = util_realloc(s->tids, s->captids * sizeof(pid_t));
	}
	s->tids[s->ntids++] = tid;
	return 1;
}

/* Opens events for threads of the process not yet covered; returns how many. */
static int scan_threads(struct prof_sampler *s, struct perf_event_attr *attr)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)s->pid);
	DIR *d = opendir(path);
	if (!d)
		return util_error("no process with pid %d", (int)s->pid);
	int added = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		long tid = strtol(e->d_name, &end, 10);
		if (*end || tid <= 0 || have_tid(s, (pid_t)tid))
			continue;
		int rc = open_thread(s, (pid_t)tid, attr);
		if (rc < 0) {
			closedir(d);
			return -1;
		}
		added += rc;
	}
	closedir(d);
	return added;
}

static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int prof_sampler_open(struct prof_sampler **out, pid_t pid, unsigned hz, int on_exec,
		      unsigned stack_bytes)
{
	struct prof_sampler *s = util_calloc(1, sizeof(*s));
	s->pid = pid;
	s->stack_bytes = stack_bytes & ~7u;
	s->ring_pages = s->stack_bytes ? RING_PAGES_STACKS : RING_PAGES;
	s->ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	if (s->ncpus < 1)
		s->ncpus = 1;
	s->rings = util_calloc((size_t)s->ncpus, sizeof(struct ring));
	raise_fd_limit();
	struct perf_event_attr attr;
	fill_attr(&attr, hz, on_exec, s->stack_bytes, s->ring_pages);
	s->max_stack = attr.sample_max_stack;
	int rc = 0;
	if (on_exec) {
		rc = open_thread(s, pid, &attr);
		if (rc == 0)
			rc = open_error(ESRCH, pid, hz);
	} else {
		/* Threads started while we open are caught by a new scan (or inherited). */
		for (int round = 0; round < MAX_SCAN_ROUNDS; round++) {
			rc = scan_threads(s, &attr);
			if (rc <= 0)
				break;
		}
		if (rc == 0 && s->ntids == 0)
			rc = open_error(ESRCH, pid, hz);
	}
	if (rc < 0) {
		prof_sampler_close(s);
		return -1;
	}
	if (!on_exec)
		for (size_t i = 0; i < s->nfds; i++)
			ioctl(s->fds[i], PERF_EVENT_IOC_ENABLE, 0);
	*out = s;
	return 0;
}

int prof_sampler_wait(struct prof_sampler *s, int timeout_ms)
{
	struct pollfd pfd[256];
	int n = 0;
	for (int i = 0; i < s->ncpus && n < 256; i++)
		if (s->rings[i].meta)
			pfd[n++] = (struct pollfd){.fd = s->rings[i].fd, .events = POLLIN};
	if (poll(pfd, (nfds_t)n, timeout_ms) < 0 && errno != EINTR)
		return util_error("poll: %s", strerror(errno));
	return 0;
}

static void parse_sample(const struct prof_sampler *s, const unsigned char *rec, size_t size,
			 prof_sample_fn fn, void *arg)
{
	/* ip, pid+tid, time, period, nr, ips[nr] after the 8-byte header */
	const size_t fixed = 8 + 8 + 8 + 8 + 8 + 8;
	if (size < fixed)
		return;
	uint64_t v[6];
	memcpy(v, rec, sizeof(v));
	uint32_t pidtid[2];
	memcpy(pidtid, rec + 16, sizeof(pidtid));
	uint64_t nr = v[5];
	if (nr > (size - fixed) / 8)
		return;
	struct prof_raw_sample rs = {.pid = pidtid[0],
				     .tid = pidtid[1],
				     .time_ns = v[3],
				     .nips = nr,
				     .ips = (const uint64_t *)(const void *)(rec + fixed)};
	size_t off = fixed + nr * 8;
	if (s->stack_bytes && off + 8 <= size) {
		/* regs_user: abi, then BP, SP, IP (bit order) when abi is not NONE */
		uint64_t abi, regs[3], len, dyn;
		memcpy(&abi, rec + off, 8);
		off += 8;
		if (abi && off + sizeof(regs) <= size) {
			memcpy(regs, rec + off, sizeof(regs));
			off += sizeof(regs);
			rs.bp = regs[0];
			rs.sp = regs[1];
		}
		/* stack_user: size, data[size], dyn_size (the part actually copied) */
		if (abi && off + 8 <= size) {
			memcpy(&len, rec + off, 8);
			off += 8;
			if (len && len <= size - off && off + len + 8 <= size) {
				memcpy(&dyn, rec + off + len, 8);
				rs.stack = rec + off;
				rs.stack_len = dyn < len ? dyn : len;
			}
		}
	}
	fn(&rs, arg);
}

static void drain_ring(struct prof_sampler *s, struct ring *r, prof_sample_fn fn, void *arg)
{
	uint64_t head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = r->meta->data_tail;
	while (tail + sizeof(struct perf_event_header) <= head) {
		size_t off = (size_t)(tail % r->size);
		struct perf_event_header h;
		for (size_t i = 0; i < sizeof(h); i++)
			((unsigned char *)&h)[i] = r->data[(off + i) % r->size];
		if (h.size < sizeof(h) || tail + h.size > head)
			break;
		const unsigned char *rec = r->data + off;
		if (off + h.size > r->size) { /* wraps: copy out */
			if (s->scratch_len < h.size) {
				s->scratch = util_realloc(s->scratch, h.size);
				s->scratch_len = h.size;
			}
			size_t first = r->size - off;
			memcpy(s->scratch, r->data + off, first);
			memcpy(s->scratch + first, r->data, h.size - first);
			rec = s->scratch;
		}
		/* 8-byte alignment holds: the kernel keeps records u64-aligned and
		 * the scratch buffer is malloc'ed. */
		if (h.type == PERF_RECORD_SAMPLE)
			parse_sample(s, rec, h.size, fn, arg);
		else if (h.type == PERF_RECORD_LOST && h.size >= 24) {
			uint64_t lost;
			memcpy(&lost, rec + 16, 8);
			s->lost += lost;
		} else if (h.type == PERF_RECORD_LOST_SAMPLES && h.size >= 16) {
			uint64_t lost;
			memcpy(&lost, rec + 8, 8);
			s->lost += lost;
		}
		tail += h.size;
	}
	__atomic_store_n(&r->meta->data_tail, tail, __ATOMIC_RELEASE);
}

void prof_sampler_drain(struct prof_sampler *s, prof_sample_fn fn, void *arg)
{
	for (int i = 0; i < s->ncpus; i++)
		if (s->rings[i].meta)
			drain_ring(s, &s->rings[i], fn, arg);
}

void prof_sampler_disable(struct prof_sampler *s)
{
	for (size_t i = 0; i < s->nfds; i++)
		ioctl(s->fds[i], PERF_EVENT_IOC_DISABLE, 0);
}

uint64_t prof_sampler_lost(const struct prof_sampler *s)
{
	return s->lost;
}

int prof_sampler_user_only(const struct prof_sampler *s)
{
	return s->user_only;
}

unsigned prof_sampler_max_stack(const struct prof_sampler *s)
{
	return s->max_stack;
}

size_t prof_sampler_threads(const struct prof_sampler *s)
{
	return s->ntids;
}

void prof_sampler_close(struct prof_sampler *s)
{
	if (!s)
		return;
	long page = sysconf(_SC_PAGESIZE);
	for (int i = 0; i < s->ncpus; i++)
		if (s->rings[i].meta)
			munmap(s->rings[i].meta, (size_t)page * (s->ring_pages + 1));
	for (size_t i = 0; i < s->nfds; i++)
		close(s->fds[i]);
	free(s->fds);
	free(s->tids);
	free(s->rings);
	free(s->scratch);
	free(s);
}
