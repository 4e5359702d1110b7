/* Undefined dynamic symbols of a loaded object, read from its in-memory dynamic section. */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <string.h>

#include "table/table.h"

/* More dynamic symbols than any module has; guards against a corrupt table. */
#define ELF_MAX_SYMS (1u << 20)

/* What the dynamic section tells us, with addresses made absolute. */
struct dynview {
	const ElfW(Sym) *symtab;
	const char *strtab;
	size_t strsz;
	const Elf32_Word *hash;    /* DT_HASH, or NULL */
	const uint32_t *gnu_hash;  /* DT_GNU_HASH, or NULL */
};

/*
 * glibc relocates the d_ptr entries of a loaded object's dynamic section in
 * place on most targets (x86_64 among them), but not on all: an address
 * below the load base is still an offset.
 */
static const void *dyn_addr(const struct link_map *lm, ElfW(Addr) p)
{
	return (const void *)(p < lm->l_addr ? p + lm->l_addr : p);
}

static int dynview_read(const struct link_map *lm, struct dynview *v)
{
	const ElfW(Dyn) *d;

	memset(v, 0, sizeof(*v));
	if (!lm->l_ld)
		return -ENOEXEC;
	for (d = lm->l_ld; d->d_tag != DT_NULL; d++) {
		switch (d->d_tag) {
		case DT_SYMTAB:
			v->symtab = dyn_addr(lm, d->d_un.d_ptr);
			break;
		case DT_STRTAB:
			v->strtab = dyn_addr(lm, d->d_un.d_ptr);
			break;
		case DT_STRSZ:
			v->strsz = d->d_un.d_val;
			break;
		case DT_HASH:
			v->hash = dyn_addr(lm, d->d_un.d_ptr);
			break;
		case DT_GNU_HASH:
			v->gnu_hash = dyn_addr(lm, d->d_un.d_ptr);
			break;
		}
	}
	if (!v->symtab || !v->strtab || (!v->hash && !v->gnu_hash))
		return -ENOEXEC;
	return 0;
}

/*
 * Number of dynamic symbols from a GNU hash table.  The table covers the
 * symbols from symoffset on; the last one is found by following the chain
 * of the highest bucket to its end (low bit set).  Symbols below
 * symoffset (the undefined ones among them) are not hashed.
 */
static size_t gnu_hash_nsyms(const uint32_t *h)
{
	uint32_t nbuckets = h[0], symoffset = h[1], bloom_size = h[2];
	const ElfW(Addr) *bloom = (const ElfW(Addr) *)&h[4];
	const uint32_t *buckets = (const uint32_t *)&bloom[bloom_size];
	const uint32_t *chain = &buckets[nbuckets];
	uint32_t last = 0, i;

	for (i = 0; i < nbuckets; i++)
		if (buckets[i] > last)
			last = buckets[i];
	if (last < symoffset)
		return symoffset;
	while (!(chain[last - symoffset] & 1) && last < ELF_MAX_SYMS)
		last++;
	return (size_t)last + 1;
}

int modsim_elf_undefined(void *handle, int (*fn)(const char *sym, void *arg), void *arg)
{
	struct link_map *lm = NULL;
	const ElfW(Sym) *s;
	struct dynview v;
	const char *name;
	size_t nsyms, i;
	int err;

	if (!handle || !fn)
		return -EINVAL;
	if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0 || !lm)
		return -EINVAL;
	err = dynview_read(lm, &v);
	if (err)
		return err;
	nsyms = v.gnu_hash ? gnu_hash_nsyms(v.gnu_hash) : v.hash[1];
	if (nsyms > ELF_MAX_SYMS)
		return -ENOEXEC;
	/* Entry 0 is the null symbol.  ELF64_ST_BIND is ELF32_ST_BIND. */
	for (i = 1; i < nsyms; i++) {
		s = &v.symtab[i];
		if (s->st_shndx != SHN_UNDEF || ELF64_ST_BIND(s->st_info) != STB_GLOBAL)
			continue; /* defined here, or weak: never a hard dependency */
		if (s->st_name == 0 || (v.strsz && s->st_name >= v.strsz))
			continue;
		name = v.strtab + s->st_name;
		if (!*name)
			continue;
		err = fn(name, arg);
		if (err)
			return err;
	}
	return 0;
}
