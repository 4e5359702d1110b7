/* The module author's reference API (try_module_get, module_put, ...), mapped onto the preset. */
#include "dispatch/dispatch.h"

MODSIM_API bool try_module_get(struct module *mod)
{
	struct modsim_mod *m = modsim_owner(mod);
	struct modsim_cpu *cpu;

	if (!mod)
		return true;
	if (!m)
		return false;
	cpu = modsim_cpu_self(m->k);
	if (!cpu)
		return false;
	return modsim_get(m, cpu);
}

MODSIM_API void __module_get(struct module *mod)
{
	struct modsim_mod *m = modsim_owner(mod);
	struct modsim_cpu *cpu;

	if (!m)
		return;
	cpu = modsim_cpu_self(m->k);
	if (cpu)
		modsim_get(m, cpu);
}

MODSIM_API void module_put(struct module *mod)
{
	struct modsim_mod *m = modsim_owner(mod);
	struct modsim_cpu *cpu;

	if (!m)
		return;
	cpu = modsim_cpu_self(m->k);
	if (cpu)
		modsim_put(m, cpu);
}

MODSIM_API long module_refcount(struct module *mod)
{
	struct modsim_mod *m = modsim_owner(mod);

	if (!m || !m->k->strat->refcount)
		return -1;
	return m->k->strat->refcount(m);
}

MODSIM_API const char *module_name(const struct module *mod)
{
	return mod ? mod->name : "kernel";
}

MODSIM_API bool module_self_enter(struct module *mod)
{
	struct modsim_mod *m = modsim_owner(mod);
	const struct modsim_strategy *s;
	struct modsim_cpu *cpu;

	if (!m)
		return true;
	s = m->k->strat;
	if (!s->self_enter)
		return true;
	cpu = modsim_cpu_self(m->k);
	return cpu && s->self_enter(m, cpu);
}

MODSIM_API void module_self_exit(struct module *mod)
{
	struct modsim_mod *m = modsim_owner(mod);
	const struct modsim_strategy *s;
	struct modsim_cpu *cpu;

	if (!m)
		return;
	s = m->k->strat;
	if (s->self_exit) {
		cpu = modsim_cpu_self(m->k);
		if (cpu)
			s->self_exit(m, cpu);
	}
	/* The post's window: the count is dropped, the module's code still runs. */
	modsim_point_hit(m->k, MODSIM_PT_SELF_AFTER_PUT, m);
}
