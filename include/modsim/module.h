/* The module author's API: descriptor, THIS_MODULE, references, parameters, exports. */
#ifndef MODSIM_MODULE_H
#define MODSIM_MODULE_H

#include <stdbool.h>
#include <stddef.h>

#include <modsim/compiler.h>
#include <modsim/point.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * MODSIM_ABI_VERSION - version of the descriptor layout a module is built for.
 *
 * The loader refuses a module whose descriptor carries another value
 * (-ENOEXEC), the way the kernel refuses a module with the wrong vermagic.
 */
#define MODSIM_ABI_VERSION 1

/*
 * struct modsim_mod - the kernel's record of one load generation of a module.
 * Opaque to module code.  It lives in host memory and outlives the module's
 * code, so the kernel can still name a generation after its code is gone.
 */
struct modsim_mod;

/** enum modsim_param_type - the types module_param() accepts. */
enum modsim_param_type {
	MODSIM_PARAM_INT,
	MODSIM_PARAM_UINT,
	MODSIM_PARAM_LONG,
	MODSIM_PARAM_ULONG,
	MODSIM_PARAM_BOOL,
	MODSIM_PARAM_CHARP,
};

/**
 * struct modsim_param - one parameter a module accepts at load time.
 * @name: the name given on the insmod line (`fail_at=2`)
 * @type: how the value is parsed
 * @addr: the variable in module memory the loader writes before init
 * @desc: one line for `modinfo`-style listings
 *
 * Declared by module_param(); a NULL @name marks the section sentinel.
 */
struct modsim_param {
	const char *name;
	enum modsim_param_type type;
	void *addr;
	const char *desc;
};

/**
 * struct modsim_ksym - one symbol a module exports to other modules.
 * @name: symbol name
 * @addr: its address in the exporting module
 *
 * Declared by EXPORT_SYMBOL(); a NULL @name marks the section sentinel.
 */
struct modsim_ksym {
	const char *name;
	void *addr;
};

/**
 * struct module - the descriptor every module defines once, through
 * MODSIM_MODULE().  As in Linux it lives in the module's own memory, so
 * THIS_MODULE is a constant and `.owner = THIS_MODULE` works in static
 * initialisers.  The kernel keeps its own record of the generation (@mod).
 *
 * @abi_version: MODSIM_ABI_VERSION the module was built with
 * @info_size:   sizeof(struct module) at build time
 * @name:        module name; the loader refuses two live modules of one name
 * @description: one line for listings
 * @hazard:      which hazard of the post this module demonstrates ("A", "B",
 *               "P", "T", "L", "S" or "-")
 * @init:        runs at load; 0 or a negative errno.  Must undo what it did
 *               before returning an error (the post's "half init").
 * @exit:        runs at unload; undoes init.
 *
 * Optional hooks, used only by the strategies that need them; NULL elsewhere:
 * @reserve:   two-stage init (post option 4): acquire everything, make nothing
 *             visible.  May fail.
 * @unreserve: undo @reserve when the load is abandoned after it succeeded.
 * @commit:    two-stage init: make everything visible.  Cannot fail.
 * @stop:      two-stage delete (post option 2): stop taking new work.
 *             0, or -EBUSY to refuse.
 * @restart:   undo @stop when the module turned out to be still in use.
 * @quiesce:   FreeBSD-style: asked before unload; -EBUSY vetoes.
 *
 * Filled by MODSIM_MODULE(), not by the author:
 * @params_start, @params_end: the module_param() table
 * @ksyms_start, @ksyms_end:   the EXPORT_SYMBOL() table
 * @mod:       the kernel's record of this generation; written by the loader
 *             before any module code runs.  Not for module code.
 */
struct module {
	unsigned int abi_version;
	unsigned int info_size;
	const char *name;
	const char *description;
	const char *hazard;
	int (*init)(void);
	void (*exit)(void);
	int (*reserve)(void);
	void (*unreserve)(void);
	void (*commit)(void);
	int (*stop)(void);
	void (*restart)(void);
	int (*quiesce)(void);
	const struct modsim_param *params_start;
	const struct modsim_param *params_end;
	const struct modsim_ksym *ksyms_start;
	const struct modsim_ksym *ksyms_end;
	struct modsim_mod *mod;
};

/* The descriptor symbol the loader looks up with dlsym(). */
#define MODSIM_MODULE_SYMBOL "__this_module"

#ifdef MODSIM_BUILDING_MODULE
/*
 * Inside a module: the descriptor is bound locally (protected), so a module
 * always finds its own even when every module sits in the global scope.
 */
extern struct module __this_module __attribute__((visibility("protected")));
extern const struct modsim_param __start_modsim_param[] __attribute__((visibility("hidden")));
extern const struct modsim_param __stop_modsim_param[] __attribute__((visibility("hidden")));
extern const struct modsim_ksym __start_modsim_ksymtab[] __attribute__((visibility("hidden")));
extern const struct modsim_ksym __stop_modsim_ksymtab[] __attribute__((visibility("hidden")));

/**
 * THIS_MODULE - the running module's own struct module.
 *
 * Example:
 *	static const struct file_operations fops = { .owner = THIS_MODULE };
 */
#define THIS_MODULE (&__this_module)

/**
 * MODSIM_MODULE - define the module descriptor.  Exactly once per module.
 * @...: designated initialisers for struct module
 *
 * Example:
 *	static int hello_init(void) { return 0; }
 *	static void hello_exit(void) { }
 *	MODSIM_MODULE(.name = "hello", .init = hello_init, .exit = hello_exit,
 *		      .hazard = "-", .description = "does nothing, safely");
 *
 * It also places one empty entry in the parameter and export sections, so
 * that both sections exist in every module and their bounds bind locally.
 */
#define MODSIM_MODULE(...)                                                     \
	static const struct modsim_param __modsim_param_sentinel                \
		__attribute__((section("modsim_param"), used)) = { 0 };          \
	static const struct modsim_ksym __modsim_ksym_sentinel                  \
		__attribute__((section("modsim_ksymtab"), used)) = { 0 };        \
	struct module __this_module                                             \
		__attribute__((visibility("protected"))) = {                    \
			.abi_version = MODSIM_ABI_VERSION,                      \
			.info_size = sizeof(struct module),                     \
			.params_start = __start_modsim_param,                   \
			.params_end = __stop_modsim_param,                      \
			.ksyms_start = __start_modsim_ksymtab,                  \
			.ksyms_end = __stop_modsim_ksymtab,                     \
			__VA_ARGS__                                             \
		}

#define __MODSIM_PARAM_int MODSIM_PARAM_INT
#define __MODSIM_PARAM_uint MODSIM_PARAM_UINT
#define __MODSIM_PARAM_long MODSIM_PARAM_LONG
#define __MODSIM_PARAM_ulong MODSIM_PARAM_ULONG
#define __MODSIM_PARAM_bool MODSIM_PARAM_BOOL
#define __MODSIM_PARAM_charp MODSIM_PARAM_CHARP
#define __MODSIM_CTYPE_int int
#define __MODSIM_CTYPE_uint unsigned int
#define __MODSIM_CTYPE_long long
#define __MODSIM_CTYPE_ulong unsigned long
#define __MODSIM_CTYPE_bool bool
#define __MODSIM_CTYPE_charp char *

/**
 * module_param - let the insmod line set a module variable before init.
 * @var:  a file-scope variable of the module
 * @type: int, uint, long, ulong, bool or charp; must match @var's type
 * @desc: one line describing it
 *
 * A charp parameter points into kernel-owned memory that stays valid until
 * the module is unloaded.
 *
 * Example:
 *	static int fail_at;
 *	module_param(fail_at, int, "registration step at which init fails");
 */
#define module_param(var, type, desc)                                          \
	_Static_assert(__builtin_types_compatible_p(__typeof__(var),           \
						    __MODSIM_CTYPE_##type),    \
		       "module_param type does not match " #var);               \
	static const struct modsim_param __modsim_param_##var                  \
		__attribute__((section("modsim_param"), used)) = {              \
			#var, __MODSIM_PARAM_##type, (void *)&(var), desc       \
		}

/**
 * EXPORT_SYMBOL - offer a function or variable of this module to others.
 * @sym: the symbol
 *
 * Another module may then call it directly (the loader records the use and
 * refuses to unload this module while the user is loaded), or look it up at
 * run time with symbol_get().
 *
 * Example:
 *	long exporter_add(long x) { return x + 1; }
 *	EXPORT_SYMBOL(exporter_add);
 */
#define EXPORT_SYMBOL(sym)                                                     \
	static const struct modsim_ksym __modsim_ksym_##sym                     \
		__attribute__((section("modsim_ksymtab"), used)) = {             \
			#sym, (void *)&(sym)                                    \
		}
#endif /* MODSIM_BUILDING_MODULE */

/**
 * try_module_get - take a reference on @mod unless it is going away.
 * @mod: the module, or NULL for built-in code (always succeeds)
 *
 * What "a reference" means is the strategy's business: under `try` it fails
 * once unload began; under `none` it does nothing and always succeeds.
 * Return: true when the reference was taken.
 */
MODSIM_API bool try_module_get(struct module *mod);

/**
 * __module_get - take a reference on @mod that the caller knows cannot fail
 * (the caller already holds one).
 * @mod: the module, or NULL
 */
MODSIM_API void __module_get(struct module *mod);

/**
 * module_put - drop a reference taken by try_module_get() or __module_get().
 * @mod: the module, or NULL
 */
MODSIM_API void module_put(struct module *mod);

/**
 * module_refcount - the reference count as the strategy reports it.
 * @mod: the module
 * Return: the count, or -1 when the strategy keeps none.
 */
MODSIM_API long module_refcount(struct module *mod);

/**
 * module_name - a module's name.
 * @mod: the module, or NULL ("kernel")
 */
MODSIM_API const char *module_name(const struct module *mod);

/**
 * module_self_enter - self-counting entry (post option 2): a module calls this
 * first thing in every callback and returns at once when it answers false.
 * @mod: THIS_MODULE
 *
 * Under strategies that do not make modules count themselves it is a call
 * that returns true.  Under `self` it counts the entry, and answers false
 * once the module has been stopped.
 *
 * Example:
 *	static int my_hook(struct hook_ops *ops, void *data)
 *	{
 *		if (!module_self_enter(THIS_MODULE))
 *			return HOOK_CONTINUE;
 *		... work ...
 *		module_self_exit(THIS_MODULE);
 *		return HOOK_CONTINUE;
 *	}
 */
MODSIM_API bool module_self_enter(struct module *mod);

/**
 * module_self_exit - self-counting exit; pairs with module_self_enter().
 * @mod: THIS_MODULE
 *
 * This is the post's "put then return": after it, the module still runs its
 * own return path.  The race point MODSIM_PT_SELF_AFTER_PUT sits right after
 * the count is dropped, inside this call.
 */
MODSIM_API void module_self_exit(struct module *mod);

/**
 * __symbol_get - look up an exported symbol and take a reference on its
 * owner.  Use symbol_get().
 * @user: the module asking (THIS_MODULE), or NULL
 * @name: the symbol's name
 * Return: its address, or NULL when no live module exports it.
 */
MODSIM_API void *__symbol_get(struct module *user, const char *name);

/**
 * __symbol_put - drop the reference __symbol_get() took.  Use symbol_put().
 * @user: the module that got it, or NULL
 * @name: the symbol's name
 */
MODSIM_API void __symbol_put(struct module *user, const char *name);

#ifdef MODSIM_BUILDING_MODULE
/**
 * symbol_get - typed run-time lookup of an exported symbol.
 * @sym: an identifier declared (not defined) in this module
 *
 * Example:
 *	extern long exporter_add(long);
 *	long (*add)(long) = symbol_get(exporter_add);
 *	if (add) { add(1); symbol_put(exporter_add); }
 */
#define symbol_get(sym) ((__typeof__(&(sym)))__symbol_get(THIS_MODULE, #sym))
/** symbol_put - release a symbol_get() reference. @sym: the same identifier */
#define symbol_put(sym) __symbol_put(THIS_MODULE, #sym)

/**
 * MODSIM_POINT - a named race window inside module code.
 * @id: an enum modsim_point_id
 *
 * A no-op (one load and a branch) unless a test, the amplifier or a
 * scheduler armed the point.
 *
 * Example:
 *	a = register_hook(&hook_a);
 *	MODSIM_POINT(MODSIM_PT_INIT_BETWEEN_REGS);
 *	b = register_notifier("netdev", &nb);
 */
#define MODSIM_POINT(id) modsim_point_mod(THIS_MODULE, (id))
#endif

#ifdef __cplusplus
}
#endif
#endif /* MODSIM_MODULE_H */
