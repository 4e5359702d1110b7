/* Where the numbers come from: CPU model and count, kernel, compiler and flags, presets present. */
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "bench_config.h"

/* The sixteen presets of issue 3, to say which this library still lacks. */
static const char *const issue3_presets[] = {
	"none", "inc", "try", "try-drain", "self", "self-restart", "self-noquiesce", "nounload",
	"twoinit", "stopworld", "linux26", "linux319", "rcu", "percpu-ref", "rundown", "quiesce",
};

/* The value of "key : value" lines of /proc/cpuinfo: the first, and how many there are. */
static unsigned int cpuinfo(const char *key, char *first, size_t len)
{
	char line[512];
	unsigned int n = 0;
	size_t klen = strlen(key);
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (first && len)
		first[0] = '\0';
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *colon, *v;

		if (strncmp(line, key, klen) || (line[klen] != ' ' && line[klen] != '\t' &&
						 line[klen] != ':'))
			continue;
		colon = strchr(line, ':');
		if (!colon)
			continue;
		if (n++ == 0 && first) {
			v = colon + 1;
			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(first, len, "%s", v);
		}
	}
	fclose(f);
	return n;
}

static void missing_presets(char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(issue3_presets) / sizeof(issue3_presets[0]); i++) {
		int w;

		if (modsim_strategy_find(issue3_presets[i]))
			continue;
		w = snprintf(out + used, len - used, "%s%s", used ? "," : "", issue3_presets[i]);
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
}

/* CPU seconds every process has used since boot (the "cpu" line of /proc/stat), or -1. */
static double busy_seconds(void)
{
	unsigned long long user, nice, sys, idle, iowait, irq, softirq, steal;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &sys, &idle,
		   &iowait, &irq, &softirq, &steal);
	fclose(f);
	if (n != 8 || hz <= 0)
		return -1;
	return (double)(user + nice + sys + irq + softirq + steal) / (double)hz;
}

/* CPU seconds this process has used. */
static double self_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return -1;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void bench_machine_finish(struct bench_machine *mi, double elapsed_s)
{
	double busy = busy_seconds(), self = self_seconds(), share;

	mi->others = -1;
	if (busy < 0 || self < 0 || mi->busy_start < 0 || mi->self_start < 0 || elapsed_s <= 0 ||
	    mi->cpus_online <= 0)
		return;
	share = ((busy - mi->busy_start) - (self - mi->self_start)) /
		(elapsed_s * (double)mi->cpus_online);
	mi->others = share < 0 ? 0 : share;
}

void bench_machine_fill(struct bench_machine *mi)
{
	struct utsname u;
	time_t now = time(NULL);
	struct tm tm;

	memset(mi, 0, sizeof(*mi));
	mi->cpus_listed = cpuinfo("processor", NULL, 0);
	cpuinfo("model name", mi->cpu, sizeof(mi->cpu));
	if (!mi->cpu[0])
		snprintf(mi->cpu, sizeof(mi->cpu), "unknown");
	mi->cpus_online = sysconf(_SC_NPROCESSORS_ONLN);
	if (!uname(&u))
		snprintf(mi->kernel, sizeof(mi->kernel), "%s %s %s", u.sysname, u.release, u.machine);
#ifdef __clang__
	snprintf(mi->compiler, sizeof(mi->compiler), "clang %s", __VERSION__);
#else
	snprintf(mi->compiler, sizeof(mi->compiler), "gcc %s", __VERSION__);
#endif
	snprintf(mi->flags, sizeof(mi->flags), "%s", BENCH_C_FLAGS);
	snprintf(mi->build_type, sizeof(mi->build_type), "%s",
		 BENCH_BUILD_TYPE[0] ? BENCH_BUILD_TYPE : "none");
	gmtime_r(&now, &tm);
	strftime(mi->date, sizeof(mi->date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	missing_presets(mi->missing, sizeof(mi->missing));
	mi->busy_start = busy_seconds();
	mi->self_start = self_seconds();
	mi->others = -1;
}
