/* The amplifier spec: --amplify POINT:PROB[:HOW[:US]],... parsed, printed, and chosen per trial. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/scenario.h"

#include "kernel/units.h"

#define AMP_DEFAULT_HOW MODSIM_DELAY_SLEEP
#define AMP_DEFAULT_US 100
#define AMP_MAX_US 1000000 /* one second: more is a typo */
#define AMP_ITEM_MAX 128

static const char *const delay_names[] = {
	[MODSIM_DELAY_SPIN] = "spin",
	[MODSIM_DELAY_YIELD] = "yield",
	[MODSIM_DELAY_SLEEP] = "sleep",
};

const char *modsim_delay_name(enum modsim_delay how)
{
	if ((unsigned int)how < sizeof(delay_names) / sizeof(delay_names[0]))
		return delay_names[how];
	return "?";
}

/* One item, already cut out and NUL-terminated in @item (modified). */
static int amp_item(char *item, const char *orig, struct modsim_amplify *a)
{
	char *field[5], *end, *save = NULL;
	int n = 0;

	for (char *t = strtok_r(item, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
		if (n == 4)
			return modsim_err(-EINVAL, "amplify '%s': too many fields (POINT:PROB[:HOW[:US]])",
					  orig);
		field[n++] = t;
	}
	if (n < 2)
		return modsim_err(-EINVAL, "amplify '%s': want POINT:PROB[:HOW[:US]]", orig);

	if (!strcmp(field[0], "all")) {
		a->point = -1;
	} else {
		a->point = modsim_point_lookup(field[0]);
		if (a->point < 0)
			return modsim_err(-EINVAL, "amplify '%s': no race point '%s' (e.g. call.after_lookup, or all)",
					  orig, field[0]);
	}

	errno = 0;
	a->prob = strtod(field[1], &end);
	if (errno || end == field[1] || *end || !(a->prob >= 0.0 && a->prob <= 1.0))
		return modsim_err(-EINVAL, "amplify '%s': probability '%s' is not a number in [0, 1]",
				  orig, field[1]);

	a->how = AMP_DEFAULT_HOW;
	if (n > 2) {
		if (!strcmp(field[2], "spin"))
			a->how = MODSIM_DELAY_SPIN;
		else if (!strcmp(field[2], "yield"))
			a->how = MODSIM_DELAY_YIELD;
		else if (!strcmp(field[2], "sleep"))
			a->how = MODSIM_DELAY_SLEEP;
		else
			return modsim_err(-EINVAL, "amplify '%s': delay '%s' is not spin, yield or sleep",
					  orig, field[2]);
	}

	a->us = AMP_DEFAULT_US;
	if (n > 3) {
		unsigned long us;

		errno = 0;
		us = strtoul(field[3], &end, 10);
		if (errno || end == field[3] || *end || field[3][0] == '-' || us > AMP_MAX_US)
			return modsim_err(-EINVAL, "amplify '%s': '%s' is not a number of microseconds up to %d",
					  orig, field[3], AMP_MAX_US);
		a->us = (unsigned int)us;
	}
	return 0;
}

MODSIM_API int modsim_amplify_parse(const char *spec, struct modsim_amplify *out, unsigned int max)
{
	const char *p = spec;
	unsigned int n = 0;
	int err;

	if (!spec)
		return 0;
	while (*p) {
		size_t len = strcspn(p, ",;");
		char item[AMP_ITEM_MAX], orig[AMP_ITEM_MAX];
		size_t a = 0, b = len;

		/* Trim blanks around the item; skip empty ones ("a,,b", a trailing ','). */
		while (a < b && (p[a] == ' ' || p[a] == '\t'))
			a++;
		while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t'))
			b--;
		if (b > a) {
			if (b - a >= sizeof(item))
				return modsim_err(-EINVAL, "amplify: item '%.40s...' is too long", p + a);
			if (n == max)
				return modsim_err(-EINVAL, "amplify: more than %u items", max);
			memcpy(item, p + a, b - a);
			item[b - a] = '\0';
			memcpy(orig, item, b - a + 1);
			err = amp_item(item, orig, &out[n]);
			if (err)
				return err;
			n++;
		}
		p += len;
		if (*p)
			p++;
	}
	return (int)n;
}

void modsim_amplify_format(const struct modsim_amplify *a, unsigned int n, char *buf, size_t len)
{
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned int i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s:%g:%s:%u", i ? "," : "",
				 a[i].point < 0 ? "all" : modsim_point_name(a[i].point), a[i].prob,
				 modsim_delay_name(a[i].how), a[i].us);

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

void modsim_run_amplify_spec(const struct modsim_run_config *cfg, const struct modsim_scenario *s,
			     char *buf, size_t len)
{
	if (cfg->no_amplify)
		snprintf(buf, len, "%s", "");
	else if (cfg->namplify)
		modsim_amplify_format(cfg->amplify, cfg->namplify, buf, len);
	else
		snprintf(buf, len, "%s", s->amplify);
}

int modsim_amplify_apply(struct modsim_kernel *k, const char *spec)
{
	struct modsim_amplify a[MODSIM_RUN_MAX_AMPLIFY * 2];
	int n = modsim_amplify_parse(spec, a, sizeof(a) / sizeof(a[0]));

	for (int i = 0; i < n; i++) {
		int err = modsim_point_amplify(k, a[i].point, a[i].prob, a[i].how, a[i].us);

		if (err)
			return err;
	}
	return n < 0 ? n : 0;
}
