/* modsim_sched_timeline_svg: a controlled trial as one standalone SVG timeline, a lane per thread. */
/* Past 600 lines: one drawing; layout, lanes, axis, bars, marks and legend all read and write the one struct svg and its scale. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <modsim/point.h>
#include <modsim/lab/sched.h>

#include "report/sched_spans.h"
#include "kernel/units.h"

/*
 * The picture, top to bottom: a title line (policy, seed, why control
 * ended and when) and a line of counts; then one lane per thread, steps
 * left to right, with the thread's name on the left.  Module code is a bar
 * in the module's colour; init, exit and unload are pale bars on the
 * loader's lane, outlined in the module's colour, with the unload phases
 * as named purple marks above the lane; waits are hatched grey.  A lane
 * whose spans nest is cut into rows, one per depth, the outermost on top,
 * so no bar hides another.  Race points are small ticks at a lane's foot,
 * count changes diamonds on its top edge, arrivals green dots, departures
 * grey squares.  A violation is a red line across every lane, labelled
 * above them.  Under the lanes, the step axis, then a legend.  Every mark
 * carries a <title>: browsers show it on hover.
 */

#define SVG_LEFT 140           /* room for the lane labels */
#define SVG_RIGHT 40
#define SVG_PLOT_MAX 1600.0    /* the most the steps are spread over */
#define SVG_PPS_MAX 40.0       /* the most pixels one step gets, short of the minimum width */
#define SVG_MIN_WIDTH 900
#define SVG_LANES_TOP 94
#define SVG_LANE_H 36          /* a lane whose spans do not nest */
#define SVG_ROW_H 16           /* one depth of a lane whose spans nest */
#define SVG_ROWS_MAX 6         /* deeper spans share the last row */
#define SVG_LANE_GAP 20        /* room above a lane for the phase marks */
#define SVG_LEGEND_ROW 20
#define SVG_CHAR_W 5.8         /* a 10 px sans-serif character, about */
#define SVG_TICK_MIN_PX 70.0   /* the least room between two axis ticks */
#define SVG_POINTS_MIN_PPS 2.0 /* closer than this, point ticks and count marks would be a smear */
#define SVG_PHASES_MIN_PPS 0.5 /* closer than this, so would the phase marks */
#define SVG_THIN 4.0           /* a bar narrower than this has no outline: it would be all outline */
#define SVG_NAMES 24           /* module names coloured apart and listed in the legend */

#define SVG_RED "#d62728"
#define SVG_PHASE "#5b3e96"

/*
 * One colour per module name: the name's hash picks a slot, and a name
 * whose slot an earlier name of the table took goes to the next free one,
 * so a module keeps its colour from picture to picture while the names of
 * one picture stay apart.
 */
static const char *const palette[] = {
	"#4e79a7", "#f28e2b", "#76b7b2", "#59a14f", "#edc948",
	"#b07aa1", "#ff9da7", "#9c755f", "#86bcb6", "#a0cbe8",
};
#define PALETTE_N (sizeof(palette) / sizeof(palette[0]))

struct svg {
	FILE *f;
	const struct modsim_sched_report *r;
	unsigned int nthreads;
	uint32_t last;  /* the last step drawn */
	double pps;     /* pixels per step */
	double width, height;
	double legend_y;
	unsigned int rows[MODSIM_SCHED_MAX_THREADS]; /* depths each lane's spans reach */
	double top[MODSIM_SCHED_MAX_THREADS + 1];    /* where each lane begins */
	const char *name[SVG_NAMES];                 /* distinct module names, in table order */
	unsigned int slot[SVG_NAMES];                /* their palette slots */
	unsigned int nnames, more_names;
};

static double step_x(const struct svg *g, uint32_t step)
{
	return SVG_LEFT + step * g->pps;
}

static double lane_h(const struct svg *g, unsigned int t)
{
	return g->rows[t] <= 1 ? SVG_LANE_H : g->rows[t] * SVG_ROW_H + 4.0;
}

static double lane_mid(const struct svg *g, unsigned int t)
{
	return g->top[t] + lane_h(g, t) / 2;
}

static double lanes_bottom(const struct svg *g)
{
	return g->nthreads ? g->top[g->nthreads] - SVG_LANE_GAP : SVG_LANES_TOP;
}

/* The XML character reference for @c, or NULL when it stands for itself. */
static const char *xml_escape(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		return NULL;
	}
}

/*
 * The characters of @s (at most @max bytes, or to its NUL), escaped for XML
 * text or an attribute.  What XML 1.0 cannot hold (control characters,
 * U+FFFE, U+FFFF, bytes that are not UTF-8) becomes U+FFFD.
 */
static void xml_chars(FILE *f, const char *s, size_t max)
{
	size_t n = s ? strnlen(s, max) : 0;

	for (size_t i = 0; i < n;) {
		const unsigned char *u = (const unsigned char *)s + i;
		const char *esc = xml_escape(u[0]);
		size_t len;

		if (esc) {
			fputs(esc, f);
			i++;
		} else if (u[0] < 0x20 && u[0] != '\t' && u[0] != '\n' && u[0] != '\r') {
			fputs("&#xFFFD;", f);
			i++;
		} else if ((len = modsim_sched_spans_utf8(s + i, n - i)) == 0 ||
			   (len == 3 && u[0] == 0xef && u[1] == 0xbf && u[2] >= 0xbe)) {
			fputs("&#xFFFD;", f);
			i += len ? len : 1;
		} else {
			fwrite(s + i, 1, len, f);
			i += len;
		}
	}
}

static void xml_text(FILE *f, const char *s)
{
	xml_chars(f, s, SIZE_MAX);
}

/* How wide @s draws at 10 px, roughly: characters, not bytes. */
static double text_width(const char *s)
{
	size_t chars = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			chars++;
	return chars * SVG_CHAR_W;
}

static uint32_t name_hash(const char *name, size_t max)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < max && name[i]; i++)
		h = (h ^ (unsigned char)name[i]) * 16777619u;
	return h;
}

static int name_index(const struct svg *g, const char *name)
{
	for (unsigned int i = 0; i < g->nnames; i++)
		if (strncmp(g->name[i], name, sizeof(g->r->mods[0].name)) == 0)
			return (int)i;
	return -1;
}

/* Give the first SVG_NAMES distinct module names their colours; count the others. */
static void assign_colours(struct svg *g)
{
	const struct modsim_sched_report *r = g->r;
	bool taken[PALETTE_N] = { false };

	for (uint32_t i = 0; r->mods && i < r->nmods; i++) {
		const char *name = r->mods[i].name;
		unsigned int s;

		if (name_index(g, name) >= 0)
			continue;
		if (g->nnames == SVG_NAMES) {
			g->more_names++; /* counts generations too: an upper bound */
			continue;
		}
		s = name_hash(name, sizeof(r->mods[i].name)) % PALETTE_N;
		for (unsigned int k = 0; k < PALETTE_N && taken[s]; k++)
			s = (s + 1) % PALETTE_N;
		taken[s] = true; /* when all are taken, the hash's slot is shared */
		g->name[g->nnames] = name;
		g->slot[g->nnames++] = s;
	}
}

static const char *mod_colour(const struct svg *g, int32_t mod)
{
	const struct modsim_sched_mod *m = modsim_sched_spans_mod(g->r, mod);
	int i;

	if (!m)
		return "#999999";
	i = name_index(g, m->name);
	if (i >= 0)
		return palette[g->slot[i]];
	return palette[name_hash(m->name, sizeof(m->name)) % PALETTE_N];
}

/* How many depths each thread's spans reach: its lane gets a row for each. */
static void count_rows(const struct modsim_sched_span *s, void *arg)
{
	struct svg *g = arg;
	unsigned int rows = s->depth + 1 < SVG_ROWS_MAX ? s->depth + 1 : SVG_ROWS_MAX;

	if (s->thread < g->nthreads && rows > g->rows[s->thread])
		g->rows[s->thread] = rows;
}

/*
 * Pixels per step: the steps spread over up to SVG_PLOT_MAX pixels, at
 * most SVG_PPS_MAX a step, but over at least the picture's minimum width.
 * Then where each lane begins, and the height with @legend_rows of legend.
 */
static void layout(struct svg *g, unsigned int legend_rows)
{
	uint32_t span = g->last ? g->last : 1;
	double plot = span * SVG_PPS_MAX;

	if (plot > SVG_PLOT_MAX)
		plot = SVG_PLOT_MAX;
	if (plot < SVG_MIN_WIDTH - SVG_LEFT - SVG_RIGHT)
		plot = SVG_MIN_WIDTH - SVG_LEFT - SVG_RIGHT;
	g->pps = plot / span;
	g->width = SVG_LEFT + plot + SVG_RIGHT;
	g->top[0] = SVG_LANES_TOP;
	for (unsigned int t = 0; t < g->nthreads; t++)
		g->top[t + 1] = g->top[t] + lane_h(g, t) + SVG_LANE_GAP;
	g->legend_y = lanes_bottom(g) + 52;
	g->height = g->legend_y + legend_rows * SVG_LEGEND_ROW + 8;
}

static void write_head(struct svg *g)
{
	const struct modsim_sched_report *r = g->r;
	FILE *f = g->f;

	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\">\n", g->width, g->height, g->width, g->height);
	fputs("<style>\n"
	      "text{font-family:sans-serif;font-size:11px;fill:#222}\n"
	      ".title{font-size:15px;font-weight:bold}\n"
	      ".sub{fill:#555}\n"
	      ".lane-label{font-size:12px;font-weight:bold}\n"
	      ".lane-id{font-size:9px;fill:#777}\n"
	      ".bar-label{font-size:10px;pointer-events:none}\n"
	      ".axis{font-size:10px;fill:#555}\n"
	      ".phase-label{font-size:9px;fill:" SVG_PHASE ";pointer-events:none}\n"
	      ".violation-label{font-weight:bold;fill:" SVG_RED "}\n"
	      "</style>\n", f);
	fputs("<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
	      "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#e4e4e4\"/>"
	      "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#8a8a8a\" stroke-width=\"2\"/>"
	      "</pattern></defs>\n", f);
	fprintf(f, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", g->width,
		g->height);

	fprintf(f, "<text class=\"title\" x=\"12\" y=\"24\">modsim %s seed %" PRIu64,
		modsim_sched_policy_name(r->policy), r->seed);
	if (r->policy == MODSIM_SCHED_PCT)
		fprintf(f, ", depth %u", r->depth);
	fputs(": ", f);
	if (r->end == MODSIM_SEND_NONE)
		fputs("not under control", f);
	else
		fprintf(f, "ended by %s at step %" PRIu32, modsim_sched_end_name(r->end),
			r->end_step);
	fputs("</text>\n", f);
	fprintf(f, "<text class=\"sub\" x=\"12\" y=\"44\">%" PRIu32 " steps, %" PRIu32
		" decisions, %" PRIu32 " preemptions, budget %" PRIu32 ", %u threads, %" PRIu32
		" events; %.3g px per step", r->steps, r->decisions, r->preemptions, r->budget,
		g->nthreads, r->nevents, g->pps);
	if (r->divergences)
		fprintf(f, "; %" PRIu32 " replay divergences", r->divergences);
	if (r->end == MODSIM_SEND_LOST && r->lost[0]) {
		fputs("; lost: ", f);
		xml_chars(f, r->lost, sizeof(r->lost));
	}
	fputs("</text>\n", f);
}

/* Lane backgrounds, thread names, and the grid lines of the axis ticks. */
static void write_lanes(struct svg *g, uint32_t tick)
{
	FILE *f = g->f;
	char buf[24];

	for (unsigned int t = 0; t < g->nthreads; t++) {
		fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n",
			SVG_LEFT - 4, g->top[t], g->width - SVG_LEFT - SVG_RIGHT + 8, lane_h(g, t),
			t % 2 ? "#f4f4f4" : "#fafafa");
		fprintf(f, "<text class=\"lane-label\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">",
			SVG_LEFT - 10, lane_mid(g, t));
		xml_text(f, modsim_sched_spans_thread(g->r, t, buf));
		fprintf(f, "</text>\n<text class=\"lane-id\" x=\"%d\" y=\"%.1f\" "
			"text-anchor=\"end\">thread %u</text>\n", SVG_LEFT - 10, lane_mid(g, t) + 12,
			t);
	}
	for (uint64_t s = 0; s <= g->last; s += tick)
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e2e2e2\"/>\n",
			step_x(g, (uint32_t)s), SVG_LANES_TOP, step_x(g, (uint32_t)s),
			lanes_bottom(g));
}

/* The step between two axis ticks: 1, 2 or 5 times a power of ten, at least SVG_TICK_MIN_PX apart. */
static uint32_t tick_step(const struct svg *g)
{
	static const unsigned int mult[] = { 1, 2, 5 };
	uint64_t unit = 1;

	for (;;) {
		for (size_t i = 0; i < 3; i++) {
			uint64_t step = unit * mult[i];

			if (step * g->pps >= SVG_TICK_MIN_PX || step >= UINT32_MAX / 2)
				return (uint32_t)step;
		}
		unit *= 10;
	}
}

static void write_axis(struct svg *g, uint32_t tick)
{
	FILE *f = g->f;
	double y = lanes_bottom(g) + 8;
	double end = step_x(g, g->last ? g->last : 1);

	fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\"/>\n",
		SVG_LEFT, y, end, y);
	for (uint64_t s = 0; s <= g->last; s += tick) {
		double x = step_x(g, (uint32_t)s);

		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\"/>"
			"<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%" PRIu64
			"</text>\n", x, y, x, y + 5, x, y + 17, s);
	}
	fprintf(f, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\">step</text>\n", end + 6, y + 4);
}

/* The fill and outline of a span's bar. */
static void bar_style(const struct svg *g, const struct modsim_sched_span *s, const char **fill,
		      const char **stroke)
{
	switch (s->kind) {
	case MODSIM_SPAN_CALL:
		*fill = mod_colour(g, s->mod);
		*stroke = "#333333";
		return;
	case MODSIM_SPAN_INIT:
		*fill = "#dcefdc";
		break;
	case MODSIM_SPAN_EXIT:
		*fill = "#fde3c8";
		break;
	case MODSIM_SPAN_UNLOAD:
		*fill = "#e6e1f2";
		break;
	case MODSIM_SPAN_WAIT:
	default:
		*fill = "url(#hatch)";
		*stroke = "#8a8a8a";
		return;
	}
	*stroke = s->failed ? SVG_RED : mod_colour(g, s->mod);
}

/* The text written on a bar: the module for module code, the span's name otherwise. */
static const char *bar_label(const struct svg *g, const struct modsim_sched_span *s, char *buf,
			     size_t len)
{
	if (s->kind == MODSIM_SPAN_CALL)
		return modsim_sched_spans_mod_label(g->r, s->mod, buf, len);
	if (s->kind == MODSIM_SPAN_WAIT)
		return s->what ? s->what : "wait";
	return modsim_sched_spans_name(g->r, s, buf, len);
}

/* The bar of span @s, in its lane's row for its depth: named on hover, and on the bar when it fits. */
static void write_bar(const struct modsim_sched_span *s, void *arg)
{
	struct svg *g = arg;
	double x = step_x(g, s->begin), w = (s->end - s->begin) * g->pps, y, h;
	const char *fill, *stroke, *text;
	char name[256], label[256], buf[24];

	if (s->thread >= g->nthreads)
		return;
	if (g->rows[s->thread] <= 1) {
		y = g->top[s->thread] + 2;
		h = SVG_LANE_H - 4;
	} else {
		unsigned int last = g->rows[s->thread] - 1;

		y = g->top[s->thread] + 2 + (s->depth < last ? s->depth : last) * SVG_ROW_H;
		h = SVG_ROW_H - 2;
	}
	if (w < 1.5)
		w = 1.5;
	bar_style(g, s, &fill, &stroke);
	if (w < SVG_THIN && !s->failed)
		stroke = "none";
	fprintf(g->f, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		"fill=\"%s\" stroke=\"%s\" stroke-width=\"%s\"%s><title>", x, y, w, h, fill, stroke,
		s->failed ? "2" : "1", s->unclosed ? " stroke-dasharray=\"4 2\"" : "");
	xml_text(g->f, modsim_sched_spans_name(g->r, s, name, sizeof(name)));
	fputs(" \xe2\x80\x94 ", g->f);
	xml_text(g->f, modsim_sched_spans_thread(g->r, s->thread, buf));
	fprintf(g->f, ", steps %" PRIu32 " to %" PRIu32, s->begin, s->end);
	if (s->unclosed)
		fputs(" (never closed: cut at its thread's end, its outer span's end or the trace's)",
		      g->f);
	fputs("</title></rect>\n", g->f);

	text = bar_label(g, s, label, sizeof(label));
	if (text_width(text) + 8 <= w) {
		fprintf(g->f, "<text class=\"bar-label\" x=\"%.1f\" y=\"%.1f\">", x + 4,
			y + h / 2 + 3.5);
		xml_text(g->f, text);
		fputs("</text>\n", g->f);
	}
}

static bool is_phase(const struct modsim_sched_event *e)
{
	return e->kind == MODSIM_SEV_POINT && e->point >= MODSIM_PT_UNLOAD_BEGIN &&
	       e->point <= MODSIM_PT_UNLOAD_AFTER_FREE;
}

/*
 * Whether a phase label @width pixels wide fits after event @i: before
 * the next phase mark of its thread, and inside the picture.  Events come
 * in step order, so the look ahead stops past the label's reach.
 */
static bool phase_label_fits(const struct svg *g, uint32_t i, double width)
{
	const struct modsim_sched_event *e = &g->r->events[i];
	double reach = step_x(g, e->step) + 5 + width + 4;

	if (reach > g->width)
		return false;
	for (uint32_t j = i + 1; j < g->r->nevents; j++) {
		const struct modsim_sched_event *n = &g->r->events[j];

		if (step_x(g, n->step) - 4 > reach)
			break;
		if (n->thread == e->thread && is_phase(n))
			return false;
	}
	return true;
}

/*
 * Race point @i: a tick at the foot of its lane.  The unload phases are
 * purple marks above the lane instead, named (without "unload.") where
 * there is room before the next.
 */
static void write_point(struct svg *g, uint32_t i)
{
	const struct modsim_sched_event *e = &g->r->events[i];
	double x = step_x(g, e->step), y = g->top[e->thread], h = lane_h(g, e->thread);
	const char *name = modsim_point_name((enum modsim_point_id)e->point);
	const char *dot = strchr(name, '.');
	bool phase = is_phase(e);
	char buf[24], mod[96];

	if (g->pps < (phase ? SVG_PHASES_MIN_PPS : SVG_POINTS_MIN_PPS))
		return;
	if (phase)
		fprintf(g->f, "<path class=\"phase\" d=\"M%.1f %.1fh7l-3.5 6z\" fill=\"" SVG_PHASE
			"\">", x - 3.5, y - 7);
	else
		fprintf(g->f, "<path class=\"point\" d=\"M%.1f %.1fv6\" stroke=\"#444\">", x,
			y + h - 6);
	fputs("<title>", g->f);
	xml_text(g->f, name);
	fputs(" \xe2\x80\x94 ", g->f);
	xml_text(g->f, modsim_sched_spans_thread(g->r, e->thread, buf));
	fprintf(g->f, ", step %" PRIu32, e->step);
	if (modsim_sched_spans_mod(g->r, e->mod)) {
		fputs(", ", g->f);
		xml_text(g->f, modsim_sched_spans_mod_label(g->r, e->mod, mod, sizeof(mod)));
	}
	fputs("</title></path>\n", g->f);
	if (phase && dot && phase_label_fits(g, i, text_width(dot + 1) * 0.95)) {
		fprintf(g->f, "<text class=\"phase-label\" x=\"%.1f\" y=\"%.1f\">", x + 5, y - 2);
		xml_text(g->f, dot + 1);
		fputs("</text>\n", g->f);
	}
}

/* Arrivals, departures and count changes: small marks with their hover text. */
static void write_mark(struct svg *g, const struct modsim_sched_event *e)
{
	double x = step_x(g, e->step), y = g->top[e->thread], mid = lane_mid(g, e->thread);
	char buf[24], mod[96];

	switch (e->kind) {
	case MODSIM_SEV_START:
		fprintf(g->f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#2ca02c\"><title>", x,
			mid);
		xml_text(g->f, modsim_sched_spans_thread(g->r, e->thread, buf));
		fprintf(g->f, " arrives, step %" PRIu32 "</title></circle>\n", e->step);
		break;
	case MODSIM_SEV_END:
		fprintf(g->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"5\" height=\"5\" fill=\"#555\">"
			"<title>", x - 2.5, mid - 2.5);
		xml_text(g->f, modsim_sched_spans_thread(g->r, e->thread, buf));
		fprintf(g->f, " leaves, step %" PRIu32 "</title></rect>\n", e->step);
		break;
	case MODSIM_SEV_COUNT:
		if (g->pps < SVG_POINTS_MIN_PPS)
			break;
		fprintf(g->f, "<path d=\"M%.1f %.1fl4 4l-4 4l-4 -4z\" fill=\"%s\" stroke=\"#222\" "
			"stroke-width=\"0.8\"><title>", x, y - 4, mod_colour(g, e->mod));
		xml_text(g->f, modsim_sched_spans_mod_label(g->r, e->mod, mod, sizeof(mod)));
		fprintf(g->f, ": count %ld \xe2\x80\x94 ", e->count);
		xml_text(g->f, modsim_sched_spans_thread(g->r, e->thread, buf));
		fprintf(g->f, ", step %" PRIu32 "</title></path>\n", e->step);
		break;
	default:
		break;
	}
}

/* A violation: a red line across every lane, a dot on its thread's, a label above them. */
static void write_violation(struct svg *g, unsigned int thread, uint32_t step, const char *kind,
			    int point, unsigned int nth)
{
	FILE *f = g->f;
	double x = step_x(g, step), top = SVG_LANES_TOP - 32 + (nth % 2) * 12;
	bool left = x > g->width * 0.6; /* near the right edge the label goes left of the line */
	const char *where = point >= 0 ? modsim_point_name((enum modsim_point_id)point) : "no point";
	char buf[24];
	const char *who = modsim_sched_spans_thread(g->r, thread, buf);

	fprintf(f, "<line class=\"violation\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		"stroke=\"" SVG_RED "\" stroke-width=\"2\"><title>VIOLATION ", x, top + 3, x,
		lanes_bottom(g) + 4);
	xml_text(f, kind ? kind : "?");
	fputs(" \xe2\x80\x94 ", f);
	xml_text(f, who);
	fputs(" at ", f);
	xml_text(f, where);
	fprintf(f, ", step %" PRIu32 "</title></line>\n", step);
	if (thread < g->nthreads)
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"" SVG_RED "\"/>\n", x,
			lane_mid(g, thread));
	fprintf(f, "<text class=\"violation-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">"
		"VIOLATION ", left ? x - 4 : x + 4, top, left ? "end" : "start");
	xml_text(f, kind ? kind : "?");
	fputs(": ", f);
	xml_text(f, who);
	fputs(" at ", f);
	xml_text(f, where);
	fprintf(f, ", step %" PRIu32 "</text>\n", step);
}

static void write_events(struct svg *g)
{
	const struct modsim_sched_report *r = g->r;
	unsigned int violations = 0;

	for (uint32_t i = 0; i < r->nevents; i++) {
		const struct modsim_sched_event *e = &r->events[i];

		if (e->thread >= g->nthreads)
			continue;
		if (e->kind == MODSIM_SEV_POINT)
			write_point(g, i);
		else
			write_mark(g, e);
	}
	/* Violations last, over everything else. */
	for (uint32_t i = 0; i < r->nevents; i++) {
		const struct modsim_sched_event *e = &r->events[i];

		if (e->kind == MODSIM_SEV_VIOLATION)
			write_violation(g, e->thread, e->step, e->what,
					modsim_sched_spans_point(r, i), violations++);
	}
	if (r->end == MODSIM_SEND_VIOLATION && !violations && r->violation_thread >= 0)
		write_violation(g, (unsigned int)r->violation_thread, r->end_step, NULL,
				r->violation_point, 0);
	if (r->end != MODSIM_SEND_NONE && r->end != MODSIM_SEND_VIOLATION) {
		double x = step_x(g, r->end_step);
		bool left = x > g->width * 0.6;

		fprintf(g->f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222\" "
			"stroke-dasharray=\"5 3\"><title>control ended: %s, step %" PRIu32
			"</title></line>\n<text class=\"sub\" x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">"
			"end: %s</text>\n", x, SVG_LANES_TOP - 14, x, lanes_bottom(g) + 4,
			modsim_sched_end_name(r->end), r->end_step, left ? x - 3 : x + 3,
			SVG_LANES_TOP - 16, left ? "end" : "start", modsim_sched_end_name(r->end));
	}
}

/*
 * The legend: a swatch per module name, then the kinds of mark, in rows
 * that wrap at the picture's width.  With @draw false it only counts the
 * rows: the height must be known before anything is drawn.
 */
static unsigned int legend(struct svg *g, bool draw)
{
	static const struct {
		const char *label, *fill, *stroke;
	} kinds[] = {
		{ "init", "#dcefdc", "#666" },
		{ "exit", "#fde3c8", "#666" },
		{ "unload", "#e6e1f2", "#666" },
		{ "wait", "url(#hatch)", "#8a8a8a" },
		{ "unload phase", NULL, SVG_PHASE },
		{ "violation", NULL, SVG_RED },
	};
	const size_t nkinds = sizeof(kinds) / sizeof(kinds[0]);
	double x = 12, right = g->width - SVG_RIGHT;
	unsigned int rows = 1;
	char text[96];

	for (size_t i = 0; i < g->nnames + nkinds + 1; i++) {
		const char *fill = NULL, *stroke = NULL;
		double y, w;

		if (i < g->nnames) {
			snprintf(text, sizeof(text), "%.*s",
				 (int)strnlen(g->name[i], sizeof(g->r->mods[0].name)), g->name[i]);
			fill = palette[g->slot[i]];
			stroke = "#333";
		} else if (i < g->nnames + nkinds) {
			snprintf(text, sizeof(text), "%s", kinds[i - g->nnames].label);
			fill = kinds[i - g->nnames].fill;
			stroke = kinds[i - g->nnames].stroke;
		} else if (g->more_names) {
			snprintf(text, sizeof(text), "(up to %u more modules)", g->more_names);
		} else {
			break;
		}
		w = 17 + text_width(text) * 1.15 + 18;
		if (x + w > right && x > 12) {
			x = 12;
			rows++;
		}
		y = g->legend_y + (rows - 1) * SVG_LEGEND_ROW;
		x += w;
		if (!draw)
			continue;
		if (fill)
			fprintf(g->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" "
				"fill=\"%s\" stroke=\"%s\"/>", x - w, y - 10, fill, stroke);
		else if (stroke && strcmp(stroke, SVG_PHASE) == 0)
			fprintf(g->f, "<path d=\"M%.1f %.1fh10l-5 9z\" fill=\"%s\"/>", x - w + 1,
				y - 9, stroke);
		else if (stroke)
			fprintf(g->f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"%s\" stroke-width=\"2\"/>", x - w + 6, y - 10, x - w + 6,
				y + 2, stroke);
		fprintf(g->f, "<text x=\"%.1f\" y=\"%.1f\">", x - w + (fill || stroke ? 17 : 0), y);
		xml_text(g->f, text);
		fputs("</text>\n", g->f);
	}
	return rows;
}

MODSIM_API int modsim_sched_timeline_svg(const struct modsim_sched_report *r, FILE *f)
{
	struct svg g = { .f = f, .r = r };
	uint32_t tick;

	if (!r || !f)
		return modsim_err(-EINVAL, "timeline svg: no report or no file");
	g.nthreads = modsim_sched_spans_nthreads(r);
	g.last = modsim_sched_spans_last_step(r);
	assign_colours(&g);
	modsim_sched_spans_walk(r, count_rows, &g);
	layout(&g, 1); /* the width, which the legend's rows depend on */
	layout(&g, legend(&g, false));
	tick = tick_step(&g);

	write_head(&g);
	write_lanes(&g, tick);
	if (!r->nevents)
		fprintf(f, "<text class=\"sub\" x=\"%d\" y=\"%d\">no events were recorded</text>\n",
			SVG_LEFT + 8, SVG_LANES_TOP + 20);
	modsim_sched_spans_walk(r, write_bar, &g);
	write_events(&g);
	write_axis(&g, tick);
	legend(&g, true);
	fputs("</svg>\n", f);
	return modsim_sched_spans_finish(f, "timeline svg");
}
