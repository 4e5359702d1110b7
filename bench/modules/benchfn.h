/* What modsim-bench finds in its module: the function called in the tight loop. */
#ifndef MODSIM_BENCHFN_H
#define MODSIM_BENCHFN_H

/*
 * struct benchfn_ops - lives in module memory, like a hook_ops: a caller
 * reads @fn from it on every call, as a subsystem reads ops->fn.
 * @fn: returns @x + 1; touches nothing else, so that no call shares a
 *      cache line with another thread's call
 */
struct benchfn_ops {
	long (*fn)(long x);
};

/* The symbol modsim-bench looks up with dlsym() in the loaded generation. */
#define BENCHFN_OPS_SYMBOL "benchfn_ops"
/* The module's name (and the name of its hook). */
#define BENCHFN_NAME "benchfn"

#endif /* MODSIM_BENCHFN_H */
