/* The fields of a matrix trial line: the schema the writer (report/matrix_print.c) and the reader (merge.c) share. */
#include <stddef.h>

#include <modsim/lab/matrix.h>

#include "lab/matrix_internal.h"

#include "kernel/units.h"

#define MF(k, t, member)                                                                    \
	{                                                                                   \
		.key = k, .type = t, .off = offsetof(struct modsim_matrix_trial, member),   \
		.size = sizeof(((struct modsim_matrix_trial *)0)->member)                   \
	}

_Static_assert(MODSIM_V__COUNT == 5, "a trial line has one field per violation kind");

const struct matrix_field modsim_matrix_fields[] = {
	{ .key = "schema", .type = MF_SCHEMA },
	MF("strategy", MF_STR, strategy),
	MF("scenario", MF_STR, scenario),
	MF("hazard", MF_STR, hazard),
	MF("predict", MF_PREDICT, predict),
	MF("strategy_index", MF_NUM, strategy_index),
	MF("scenario_index", MF_NUM, scenario_index),
	MF("trial", MF_NUM, trial),
	MF("seed", MF_NUM, seed),
	MF("matrix_seed", MF_NUM, matrix_seed),
	MF("trials", MF_NUM, trials),
	MF("duration_ms", MF_NUM, duration_ms),
	MF("workers", MF_NUM, workers),
	MF("total", MF_NUM, total),
	MF("violations", MF_NUM, violations),
	MF("first_violation_ns", MF_NUM, first_violation_ns),
	MF("first_kind", MF_STR, first_kind),
	MF("first_module", MF_STR, first_module),
	MF("v_use_after_unload", MF_NUM, by_kind[MODSIM_V_FAULT]),
	MF("v_call_after_exit", MF_NUM, by_kind[MODSIM_V_CALL_AFTER_EXIT]),
	MF("v_leaked_registration", MF_NUM, by_kind[MODSIM_V_LEAK]),
	MF("v_deadlock", MF_NUM, by_kind[MODSIM_V_DEADLOCK]),
	MF("v_module_crash", MF_NUM, by_kind[MODSIM_V_MODULE_CRASH]),
	MF("cycles", MF_NUM, cycles),
	MF("elapsed_ns", MF_NUM, elapsed_ns),
	MF("ops", MF_NUM, ops),
	MF("failed_get", MF_NUM, failed_get),
	MF("unload_attempts", MF_NUM, unload_attempts),
	MF("unload_done", MF_NUM, unload_done),
	MF("unload_n", MF_NUM, unload_ns.n),
	MF("unload_p50_ns", MF_NUM, unload_ns.p50),
	MF("unload_p99_ns", MF_NUM, unload_ns.p99),
	MF("unload_max_ns", MF_NUM, unload_ns.max),
	MF("world_stop_n", MF_NUM, world_stop_ns.n),
	MF("world_stop_p50_ns", MF_NUM, world_stop_ns.p50),
	MF("world_stop_p99_ns", MF_NUM, world_stop_ns.p99),
	MF("world_stop_max_ns", MF_NUM, world_stop_ns.max),
	MF("sched", MF_STR, sched),
	MF("depth", MF_NUM, depth),
	MF("steps", MF_NUM, steps),
	MF("sched_steps", MF_NUM, sched_steps),
	MF("token", MF_STR, token),
	MF("schedules", MF_NUM, schedules),
	MF("loads", MF_NUM, loads),
	MF("init_failures", MF_NUM, init_failures),
	MF("unload_overlapped", MF_NUM, unload_overlapped),
	MF("init_fail_overlapped", MF_NUM, init_fail_overlapped),
	MF("timer_calls", MF_NUM, timer_calls),
	MF("refused_live", MF_NUM, refused_live),
	MF("ops_unlive", MF_NUM, ops_unlive),
	MF("load_error", MF_STR, load_error),
};

const size_t modsim_matrix_nfields = sizeof(modsim_matrix_fields) / sizeof(modsim_matrix_fields[0]);
