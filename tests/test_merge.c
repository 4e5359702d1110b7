/* modsim merge (merge.c, matrix_cmd.c): shards of made-up trial lines merge to the one table; bad lines are named. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <modsim/kernel.h>
#include <modsim/lab/matrix.h>

#include "cli.h"

#define NSTRAT 3
#define NSCEN 2
#define NTRIALS 4
#define NALL (NSTRAT * NSCEN * NTRIALS)
#define NSHARDS 4

static const char *const strat_names[NSTRAT] = { "none", "try", "odd \"name\"\\\t" };
static const char *const scen_names[NSCEN] = { "unload-race", "timer" };

struct fixture {
	char dir[64];
	char all[96], shard[NSHARDS][96];
	struct modsim_matrix_trial t[NALL];
	struct modsim_matrix_result *r;
};

/* A made-up trial: varied numbers from a fixed recipe, one mismatch (try x timer finds). */
static void make_trial(struct modsim_matrix_trial *t, unsigned int p, unsigned int s, unsigned int tr)
{
	unsigned long x = (p * 7 + s * 3 + tr + 1) * 2654435761UL % 1000003;

	memset(t, 0, sizeof(*t));
	t->strategy_index = p;
	t->scenario_index = s;
	t->trial = tr;
	snprintf(t->strategy, sizeof(t->strategy), "%s", strat_names[p]);
	snprintf(t->scenario, sizeof(t->scenario), "%s", scen_names[s]);
	snprintf(t->hazard, sizeof(t->hazard), "%s", s ? "T" : "A");
	t->predict = p == 0 ? MODSIM_PREDICT_UNSAFE : MODSIM_PREDICT_SAFE;
	t->seed = modsim_matrix_trial_seed(5, t->strategy, t->scenario, tr);
	t->matrix_seed = 5;
	t->trials = NTRIALS;
	t->duration_ms = 2000;
	t->workers = 2;
	t->total = NALL;
	if (p == 0 || (p == 1 && s == 1 && tr == 2)) {
		t->violations = x % 97 + 1;
		t->by_kind[0] = t->violations;
		t->first_violation_ns = x * 1000 + 1;
		snprintf(t->first_kind, sizeof(t->first_kind), "use-after-unload");
		snprintf(t->first_module, sizeof(t->first_module), "hook");
	}
	t->cycles = x % 5000;
	t->elapsed_ns = 2000000000ULL + x;
	t->ops = x * 13;
	t->failed_get = p ? x % 1000 : 0;
	t->unload_attempts = x % 300;
	t->unload_done = x % 200;
	t->unload_ns.n = x % 200;
	t->unload_ns.p50 = x % 90000;
	t->unload_ns.p99 = x % 900000;
	t->unload_ns.max = x;
	if (p == 2) {
		t->world_stop_ns.n = 3;
		t->world_stop_ns.p99 = x % 7000;
	}
}

static void write_lines(const char *path, const struct modsim_matrix_trial *t, size_t n,
			unsigned int k)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		if (!k || modsim_matrix_in_shard(i, k, NSHARDS))
			modsim_matrix_print_trial(f, &t[i]);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	size_t i = 0;

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/modsim-merge.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	for (unsigned int p = 0; p < NSTRAT; p++)
		for (unsigned int s = 0; s < NSCEN; s++)
			for (unsigned int tr = 0; tr < NTRIALS; tr++)
				make_trial(&fx->t[i++], p, s, tr);
	snprintf(fx->all, sizeof(fx->all), "%s/all.jsonl", fx->dir);
	write_lines(fx->all, fx->t, NALL, 0);
	for (unsigned int k = 1; k <= NSHARDS; k++) {
		snprintf(fx->shard[k - 1], sizeof(fx->shard[0]), "%s/shard%u.jsonl", fx->dir, k);
		write_lines(fx->shard[k - 1], fx->t, NALL, k);
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	unlink(fx->all);
	for (unsigned int k = 0; k < NSHARDS; k++)
		unlink(fx->shard[k]);
	rmdir(fx->dir);
	modsim_matrix_result_free(fx->r);
	free(fx);
	return 0;
}

/* Run `modsim merge ARGS...`; its output and error text (caller frees both). */
static int merge(char **out, char **err, int argc, const char **args)
{
	char *argv[16] = { "merge" };
	size_t olen, elen;
	FILE *o = open_memstream(out, &olen), *e = open_memstream(err, &elen);
	int status;

	assert_true(argc < 15);
	for (int i = 0; i < argc; i++)
		argv[i + 1] = (char *)args[i];
	status = cmd_merge(argc + 1, argv, o, e);
	fclose(o);
	fclose(e);
	return status;
}

/* ---- the shards merge to the table of all trials ---- */

static void test_modsim_merge_main_shards_equal_one_file(void **state)
{
	struct fixture *fx = *state;
	const char *fmts[] = { NULL, "--json", "--csv", "--jsonl" };

	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		const char *one[2], *four[5];
		int n1 = 0, n4 = 0;
		char *a, *b, *ea, *eb;

		if (fmts[i]) {
			one[n1++] = fmts[i];
			four[n4++] = fmts[i];
		}
		one[n1++] = fx->all;
		/* In any order, as the shards come back. */
		four[n4++] = fx->shard[2];
		four[n4++] = fx->shard[0];
		four[n4++] = fx->shard[3];
		four[n4++] = fx->shard[1];
		assert_int_equal(merge(&a, &ea, n1, one), 0);
		assert_int_equal(merge(&b, &eb, n4, four), 0);
		assert_string_equal(ea, "");
		assert_string_equal(eb, "");
		assert_true(strlen(a) > 100);
		assert_string_equal(a, b);
		free(a);
		free(b);
		free(ea);
		free(eb);
	}
}

/* ... and to the table a run that made those trials prints itself. */
static void test_modsim_merge_main_equals_the_direct_table(void **state)
{
	struct fixture *fx = *state;
	const char *args[] = { "--json", fx->shard[1], fx->shard[0], fx->shard[3], fx->shard[2] };
	char *merged, *err, *direct = NULL;
	size_t len;
	FILE *f;

	fx->r = modsim_matrix_result_new();
	for (size_t i = 0; i < NALL; i++)
		assert_int_equal(modsim_matrix_result_add(fx->r, &fx->t[i]), 0);
	assert_int_equal(modsim_matrix_tabulate(fx->r), 0);
	f = open_memstream(&direct, &len);
	modsim_matrix_print(f, MODSIM_FMT_JSON, fx->r);
	fclose(f);
	assert_int_equal(merge(&merged, &err, 5, args), 0);
	assert_string_equal(merged, direct);
	/* The names that needed escaping came through. */
	assert_string_equal(fx->r->cfg.strategies[2], strat_names[2]);
	free(merged);
	free(err);
	free(direct);
}

static void test_modsim_merge_main_check_and_gaps(void **state)
{
	struct fixture *fx = *state;
	const char *check[] = { "--check", fx->all };
	const char *half[] = { fx->shard[0], fx->shard[1] };
	const char *twice[] = { fx->shard[0], fx->shard[1], fx->shard[0] };
	const char *none[] = { "--check" };
	const char *missing[] = { "/nonexistent/shard.jsonl" };
	const char *bogus[] = { "--bogus", fx->all };
	char *out, *err;

	/* try x timer found a violation in one trial: a MISMATCH. */
	assert_int_equal(merge(&out, &err, 2, check), 3);
	assert_non_null(strstr(out, "MISMATCH try x timer"));
	assert_non_null(strstr(out, "1/4 S MISMATCH"));
	assert_non_null(strstr(out, "3 strategies x 2 scenarios, 4 trials of 2 s per cell"));
	free(out);
	free(err);

	assert_int_equal(merge(&out, &err, 2, half), 0);
	assert_non_null(strstr(err, "12 of the matrix's 24 trials"));
	free(out);
	free(err);

	assert_int_equal(merge(&out, &err, 3, twice), 1);
	assert_non_null(strstr(err, "twice"));
	free(out);
	free(err);

	assert_int_equal(merge(&out, &err, 1, none), 2);
	assert_non_null(strstr(err, "no files"));
	free(out);
	free(err);

	assert_int_equal(merge(&out, &err, 1, missing), 1);
	assert_non_null(strstr(err, "/nonexistent/shard.jsonl"));
	free(out);
	free(err);

	assert_int_equal(merge(&out, &err, 2, bogus), 2);
	assert_non_null(strstr(err, "--bogus"));
	free(out);
	free(err);
}

/* ---- the strict reader ---- */

/* One good line, then @bad: the reader must refuse line 2 and say why. */
static void refuse(struct fixture *fx, const char *bad, const char *why)
{
	char *good = NULL, *text;
	size_t len;
	FILE *f = open_memstream(&good, &len), *in;
	int err;

	modsim_matrix_print_trial(f, &fx->t[0]);
	fclose(f);
	assert_true(asprintf(&text, "%s%s\n", good, bad) > 0);
	in = fmemopen(text, strlen(text), "r");
	assert_non_null(in);
	modsim_matrix_result_free(fx->r);
	fx->r = modsim_matrix_result_new();
	err = modsim_matrix_read_jsonl(in, "shard.jsonl", fx->r);
	fclose(in);
	if (err != -EINVAL || strncmp(modsim_last_error(), "shard.jsonl:2: ", 15) ||
	    !strstr(modsim_last_error(), why))
		fail_msg("line '%s': got %d '%s', want -EINVAL 'shard.jsonl:2: ...%s...'", bad, err,
			 modsim_last_error(), why);
	free(good);
	free(text);
}

/* @line of trial 1 with @from replaced by @to (once). */
static char *edited(struct fixture *fx, const char *from, const char *to)
{
	static char out[8192];
	char *line = NULL, *at;
	size_t len;
	FILE *f = open_memstream(&line, &len);

	modsim_matrix_print_trial(f, &fx->t[1]);
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	at = strstr(line, from);
	assert_non_null(at);
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - line), line, to, at + strlen(from));
	free(line);
	return out;
}

static void test_modsim_matrix_read_jsonl_refuses_bad_lines(void **state)
{
	struct fixture *fx = *state;

	refuse(fx, "", "expected '{'");
	refuse(fx, "hello", "expected '{'");
	refuse(fx, edited(fx, "\"cycles\":", "\"cycle\":"), "unknown key");
	refuse(fx, edited(fx, "\"schema\":\"modsim-matrix-trial/3\",", ""), "no \"schema\"");
	refuse(fx, edited(fx, "\"schema\":\"modsim-matrix-trial/3\"", "\"schema\":\"modsim-run/1\""),
	       "schema");
	refuse(fx, edited(fx, "\"ops\":", "\"workers\":2,\"ops\":"), "twice");
	refuse(fx, edited(fx, "\"trial\":1", "\"trial\":01"), "leading zero");
	refuse(fx, edited(fx, "\"trial\":1", "\"trial\":-1"), "unsigned integer");
	refuse(fx, edited(fx, "\"trial\":1", "\"trial\":1.5"), "not an integer");
	refuse(fx, edited(fx, "\"trial\":1", "\"trial\":\"1\""), "unsigned integer");
	refuse(fx, edited(fx, "\"trial\":1", "\"trial\":99999999999"), "too large");
	refuse(fx, edited(fx, "\"predict\":\"unsafe\"", "\"predict\":\"maybe\""), "predict");
	refuse(fx, edited(fx, "\"sched\":\"\"", "\"sched\":\"bogus\""), "trial scheduled");
	refuse(fx, edited(fx, "\"sched\":\"\"", "\"sched\":\"replay\""), "trial scheduled");
	refuse(fx, edited(fx, "\"hazard\":\"A\"", "\"hazard\":\"A\\x\""), "escape");
	refuse(fx, edited(fx, "\"hazard\":\"A\"", "\"hazard\":\"A"), "expected ','");
	refuse(fx, edited(fx, "\"hazard\":\"A\"", "\"hazard\":\"AAAAAAAAAAAAAAAAAAAA\""), "longer");
	refuse(fx, edited(fx, "}", "} x"), "after the object");
	refuse(fx, edited(fx, "}", ""), "expected ','");
	/* Well formed, but of another matrix, or a position renamed. */
	refuse(fx, edited(fx, "\"matrix_seed\":5", "\"matrix_seed\":6"), "seed");
	refuse(fx, edited(fx, "\"duration_ms\":2000", "\"duration_ms\":1000"), "ms");
	refuse(fx, edited(fx, "\"scenario\":\"unload-race\"", "\"scenario\":\"timer\""), "timer");
	refuse(fx, edited(fx, "\"trial\":1", "\"trial\":4"), "trial 4");
}

static void test_modsim_matrix_read_jsonl_takes_its_own_lines(void **state)
{
	struct fixture *fx = *state;
	FILE *in = fopen(fx->all, "r");

	assert_non_null(in);
	fx->r = modsim_matrix_result_new();
	assert_int_equal(modsim_matrix_read_jsonl(in, fx->all, fx->r), 0);
	fclose(in);
	assert_int_equal(fx->r->ntrials, NALL);
	for (size_t i = 0; i < NALL; i++) {
		char *a = NULL, *b = NULL;
		size_t la, lb;
		FILE *fa = open_memstream(&a, &la), *fb = open_memstream(&b, &lb);

		modsim_matrix_print_trial(fa, &fx->r->trial[i]);
		modsim_matrix_print_trial(fb, &fx->t[i]);
		fclose(fa);
		fclose(fb);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	assert_string_equal(fx->r->trial[NALL - 1].strategy, strat_names[2]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modsim_merge_main_shards_equal_one_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_merge_main_equals_the_direct_table, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_merge_main_check_and_gaps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modsim_matrix_read_jsonl_refuses_bad_lines, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_matrix_read_jsonl_takes_its_own_lines, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
