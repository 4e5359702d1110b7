/* Fault detection: the SIGSEGV/SIGBUS handler, alternate stacks and guarded calls. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "detect/detect.h"

/*
 * FAULT_CALLER - where a call through a bad pointer came from: a jump to
 * address 0 faults with the PC at 0, and the caller's return address is
 * on top of the stack (x86_64) or in the link register (aarch64).
 */
#if defined(__x86_64__)
#define FAULT_PC(uc) ((uintptr_t)(uc)->uc_mcontext.gregs[REG_RIP])
#define FAULT_CALLER(uc) (*(const uintptr_t *)(uintptr_t)(uc)->uc_mcontext.gregs[REG_RSP])
#elif defined(__aarch64__)
#define FAULT_PC(uc) ((uintptr_t)(uc)->uc_mcontext.pc)
#define FAULT_CALLER(uc) ((uintptr_t)(uc)->uc_mcontext.regs[30])
#else
#error "modsim: fault.c knows the program counter only on x86_64 and aarch64"
#endif

/*
 * Why sigsetjmp(env, 0) and SA_NODEFER.
 *
 * A guarded call must be cheap: it sits on every call into module code.
 * sigsetjmp(env, 1) would save the signal mask with a sigprocmask() system
 * call per guarded call.  Instead the handler is installed with SA_NODEFER
 * and an empty sa_mask, so the kernel does not change the thread's mask
 * when it delivers the fault: inside the handler the mask is exactly what it
 * was at the faulting instruction, which is what it was at the guard.
 * Leaving the handler with siglongjmp() without restoring a mask therefore
 * leaves the mask right, and the guard costs no system call.  SA_NODEFER
 * also means a fault inside the handler re-enters it instead of killing the
 * thread silently; the handler detects that (tls_in_report) and gives up.
 *
 * That holds only when the kernel calls fault_handler directly.  A wrapper
 * may sit in between with its own sa_mask: ThreadSanitizer installs its
 * handler with every signal blocked and calls ours from it, so a jump out
 * left the thread with all signals blocked, and the next fault (blocked
 * SIGSEGV) killed the process.  So before jumping the handler puts back
 * the mask the fault interrupted (uc_sigmask): one system call per fault,
 * still none per guard.
 */

/* The signals the handler owns, and what was installed before it.  The
 * previous actions are kept so a debugger (or a future modsim_fault_fini)
 * can see them; a fault we cannot attribute goes to SIG_DFL, not to them. */
static const int fault_signals[] = { SIGSEGV, SIGBUS };
static struct sigaction fault_prev[2];
static pthread_once_t fault_once = PTHREAD_ONCE_INIT;
static int fault_init_err;

/*
 * Per thread.  initial-exec TLS is reached with one %fs-relative load and
 * never through __tls_get_addr, which is not async-signal-safe (it may
 * allocate on a thread's first access in a dlopen'ed object).
 */
#define FAULT_TLS __thread __attribute__((tls_model("initial-exec")))
static FAULT_TLS struct modsim_guard *tls_guard;     /* innermost guard */
static FAULT_TLS void *tls_altstack;                 /* our mapping, or NULL */
static FAULT_TLS size_t tls_altstack_len;            /* bytes mapped, guard page included */
static FAULT_TLS volatile sig_atomic_t tls_in_report; /* handler is reporting */
static FAULT_TLS const char *tls_loading;            /* the .so dlopen is loading here */

#define FAULT_ALTSTACK_MIN (64 * 1024)

/* Names for the report; the handler may not call into other units. */
static const char *const fault_subsys[MODSIM_SS__COUNT] = {
	[MODSIM_SS_CHRDEV] = "chrdev", [MODSIM_SS_HOOK] = "hook",
	[MODSIM_SS_TIMER] = "timer",   [MODSIM_SS_NOTIFIER] = "notifier",
	[MODSIM_SS_SYMBOL] = "symbol", [MODSIM_SS_LOADER] = "loader",
};

static const char *const fault_state[6] = {
	[MODSIM_STATE_UNFORMED] = "unformed", [MODSIM_STATE_COMING] = "coming",
	[MODSIM_STATE_LIVE] = "live",         [MODSIM_STATE_GOING] = "going",
	[MODSIM_STATE_GONE] = "gone",         [MODSIM_STATE_STUCK] = "stuck",
};

/* ---- async-signal-safe line building ---- */

struct sline {
	char buf[320];
	size_t n;
};

static void sl_str(struct sline *l, const char *s)
{
	while (s && *s && l->n < sizeof(l->buf) - 1)
		l->buf[l->n++] = *s++;
}

static void sl_hex(struct sline *l, uintptr_t v)
{
	char tmp[2 + 2 * sizeof(v)];
	int i = 0;

	do {
		tmp[i++] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	sl_str(l, "0x");
	while (i > 0 && l->n < sizeof(l->buf) - 1)
		l->buf[l->n++] = tmp[--i];
}

static void sl_dec(struct sline *l, unsigned long v)
{
	char tmp[24];
	int i = 0;

	do {
		tmp[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i > 0 && l->n < sizeof(l->buf) - 1)
		l->buf[l->n++] = tmp[--i];
}

static void sl_flush(struct sline *l)
{
	size_t off = 0;

	l->buf[l->n++] = '\n';
	while (off < l->n) {
		ssize_t w = write(STDERR_FILENO, l->buf + off, l->n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	l->n = 0;
}

/* "NAME gen N" of a record; records live in kernel memory and are never
 * freed while their ranges are published. */
static void sl_gen(struct sline *l, const struct modsim_mod *m)
{
	sl_str(l, m->name);
	sl_str(l, " gen ");
	sl_dec(l, m->generation);
}

static void sl_where(struct sline *l, const char *what, uintptr_t v, const struct modsim_mod *m)
{
	sl_str(l, "modsim:   ");
	sl_str(l, what);
	sl_str(l, " ");
	sl_hex(l, v);
	if (m) {
		sl_str(l, " belongs to ");
		sl_gen(l, m);
		int st = atomic_load_explicit(&m->state, memory_order_relaxed);

		sl_str(l, " (");
		sl_str(l, st >= 0 && st < 6 ? fault_state[st] : "?");
		sl_str(l, atomic_load_explicit(&m->teardown, memory_order_relaxed)
				  ? ", teardown began)" : ")");
	} else {
		sl_str(l, " belongs to no module generation");
	}
	sl_flush(l);
}

/* Tell everything we know about a fault nobody can own, one fact a line. */
static void fault_report(int signo, const siginfo_t *si, uintptr_t addr, uintptr_t pc,
			 const struct modsim_guard *g, const struct modsim_mod *hit_addr,
			 const struct modsim_mod *hit_pc)
{
	struct sline l = { .n = 0 };

	sl_str(&l, "modsim: fatal ");
	sl_str(&l, signo == SIGBUS ? "SIGBUS" : signo == SIGSEGV ? "SIGSEGV" : "signal");
	sl_str(&l, " (si_code ");
	if (si->si_code < 0) {
		sl_str(&l, "-");
		sl_dec(&l, (unsigned long)-(long)si->si_code);
	} else {
		sl_dec(&l, (unsigned long)si->si_code);
	}
	sl_str(&l, si->si_code <= 0 ? ", sent by a process, not a fault)" : ")");
	sl_flush(&l);
	sl_where(&l, "address", addr, hit_addr);
	sl_where(&l, "pc", pc, hit_pc);
	sl_str(&l, "modsim:   ");
	if (g) {
		sl_str(&l, "inside a guarded ");
		sl_str(&l, (unsigned int)g->subsys < MODSIM_SS__COUNT ? fault_subsys[g->subsys]
								     : "?");
		sl_str(&l, " ");
		sl_str(&l, g->op ? g->op : "call");
		if (g->owner) {
			sl_str(&l, " into ");
			sl_gen(&l, g->owner);
		}
		sl_str(&l, ", but the fault is in no module's memory");
	} else {
		sl_str(&l, "not inside any guarded call");
	}
	sl_flush(&l);
	if (tls_loading) {
		/* dlopen runs constructors before any guard can exist. */
		sl_str(&l, "modsim: insmod ");
		sl_str(&l, tls_loading);
		sl_str(&l, ": crashed while dlopen loaded it (in a constructor of the module, or "
			   "reading the file); aborting");
		sl_flush(&l);
		return;
	}
	sl_str(&l, "modsim: this is a bug of modsim or of a module's code outside a guarded "
		   "call; aborting");
	sl_flush(&l);
}

/* Addresses below this are a NULL pointer's (plus a field offset). */
#define FAULT_NULL_PAGE 4096u

static void fault_handler(int signo, siginfo_t *si, void *ctx)
{
	int saved_errno = errno;
	ucontext_t *uc = ctx;
	uintptr_t addr = (uintptr_t)si->si_addr;
	uintptr_t pc = FAULT_PC(uc);
	struct modsim_guard *g = tls_guard;
	struct modsim_mod *hit_addr = NULL, *hit_pc = NULL, *hit;
	struct sigaction dfl;

	if (tls_in_report)
		goto die; /* the report itself faulted: just die */

	if (si->si_code > 0) { /* a real fault: si_addr means something */
		hit_addr = modsim_range_lookup(addr);
		hit_pc = modsim_range_lookup(pc);
		/*
		 * A call through a NULL (or tiny) pointer: the PC is the bad
		 * address itself, in no module.  The code that made the call
		 * is the caller: a module's own NULL call, when that is in a
		 * module (the stack is this thread's own: reading it is safe).
		 */
		if (!hit_addr && !hit_pc && g && pc == addr && pc < FAULT_NULL_PAGE)
			hit_pc = modsim_range_lookup(FAULT_CALLER(uc));
	}
	hit = hit_addr ? hit_addr : hit_pc;
	if (g && hit) {
		g->signo = signo;
		g->addr = addr;
		g->pc = pc;
		g->hit = hit;
		g->faulted = 1;
		/* The mask at the fault; a no-op unless a wrapper blocked more. */
		sigprocmask(SIG_SETMASK, &uc->uc_sigmask, NULL);
		siglongjmp(g->env, 1);
	}

	tls_in_report = 1;
	fault_report(signo, si, addr, pc, g, hit_addr, hit_pc);
die:
	/* Never swallow it: back to the default action, and let the fault
	 * happen again when we return (or send it again when it was sent). */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(signo, &dfl, NULL);
	if (si->si_code <= 0)
		raise(signo);
	errno = saved_errno;
}

static void fault_action(struct sigaction *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sa_sigaction = fault_handler;
	sa->sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa->sa_mask);
}

static void fault_install(void)
{
	struct sigaction sa;

	fault_action(&sa);
	for (size_t i = 0; i < sizeof(fault_signals) / sizeof(fault_signals[0]); i++) {
		if (sigaction(fault_signals[i], &sa, &fault_prev[i]) != 0) {
			fault_init_err = modsim_err(-errno, "fault: cannot install the %s handler: %s",
						    strsignal(fault_signals[i]), strerror(errno));
			return;
		}
	}
}

/*
 * Install the handler once, and put it back whenever someone replaced it
 * since: test harnesses do (cmocka 1.1 installs its own SIGSEGV/SIGBUS
 * handler around every test, setup and teardown, and restores the previous
 * one after).  Two sigaction() calls; the loader calls this once at the
 * start of every load, unload and optional hook, and threads when they
 * start.  Nothing between those points and the module code they run
 * gives a harness the chance to swap the handler.
 */
int modsim_fault_init(void)
{
	struct sigaction cur, sa;

	pthread_once(&fault_once, fault_install);
	if (fault_init_err)
		return fault_init_err;
	fault_action(&sa);
	for (size_t i = 0; i < sizeof(fault_signals) / sizeof(fault_signals[0]); i++) {
		if (sigaction(fault_signals[i], NULL, &cur) != 0)
			continue;
		if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == fault_handler)
			continue;
		if (sigaction(fault_signals[i], &sa, NULL) != 0)
			return modsim_err(-errno, "fault: cannot reinstall the %s handler: %s",
					  strsignal(fault_signals[i]), strerror(errno));
	}
	return 0;
}

void modsim_fault_loading(const char *path)
{
	atomic_signal_fence(memory_order_seq_cst);
	tls_loading = path;
	atomic_signal_fence(memory_order_seq_cst);
}

const char *modsim_fault_loading_path(void)
{
	return tls_loading;
}

const struct modsim_guard *modsim_guard_top(void)
{
	return tls_guard;
}

int modsim_fault_thread_stack(void)
{
	size_t page, len = FAULT_ALTSTACK_MIN;
	stack_t ss, old;
	long min;
	void *p;
	int err;

	if (tls_altstack)
		return 0;
	min = sysconf(_SC_MINSIGSTKSZ);
	page = (size_t)sysconf(_SC_PAGESIZE);
	if (min > 0 && (size_t)min * 4 > len)
		len = (size_t)min * 4;
	len = (len + page - 1) & ~(page - 1);

	/* One more page below the stack, left PROT_NONE: a handler that
	 * overflows its stack faults instead of scribbling. */
	p = mmap(NULL, len + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
		 -1, 0);
	if (p == MAP_FAILED)
		return modsim_err(-errno, "fault: no memory for a %zu-byte signal stack", len);
	if (mprotect(p, page, PROT_NONE) != 0) {
		err = -errno;
		munmap(p, len + page);
		return modsim_err(err, "fault: cannot protect the signal stack's guard page");
	}
	memset(&ss, 0, sizeof(ss));
	ss.ss_sp = (char *)p + page;
	ss.ss_size = len;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, &old) != 0) {
		err = -errno;
		munmap(p, len + page);
		return modsim_err(err, "fault: sigaltstack failed: %s", strerror(-err));
	}
	tls_altstack = p;
	tls_altstack_len = len + page;
	return 0;
}

int modsim_fault_thread_init(void)
{
	int err = modsim_fault_init();

	return err ? err : modsim_fault_thread_stack();
}

void modsim_fault_thread_fini(void)
{
	stack_t ss;

	if (!tls_altstack)
		return;
	memset(&ss, 0, sizeof(ss));
	ss.ss_flags = SS_DISABLE;
	if (sigaltstack(&ss, NULL) != 0)
		return; /* running on it (cannot be, outside the handler): keep it */
	munmap(tls_altstack, tls_altstack_len);
	tls_altstack = NULL;
	tls_altstack_len = 0;
}

void modsim_guard_push(struct modsim_guard *g, struct modsim_mod *owner,
		       enum modsim_subsys subsys, const char *op)
{
	/* The thread's first guarded call arms its alternate stack (and
	 * re-arms the handler), whoever started the thread. */
	if (modsim_unlikely(!tls_altstack))
		modsim_fault_thread_init();
	g->owner = owner;
	g->subsys = subsys;
	g->op = op;
	g->faulted = 0;
	g->signo = 0;
	g->addr = 0;
	g->pc = 0;
	g->hit = NULL;
	g->prev = tls_guard;
	/* The handler runs on this thread: ordering against it needs only a
	 * compiler barrier, so the guard is complete before it is visible. */
	atomic_signal_fence(memory_order_seq_cst);
	tls_guard = g;
	atomic_signal_fence(memory_order_seq_cst);

	if (owner && subsys != MODSIM_SS_LOADER &&
	    atomic_load_explicit(&owner->teardown, memory_order_acquire)) {
		struct modsim_cpu *cpu = modsim_cpu_peek(owner->k);

		modsim_exitcall_note(owner, cpu, subsys, op, cpu ? cpu->call_obj : NULL);
	}
}

/* Base of @m's image and the offset of @a in it, for "NAME+0x1a0" details. */
static uintptr_t gen_offset(const struct modsim_mod *m, uintptr_t a)
{
	uintptr_t base = m->nranges ? m->ranges[0].lo : 0;

	return a >= base ? a - base : a;
}

static void guard_record(struct modsim_guard *g)
{
	struct modsim_mod *hit = g->hit;
	struct modsim_kernel *k = g->owner ? g->owner->k : hit->k;
	struct modsim_cpu *cpu = modsim_cpu_peek(k);
	const char *op = g->op ? g->op : "call";
	const char *what = g->signo == SIGBUS ? "SIGBUS" : "SIGSEGV";
	struct modsim_violation v;
	enum modsim_vkind kind;
	bool addr_in = modsim_range_lookup(g->addr) == hit;
	size_t n;

	/*
	 * A use-after-unload touches memory of a generation that was
	 * released: GONE is set before its pages are closed (release.c), and
	 * until then they are mapped and accessible.  So a fault attributed to
	 * a generation not yet GONE is the module's own bug (a NULL read or
	 * call, a write to its rodata), whatever phase it is in: inside init,
	 * exit, or a call that exit waits for.
	 */
	if (atomic_load_explicit(&hit->state, memory_order_acquire) != MODSIM_STATE_GONE)
		kind = MODSIM_V_MODULE_CRASH;
	else
		kind = MODSIM_V_FAULT;

	modsim_violation_init(&v, kind, hit, g->subsys, op);
	v.addr = g->addr;
	v.pc = g->pc;
	v.signo = g->signo;
	v.point = cpu ? cpu->last_point : -1;
	if (kind == MODSIM_V_FAULT)
		n = (size_t)snprintf(v.detail, sizeof(v.detail), "%s of unloaded %s gen %lu at %#lx+%#lx",
				     op, hit->name, hit->generation,
				     (unsigned long)(hit->nranges ? hit->ranges[0].lo : 0),
				     (unsigned long)gen_offset(hit, addr_in ? g->addr : g->pc));
	else
		n = (size_t)snprintf(v.detail, sizeof(v.detail),
				     "%s crashed in %s gen %lu: %s at 0x%lx, pc %s+%#lx", op, hit->name,
				     hit->generation, what, (unsigned long)g->addr,
				     modsim_range_lookup(g->pc) == hit ? hit->name : "?",
				     (unsigned long)gen_offset(hit, g->pc));
	if (g->owner && g->owner != hit && n < sizeof(v.detail))
		snprintf(v.detail + n, sizeof(v.detail) - n, " (call owned by %s gen %lu)",
			 g->owner->name, g->owner->generation);
	modsim_stat_violation(k, &v);
}

int modsim_guard_pop(struct modsim_guard *g)
{
	struct modsim_guard *top = tls_guard;

	/*
	 * Unlink @g and anything left above it.  After a siglongjmp the top is
	 * still @g (the handler does not unlink); a guard above @g can only be
	 * left by a jump that skipped its pop, and is dead either way.
	 */
	while (top && top != g)
		top = top->prev;
	if (top == g) {
		atomic_signal_fence(memory_order_seq_cst);
		tls_guard = g->prev;
		atomic_signal_fence(memory_order_seq_cst);
	}
	if (!g->faulted)
		return 0;
	guard_record(g);
	return -EFAULT;
}
