/* Shared by the subsystem suites: kernels per strategy, violation counts. */
#ifndef MODSIM_TEST_SUBSYS_UNIT_H
#define MODSIM_TEST_SUBSYS_UNIT_H

/* Include after <cmocka.h>, <string.h> and the modsim headers. */

#define WAIT_MS 10000

static inline int setup_strategy(void **state, const char *strategy)
{
	struct modsim_config cfg;
	struct modsim_kernel *k;

	modsim_config_default(&cfg);
	cfg.strategy = strategy;
	cfg.timer_thread = false;
	cfg.init_timeout_ms = 0;
	if (modsim_kernel_create(&cfg, &k))
		return -1;
	*state = k;
	return 0;
}

static inline int setup_none(void **state)
{
	return setup_strategy(state, "none");
}

static inline int setup_try(void **state)
{
	return setup_strategy(state, "try");
}

static inline int teardown(void **state)
{
	modsim_kernel_destroy(*state);
	return 0;
}

/* How many recorded violations are of @kind and have @detail in their detail line. */
static inline int violations_with(struct modsim_kernel *k, enum modsim_vkind kind, const char *detail)
{
	struct modsim_violation v[64];
	size_t n = modsim_violations(k, v, 64);
	int hits = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i].kind == kind && (!detail || strstr(v[i].detail, detail)))
			hits++;
	return hits;
}

static inline unsigned long total_violations(struct modsim_kernel *k)
{
	struct modsim_stats st;
	unsigned long n = 0;

	modsim_stats_get(k, &st);
	for (int v = 0; v < MODSIM_V__COUNT; v++)
		n += st.violations[v];
	return n;
}

#endif /* MODSIM_TEST_SUBSYS_UNIT_H */
