/* Calls through exported symbols: symbol_get/put and modsim_symbol_call (the table itself: table/symbols.c). */
#include <errno.h>

#include "dispatch/callpath.h"
#include "subsys/subsys.h"

/*
 * The guarded call itself, in a frame of its own: nothing the caller keeps
 * in registers lives across sigsetjmp() (-Wclobbered at -O2).
 * Return: 0 and *@out, or -EFAULT when the call faulted.
 */
static __attribute__((noinline)) int symbol_guarded_call(struct modsim_mod *owner,
							 long (*fn)(long), long arg, long *out)
{
	struct modsim_guard g;
	volatile long r = 0;
	int err;

	MODSIM_GUARDED(&g, owner, MODSIM_SS_SYMBOL, "call", r = fn(arg));
	err = modsim_guard_pop(&g);
	*out = r;
	return err;
}

/*
 * Like try_module_get(), symbol_get() and symbol_put() are module API: they
 * run in module code, in init or exit on the loader's side or inside a
 * subsystem's bracketed call, so they do not bracket (modsim_cpu_call_begin)
 * the lookup themselves.  A host thread calling them directly is outside
 * any bracket.
 */
MODSIM_API void *__symbol_get(struct module *user, const char *name)
{
	struct modsim_mod *um = modsim_owner(user), *owner;
	struct modsim_cpu *cpu;
	void *addr;

	if (!um || !name)
		return NULL; /* no module asking: no kernel to look in */
	cpu = modsim_cpu_self(um->k);
	if (!cpu)
		return NULL;
	if (!modsim_symtab_lookup(um->k, name, &owner, &addr))
		return NULL;
	if (!modsim_get(owner, cpu))
		return NULL;
	return addr;
}

MODSIM_API void __symbol_put(struct module *user, const char *name)
{
	struct modsim_mod *um = modsim_owner(user), *owner;
	struct modsim_cpu *cpu;
	void *addr;

	if (!um || !name)
		return;
	cpu = modsim_cpu_self(um->k);
	if (!cpu)
		return;
	if (modsim_symtab_lookup(um->k, name, &owner, &addr))
		modsim_put(owner, cpu);
}

MODSIM_API int modsim_symbol_call(struct modsim_kernel *k, const char *name, long arg, long *ret)
{
	struct modsim_cpu *cpu = modsim_cpu_self(k);
	struct modsim_mod *owner;
	long r = 0;
	void *addr;
	bool adhoc;
	int err;

	if (!name)
		return modsim_err(-EINVAL, "symbol_call: no symbol name");
	if (!cpu)
		return modsim_err(-EAGAIN, "symbol_call %s: no CPU slot left", name);
	adhoc = modsim_cpu_call_begin(cpu);
	if (!modsim_symtab_lookup(k, name, &owner, &addr)) {
		err = modsim_err(-ENOENT, "symbol_call %s: not exported by any loaded module",
				 name);
		goto out;
	}
	modsim_point_hit(k, MODSIM_PT_CALL_AFTER_LOOKUP, owner);
	if (!modsim_get(owner, cpu)) {
		modsim_call_refused(cpu, owner, MODSIM_SS_SYMBOL);
		err = modsim_err(-ENODEV, "symbol_call %s: %s refused the reference (%s)", name,
				 owner->name,
				 modsim_state_name(atomic_load(&owner->state)));
		goto out;
	}
	modsim_point_hit(k, MODSIM_PT_CALL_AFTER_ENTER, owner);
	err = symbol_guarded_call(owner, (long (*)(long))addr, arg, &r);
	modsim_point_hit(k, MODSIM_PT_CALL_BEFORE_EXIT, owner);
	modsim_put(owner, cpu);
	modsim_call_made(cpu, owner, MODSIM_SS_SYMBOL);
	if (err) {
		modsim_cpu_inc(&cpu->faulted[MODSIM_SS_SYMBOL]);
		err = modsim_err(err, "symbol_call %s: call into %s faulted", name, owner->name);
		goto out;
	}
	if (ret)
		*ret = r;
out:
	modsim_cpu_call_end(cpu, adhoc);
	return err;
}
