/* The host kernel: create it, load and unload modules, list them, call into them. */
#ifndef MODSIM_KERNEL_H
#define MODSIM_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <modsim/compiler.h>
#include <modsim/trap.h>

#ifdef __cplusplus
extern "C" {
#endif

struct modsim_kernel;
struct modsim_mod;
struct modsim_file;
struct modsim_sched;

/**
 * struct modsim_config - how a kernel is set up.  Fill with
 * modsim_config_default() and change what you need.
 * @max_cpus:          thread slots ("CPUs"): workers, timer, loader, callers
 * @strategy:          preset name or path to a strategy .so
 * @module_path:       colon-separated directories searched for a bare module
 *                     name; NULL: $MODSIM_MODULE_PATH, then the installed
 *                     modules folder (BINDIR/../lib/modsim/modules from the
 *                     executable, LIBDIR/modsim/modules from libmodsim.so),
 *                     then the executable's directory + "/modules"
 * @init_timeout_ms:   watchdog for init, exit and the other module hooks;
 *                     0 runs them inline on the caller's thread, unwatched
 * @unload_timeout_ms: longest a blocking unload waits for users
 * @quarantine_max:    unloaded generations whose pages stay reserved and
 *                     inaccessible, so a stale call traps
 * @seed:              seeds the amplifier and the workers' choices
 * @timer_thread:      start the thread that fires timers
 * @allow_force:       let forced unload through where a strategy refuses
 * @log:               where reports go (leaks, watchdog); NULL: stderr
 * @sched:             the controlled scheduler of a trial (modsim run --sched);
 *                     NULL: every thread runs free
 */
struct modsim_config {
	unsigned int max_cpus;
	const char *strategy;
	const char *module_path;
	unsigned int init_timeout_ms;
	unsigned int unload_timeout_ms;
	unsigned int quarantine_max;
	unsigned long seed;
	bool timer_thread;
	bool allow_force;
	FILE *log;
	struct modsim_sched *sched;
};

/** modsim_config_default - the built-in defaults. */
MODSIM_API void modsim_config_default(struct modsim_config *cfg);

/**
 * modsim_kernel_create - make a kernel.
 * Return: 0 and *@out, or a negative errno (-ENOENT: unknown strategy).
 */
MODSIM_API int modsim_kernel_create(const struct modsim_config *cfg, struct modsim_kernel **out);

/**
 * modsim_kernel_destroy - stop the kernel's threads, unload every module
 * (forced, in reverse load order), release quarantine, free everything.
 */
MODSIM_API void modsim_kernel_destroy(struct modsim_kernel *k);

/**
 * modsim_last_error - the one-line message of the last failure on this
 * thread ("insmod halfinit: init failed: -ENODEV (No such device)").
 * Never NULL; "" when nothing failed yet.
 */
MODSIM_API const char *modsim_last_error(void);

/**
 * modsim_err - set this thread's modsim_last_error() message, printf-style.
 * Return: @err, so that a failing path reads `return modsim_err(-EINVAL, ...)`.
 */
MODSIM_API int modsim_err(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** modsim_errname - the name of a negative errno: "-ENOENT" (never NULL). */
MODSIM_API const char *modsim_errname(int err);

/**
 * modsim_set_progname - how the printed command lines ("repeat: ...",
 * "replay: ...") name the modsim command: "modsim" by default; the command
 * line sets the path it was invoked by when modsim is not on PATH.  @name
 * is printed as given (the caller quotes it for a shell); NULL, "" or a
 * name of 512 bytes or more restore "modsim".  Call it before any thread
 * prints.
 */
MODSIM_API void modsim_set_progname(const char *name);

/** modsim_progname - the name set by modsim_set_progname() ("modsim" by default). */
MODSIM_API const char *modsim_progname(void);

/** modsim_now_ns - the monotonic clock, in nanoseconds. */
MODSIM_API uint64_t modsim_now_ns(void);

/**
 * modsim_set_strategy - switch presets.
 * Refused with -EBUSY while any module is loaded (or stuck), because a
 * module's counts were kept under the old preset's rules.
 * Return: 0, -ENOENT for an unknown name, -EBUSY, -ENOEXEC for a bad .so.
 */
MODSIM_API int modsim_set_strategy(struct modsim_kernel *k, const char *name);

/** modsim_strategy_name - the preset in force. */
MODSIM_API const char *modsim_strategy_name(const struct modsim_kernel *k);

/**
 * modsim_load - insmod.
 * @k:       the kernel
 * @spec:    a bare name (searched on the module path) or a path (has a '/')
 * @nparams: number of "name=value" strings in @params
 * @params:  module parameters
 * @out:     the new module's record, or NULL
 *
 * Return: 0, or a negative errno with modsim_last_error() saying what and
 * why: -ENOENT (no such file; unresolved symbol), -ENOEXEC (not a shared
 * object, no descriptor, wrong ABI), -EEXIST (already loaded), -EINVAL (bad
 * parameter), init's own error, -EFAULT (init crashed), -ETIMEDOUT (init
 * hung: the watchdog fired).
 */
MODSIM_API int modsim_load(struct modsim_kernel *k, const char *spec, int nparams,
			   char *const params[], struct modsim_mod **out);

/** Flags of modsim_unload(), as the kernel's delete_module() has them. */
enum {
	MODSIM_UNLOAD_NOWAIT = 1 << 0, /* do not wait for users: -EWOULDBLOCK */
	MODSIM_UNLOAD_FORCE = 1 << 1,  /* unload even if in use; unsafe by design */
};

/**
 * modsim_unload - rmmod.
 * Return: 0, -ENOENT (not loaded), -EBUSY (in use, or coming/going),
 * -EWOULDBLOCK (in use and NOWAIT, or other modules use it), -EPERM
 * (strategy refuses unload), -ETIMEDOUT (users did not go away, or exit hung).
 */
MODSIM_API int modsim_unload(struct modsim_kernel *k, const char *name, unsigned int flags);

/** Module states, as in Linux, plus the end of a generation. */
enum modsim_state {
	MODSIM_STATE_UNFORMED, /* mapped, descriptor not yet checked */
	MODSIM_STATE_COMING,   /* init running */
	MODSIM_STATE_LIVE,
	MODSIM_STATE_GOING,    /* unload (or failed init) in progress */
	MODSIM_STATE_GONE,     /* exit done, memory released or quarantined */
	MODSIM_STATE_STUCK,    /* init or exit never returned; kept mapped forever */
};

/** modsim_state_name - "live", "coming", ... */
MODSIM_API const char *modsim_state_name(enum modsim_state s);

/**
 * struct modsim_modinfo - one line of lsmod.
 * @used_by: comma-separated names of modules that import its symbols
 */
struct modsim_modinfo {
	char name[64];
	char path[256];
	char used_by[256];
	enum modsim_state state;
	long refcount;
	size_t size;
	unsigned long generation;
};

/**
 * modsim_lsmod - list the modules that are not GONE, in load order.
 * Return: the number written (at most @max), or a negative errno.
 */
MODSIM_API int modsim_lsmod(struct modsim_kernel *k, struct modsim_modinfo *out, size_t max);

/**
 * modsim_modinfo_print - what the module file @spec (a name on the module
 * path, or a path) declares, as kmod's modinfo prints it: filename, name,
 * description, the hazard it shows, each parameter with its description
 * and type, each exported symbol, and whether it can stop and restart (the
 * self presets).  The file is mapped to read it; nothing of it runs.
 * Return: 0, or -ENOENT (no such module), -ENOEXEC (not a modsim module)
 * with modsim_last_error().
 */
MODSIM_API int modsim_modinfo_print(struct modsim_kernel *k, const char *spec, FILE *f);

/** modsim_lsmod_print - lsmod as a table on @f. */
MODSIM_API void modsim_lsmod_print(struct modsim_kernel *k, FILE *f);

/** modsim_find - the live (or coming, going) record of @name, or NULL. */
MODSIM_API struct modsim_mod *modsim_find(struct modsim_kernel *k, const char *name);

/*
 * Callers: what a CPU does with the subsystems.  Every call into module code
 * goes through the strategy's entry and exit for the owner, and is guarded:
 * a fault on unloaded module memory is attributed and counted, and the call
 * returns -EFAULT.  A refused entry (failed get) returns -ENODEV.
 */

/**
 * modsim_chrdev_open - open device @name; the file holds a long-held
 * reference (the strategy's get) on the device's module until close.
 * Return: 0 and *@out, or -errno: -ENOENT (no device of that name), -ENODEV
 * (the strategy refused the reference or the call), open()'s own error,
 * -EFAULT (open() faulted), -EAGAIN (no CPU slot left).
 */
MODSIM_API int modsim_chrdev_open(struct modsim_kernel *k, const char *name,
				  struct modsim_file **out);
/** modsim_chrdev_read - read from an open file. Return: bytes, or -errno. */
MODSIM_API ssize_t modsim_chrdev_read(struct modsim_file *f, char *buf, size_t len);
/** modsim_chrdev_write - write to an open file. Return: bytes, or -errno. */
MODSIM_API ssize_t modsim_chrdev_write(struct modsim_file *f, const char *buf, size_t len);
/** modsim_chrdev_close - release and free @f. Return: release's value, or -errno. */
MODSIM_API int modsim_chrdev_close(struct modsim_file *f);

/** modsim_hook_run - run the hook chain on @data. Return: hooks called, or -errno. */
MODSIM_API int modsim_hook_run(struct modsim_kernel *k, void *data);

/**
 * modsim_notifier_call - call every block on @chain.
 * Return: the last notifier's value (NOTIFY_*), or -errno (-ENOENT: no chain).
 */
MODSIM_API int modsim_notifier_call(struct modsim_kernel *k, const char *chain,
				    unsigned long action, void *data);

/**
 * modsim_symbol_call - symbol_get @name, call it as long (*)(long), put it.
 * Return: 0 and *@ret, -ENOENT when no live module exports it, or -errno.
 */
MODSIM_API int modsim_symbol_call(struct modsim_kernel *k, const char *name, long arg, long *ret);

/**
 * modsim_timer_run_expired - fire, on the calling thread, every timer that
 * is due (all armed timers when @all).  Tests use it instead of the timer
 * thread to fire deterministically.
 * Return: callbacks run, or -errno.
 */
MODSIM_API int modsim_timer_run_expired(struct modsim_kernel *k, bool all);

/** modsim_timer_armed - how many timers are armed. */
MODSIM_API int modsim_timer_armed(struct modsim_kernel *k);

#ifdef __cplusplus
}
#endif
#endif /* MODSIM_KERNEL_H */
