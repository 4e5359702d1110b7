/* The detection layer: guarded calls and the fault handler, quarantine, the watchdog, naming module code. */
#ifndef MODSIM_DETECT_H
#define MODSIM_DETECT_H

#include "cpu/cpu.h"

/* ---- fault detection (fault.c) ---- */

/*
 * struct modsim_guard - one guarded call into module code, on the caller's
 * stack.  The fault handler finds the innermost guard of its thread, fills
 * the fault fields and siglongjmp()s to @env.
 */
struct modsim_guard {
	sigjmp_buf env;
	struct modsim_guard *prev;
	struct modsim_mod *owner;
	enum modsim_subsys subsys;
	const char *op;
	/* Filled by the handler. */
	volatile sig_atomic_t faulted;
	int signo;
	uintptr_t addr, pc;
	struct modsim_mod *hit; /* the generation whose memory was hit */
};

/* Install the process-wide SIGSEGV/SIGBUS handler (idempotent). */
int modsim_fault_init(void);
/* Give the calling thread an alternate signal stack (idempotent per thread). */
int modsim_fault_thread_stack(void);
/* Both: the handler re-armed, and the calling thread's alternate stack. */
int modsim_fault_thread_init(void);
/* Free the calling thread's alternate stack (threads that end call it). */
void modsim_fault_thread_fini(void);
/* Push @g as the innermost guard; a subsystem call (not MODSIM_SS_LOADER)
 * into @owner after its teardown began goes to modsim_exitcall_note(). */
void modsim_guard_push(struct modsim_guard *g, struct modsim_mod *owner,
		       enum modsim_subsys subsys, const char *op);
/*
 * Calls that enter a module during its exit (detect/exitcalls.c).  A call
 * entering while exit runs is judged when exit returns: it is the protocol
 * working when exit synchronised, after the call entered, with the object
 * it came through (del_timer_sync on its timer, a synchronising unregister
 * of its hook or notifier block), and a call-after-exit otherwise.  A call
 * entering after exit returned, or during a failed init's teardown, is a
 * call-after-exit at once.
 */
/* modsim_exitcall_note - @cpu's call through @obj (NULL: none) enters @m, whose teardown began. */
void modsim_exitcall_note(struct modsim_mod *m, struct modsim_cpu *cpu, enum modsim_subsys ss,
			  const char *op, const void *obj);
/* modsim_exit_synced - @m's exit waited for every call through @obj that had entered. */
void modsim_exit_synced(struct modsim_mod *m, const void *obj);
/* modsim_exitcalls_begin/end - around @m's exit (modcall.c); end judges the calls noted. */
void modsim_exitcalls_begin(struct modsim_mod *m);
void modsim_exitcalls_end(struct modsim_mod *m);
/* Pop @g; after a fault, record the violation and return -EFAULT, else 0. */
int modsim_guard_pop(struct modsim_guard *g);

/*
 * MODSIM_GUARDED - run @stmt as a guarded call.  Variables @stmt assigns
 * and the caller reads afterwards must be volatile (sigsetjmp rules).
 * The mask is not saved: the handler runs with SA_NODEFER, so leaving it by
 * siglongjmp leaves the mask as it was, and the guard costs no syscall.
 *
 * Example:
 *	struct modsim_guard g;
 *	volatile ssize_t r = -EFAULT;
 *	MODSIM_GUARDED(&g, owner, MODSIM_SS_CHRDEV, "read", r = fops->read(f, buf, n));
 *	if (modsim_guard_pop(&g)) return -EFAULT;
 */
#define MODSIM_GUARDED(g, owner, subsys, op, stmt)                     \
	do {                                                           \
		modsim_guard_push((g), (owner), (subsys), (op));       \
		if (sigsetjmp((g)->env, 0) == 0) {                     \
			stmt;                                          \
		}                                                      \
	} while (0)

/* The innermost guard of the calling thread (module code it is running), or NULL. */
const struct modsim_guard *modsim_guard_top(void);
/* The calling thread is about to dlopen @path (NULL: done): a fault, or a
 * call to exit(), meanwhile is that file's constructors' doing. */
void modsim_fault_loading(const char *path);
const char *modsim_fault_loading_path(void);

/* ---- a module's way out of the process (exitwatch.c) ---- */

/* Watch exit(): a call from module code is reported and ends the process
 * with status 1 (idempotent). */
void modsim_exitwatch_init(void);
/* A constructor of @path never returned: it holds the dynamic linker's
 * lock for good, so nothing may dlopen or dlclose again, and the process
 * leaves without running destructors. */
void modsim_linker_wedge(const char *path);
/* The path of the constructor holding the dynamic linker, or NULL. */
const char *modsim_linker_wedged(void);

/* ---- quarantine and segment ranges (quarantine.c) ---- */

int modsim_quarantine_init(struct modsim_kernel *k);
/* Release every reservation. */
void modsim_quarantine_fini(struct modsim_kernel *k);
/* Find @m's PT_LOAD segments (m->handle must be open); fills m->ranges,
 * m->size and publishes the ranges for fault attribution. */
int modsim_segments_record(struct modsim_mod *m);
/* dlclose @m and keep its pages reserved and inaccessible; falls back to
 * mprotect(PROT_NONE) of its code in place when the object stays mapped
 * (m->pinned; glibc still reads its tables, so data stays readable). */
int modsim_quarantine_close(struct modsim_mod *m);
/* The generation whose (current or quarantined) range holds @addr, or
 * NULL.  Async-signal-safe. */
struct modsim_mod *modsim_range_lookup(uintptr_t addr);
/* Drop @m's ranges from the table (kernel destruction). */
void modsim_ranges_forget(struct modsim_mod *m);

/* ---- watchdog (watchdog.c) ---- */

int modsim_watchdog_init(struct modsim_kernel *k);
void modsim_watchdog_fini(struct modsim_kernel *k);
/*
 * Run @fn(@m, @arg) on the kernel's modprobe thread and wait at most the
 * init timeout.  Inline when the timeout is 0.  On time-out: record a
 * DEADLOCK violation naming @what, mark @m STUCK, and return -ETIMEDOUT; a
 * fresh modprobe thread serves later calls.
 */
int modsim_watchdog_call(struct modsim_mod *m, const char *what,
			 int (*fn)(struct modsim_mod *m, void *arg), void *arg);

/*
 * The same for a call that belongs to no generation yet (dlopen, whose
 * constructors are module code): @name names it in messages.  On
 * time-out: -ETIMEDOUT, and the thread and @arg are left to their fate
 * (@arg must then stay allocated).
 */
int modsim_watchdog_run(struct modsim_kernel *k, const char *what, const char *name,
			int (*fn)(void *arg), void *arg);

/* ---- naming module code (codename.c) ---- */

/*
 * modsim_code_name - a printable name for the module code at @addr, taken
 * while the module is loaded (reports are written after it is gone): its
 * symbol, static functions included, or "file.so+0xoff", or the address.
 * (codename.c)
 */
void modsim_code_name(const void *addr, char *out, size_t len);

#endif /* MODSIM_DETECT_H */
