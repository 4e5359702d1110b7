/* modsim-bench's command line: options, defaults, and where its module is. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "base/text.h"
#include "bench_config.h"

#define DEFAULT_LOOPS 1000000ul
#define DEFAULT_RUNS 21u
#define DEFAULT_UNLOADS 20u
#define DEFAULT_CYCLES 200u

static const char usage[] =
	"usage: modsim-bench [--strategies LIST] [--threads LIST] [--loops N] [--runs N] [--no-pin]\n"
	"                    [--clock wall|cpu] [--json | --csv] [--plot FILE.png] [--unloads N]\n"
	"                    [--cycles N] [--init-timeout MS] [--module PATH] [--quiet]\n"
	"                    [--help] [--version]\n"
	"       modsim-bench --rss-cycles N [--strategies LIST] [--init-timeout MS]\n"
	"\n"
	"What callers pay per call under each strategy, measured like the kernel's refscale:\n"
	"on every thread at once, a tight loop of the preset's enter, an indirect call into a\n"
	"loaded module, and its exit; against a bare call and other baselines in the same run.\n"
	"\n"
	"  --strategies LIST  comma-separated presets, or all (default: all built in)\n"
	"  --threads LIST     comma-separated thread counts (default: 1,2)\n"
	"  --loops N          calls per thread per variant in one run, in 8 interleaved slices\n"
	"                     (default: 1000000)\n"
	"  --runs N           runs, each a round over every block; the median is reported (default: 21)\n"
	"  --pin, --no-pin    pin thread i to the i-th CPU this process may use (default), or not\n"
	"  --clock wall|cpu   time the loops by the wall clock (default) or by each thread's CPU\n"
	"                     time (a thread another process preempts is not charged for it)\n"
	"                     A run of several threads counts only when they ran at the same time\n"
	"                     (overlap >= 0.8, see docs/bench-figures.md); others are dropped\n"
	"  --json, --csv      machine-readable output on stdout instead of the text report\n"
	"  --plot FILE.png    draw ns per call against threads with gnuplot\n"
	"  --unloads N        unload-latency samples per preset and thread count, 0 skips (default: 20)\n"
	"  --cycles N         load/unload cycles per preset, in 10 rounds that alternate with a\n"
	"                     bare dlopen/dlclose loop; 0 skips (default: 200)\n"
	"  --rss-cycles N     instead of the above: resident memory against N load/unload\n"
	"                     cycles of unload-race (2 workers), under each preset predicted\n"
	"                     safe for it; lines RSS and RSSGROWTH\n"
	"  --init-timeout MS  every kernel's init/exit watchdog; 0 runs init and exit on the\n"
	"                     caller, with no watchdog thread (default: the library's, 2000)\n"
	"  --module PATH      the benchmark module (default: bench/modules/benchfn.so by the binary)\n"
	"  --quiet            no progress lines on stderr (there are none unless stderr\n"
	"                     is a terminal)\n"
	"  -h, --help         this text\n"
	"  -V, --version      print the version\n"
	"\n"
	"Every result has a grep-able line: SUMMARY, UNLOAD, WORLDSTOP, CYCLES, VERDICT\n"
	"(RSS, RSSGROWTH with --rss-cycles).\n"
	"Verdicts are information: the exit status is 0 whether they pass or fail; but a\n"
	"violation in an unload run under a preset predicted safe fails it (exit 1);\n"
	"1 a run could not be done, 2 bad usage.\n";

static int bad(const char *fmt, const char *a, const char *b)
{
	fputs("modsim-bench: ", stderr);
	fprintf(stderr, fmt, a, b);
	fputs(" (see --help)\n", stderr);
	return -1;
}

/* A whole decimal number in [lo, hi]. */
static int parse_ulong(const char *opt, const char *s, unsigned long lo, unsigned long hi,
		       unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi) {
		char range[64];

		snprintf(range, sizeof(range), "%lu..%lu", lo, hi);
		fprintf(stderr, "modsim-bench: %s wants a number in %s, not '%s' (see --help)\n",
			opt, range, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_threads(const char *list, struct bench_opts *o)
{
	char buf[256], *save = NULL, *tok;

	if (strlen(list) >= sizeof(buf))
		return bad("--threads %s%s: too long", list, "");
	strcpy(buf, list);
	o->nthreads = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned long v;

		if (o->nthreads == BENCH_MAX_TCOUNTS)
			return bad("--threads %s: more than %s entries", list, "16");
		if (parse_ulong("--threads", tok, 1, BENCH_MAX_THREADS, &v))
			return -1;
		for (size_t i = 0; i < o->nthreads; i++)
			if (o->threads[i] == v)
				return bad("--threads %s: %s given twice", list, tok);
		o->threads[o->nthreads++] = (unsigned int)v;
	}
	if (!o->nthreads)
		return bad("--threads '%s': no thread count%s", list, "");
	return 0;
}

static void known_presets(char *out, size_t len)
{
	size_t n, used = 0;
	const struct modsim_strategy *const *all = modsim_strategy_all(&n);

	out[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		int w = snprintf(out + used, len - used, "%s%s", i ? "," : "", all[i]->name);

		if (w > 0)
			used += (size_t)w;
	}
}

static int parse_strategies(const char *list, struct bench_opts *o)
{
	char buf[1024], known[512], *save = NULL, *tok;
	size_t n;
	const struct modsim_strategy *const *all = modsim_strategy_all(&n);

	o->npresets = 0;
	if (!strcmp(list, "all")) {
		for (size_t i = 0; i < n && i < BENCH_MAX_PRESETS; i++)
			o->presets[o->npresets++] = all[i];
		return 0;
	}
	if (strlen(list) >= sizeof(buf))
		return bad("--strategies %s%s: too long", list, "");
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct modsim_strategy *s = modsim_strategy_find(tok);
		bool dup = false;

		if (!s) {
			known_presets(known, sizeof(known));
			return bad("--strategies: no preset '%s' (built in: %s)", tok, known);
		}
		for (size_t i = 0; i < o->npresets; i++)
			dup |= o->presets[i] == s;
		if (dup)
			continue;
		if (o->npresets == BENCH_MAX_PRESETS)
			return bad("--strategies %s: too many%s", list, "");
		o->presets[o->npresets++] = s;
	}
	if (!o->npresets)
		return bad("--strategies '%s': no preset%s", list, "");
	return 0;
}

/*
 * bench/modules/benchfn.so next to the binary (the build tree), else the
 * installed one (BINDIR/../lib/modsim/bench), else where this build put it.
 */
static void default_module(char *out, size_t len)
{
	static const char *const rel[] = { "bench/modules", BENCH_BINDIR_TO_MODULE_DIR };
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++)
				if (snprintf(out, len, "%s/%s/%s.so", exe, rel[i], BENCHFN_NAME) <
					    (int)len && !access(out, R_OK))
					return;
		}
	}
	snprintf(out, len, "%s/%s.so", BENCH_MODULE_DIR, BENCHFN_NAME);
}

/*
 * The value of option @opt at argv[*i] ("--opt VALUE" or "--opt=VALUE");
 * NULL, after saying so, when it has none.
 */
static const char *value_of(int argc, char **argv, int *i, const char *opt)
{
	const char *a = argv[*i];
	size_t n = strlen(opt);

	if (a[n] == '=')
		return a + n + 1;
	if (*i + 1 >= argc) {
		fprintf(stderr, "modsim-bench: %s needs a value (see --help)\n", opt);
		return NULL;
	}
	return argv[++*i];
}

/* Does argv[i] name @opt (with or without a value)? */
static bool is_opt(const char *a, const char *opt)
{
	size_t n = strlen(opt);

	return !strncmp(a, opt, n) && (a[n] == '\0' || a[n] == '=');
}

int bench_opts_parse(int argc, char **argv, struct bench_opts *o)
{
	const char *strategies = "all", *threads = "1,2", *v;
	bool json = false, csv = false;
	struct modsim_config defaults;
	unsigned long n;

	memset(o, 0, sizeof(*o));
	o->loops = DEFAULT_LOOPS;
	o->runs = DEFAULT_RUNS;
	o->unloads = DEFAULT_UNLOADS;
	o->cycles = DEFAULT_CYCLES;
	modsim_config_default(&defaults);
	o->init_timeout_ms = defaults.init_timeout_ms;
	/* Wall clock, pinned: what two threads pay when they really run at once. */
	o->cpu_clock = false;
	o->pin = true;
	default_module(o->module, sizeof(o->module));

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, stdout);
			return 1;
		} else if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
			printf("modsim-bench %s\n", BENCH_VERSION);
			return 1;
		} else if (!strcmp(a, "--pin")) {
			o->pin = true;
		} else if (!strcmp(a, "--no-pin")) {
			o->pin = false;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--csv")) {
			csv = true;
		} else if (!strcmp(a, "--quiet")) {
			o->quiet = true;
		} else if (is_opt(a, "--strategies")) {
			if (!(strategies = value_of(argc, argv, &i, "--strategies")))
				return -1;
		} else if (is_opt(a, "--threads")) {
			if (!(threads = value_of(argc, argv, &i, "--threads")))
				return -1;
		} else if (is_opt(a, "--plot")) {
			if (!(o->plot = value_of(argc, argv, &i, "--plot")))
				return -1;
			if (!*o->plot)
				return bad("--plot wants a file name%s%s", "", "");
			if (modsim_text_has_control(o->plot))
				return bad("--plot: a control character in the file name%s%s", "", "");
		} else if (is_opt(a, "--module")) {
			if (!(v = value_of(argc, argv, &i, "--module")))
				return -1;
			if (!*v)
				return bad("--module wants a path%s%s", "", "");
			snprintf(o->module, sizeof(o->module), "%s", v);
		} else if (is_opt(a, "--loops")) {
			if (!(v = value_of(argc, argv, &i, "--loops")) ||
			    parse_ulong("--loops", v, BENCH_SLICES, 1000000000000ul, &o->loops))
				return -1;
		} else if (is_opt(a, "--clock")) {
			if (!(v = value_of(argc, argv, &i, "--clock")))
				return -1;
			if (strcmp(v, "wall") && strcmp(v, "cpu"))
				return bad("--clock wants cpu or wall, not '%s'%s", v, "");
			o->cpu_clock = !strcmp(v, "cpu");
		} else if (is_opt(a, "--runs")) {
			if (!(v = value_of(argc, argv, &i, "--runs")) ||
			    parse_ulong("--runs", v, 1, BENCH_MAX_RUNS, &n))
				return -1;
			o->runs = (unsigned int)n;
		} else if (is_opt(a, "--unloads")) {
			if (!(v = value_of(argc, argv, &i, "--unloads")) ||
			    parse_ulong("--unloads", v, 0, 100000, &n))
				return -1;
			o->unloads = (unsigned int)n;
		} else if (is_opt(a, "--cycles")) {
			if (!(v = value_of(argc, argv, &i, "--cycles")) ||
			    parse_ulong("--cycles", v, 0, 10000000, &n))
				return -1;
			o->cycles = (unsigned int)n;
		} else if (is_opt(a, "--rss-cycles")) {
			if (!(v = value_of(argc, argv, &i, "--rss-cycles")) ||
			    parse_ulong("--rss-cycles", v, 1, 100000000, &n))
				return -1;
			o->rss_cycles = (unsigned int)n;
		} else if (is_opt(a, "--init-timeout")) {
			if (!(v = value_of(argc, argv, &i, "--init-timeout")) ||
			    parse_ulong("--init-timeout", v, 0, 600000, &n))
				return -1;
			o->init_timeout_ms = (unsigned int)n;
		} else {
			return bad("unknown option '%s'%s", a, "");
		}
	}
	if (json && csv)
		return bad("--json and --csv: choose one%s%s", "", "");
	o->format = json ? BENCH_JSON : csv ? BENCH_CSV : BENCH_TEXT;
	if (parse_threads(threads, o) || parse_strategies(strategies, o))
		return -1;
	if (access(o->module, R_OK))
		return bad("no module at %s: build the bench (it builds %s.so) or give --module",
			   o->module, BENCHFN_NAME);
	return 0;
}
