/* Naming module code for reports: dladdr, then the file's own .symtab for static functions. */
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect/detect.h"

/*
 * The name of the function at file offset @off from the .symtab of @path:
 * dladdr() reads only the dynamic table, which has no static functions.
 */
static bool elf_func_name(const char *path, uintptr_t off, char *out, size_t len)
{
	const ElfW(Ehdr) *eh;
	const ElfW(Shdr) *sh;
	bool found = false;
	struct stat st;
	void *map;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) || (size_t)st.st_size < sizeof(*eh)) {
		close(fd);
		return false;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return false;
	eh = map;
	sh = (const ElfW(Shdr) *)((const char *)map + eh->e_shoff);
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_shentsize != sizeof(*sh) ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(*sh) > (uint64_t)st.st_size)
		goto unmap;
	for (unsigned int i = 0; i < eh->e_shnum && !found; i++) {
		const ElfW(Shdr) *str = &sh[sh[i].sh_link];
		const ElfW(Sym) *sym;
		size_t n;

		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum ||
		    sh[i].sh_offset + sh[i].sh_size > (uint64_t)st.st_size ||
		    str->sh_offset + str->sh_size > (uint64_t)st.st_size)
			continue;
		sym = (const ElfW(Sym) *)((const char *)map + sh[i].sh_offset);
		n = sh[i].sh_size / sizeof(*sym);
		for (size_t j = 0; j < n; j++) {
			if (ELF64_ST_TYPE(sym[j].st_info) != STT_FUNC ||
			    sym[j].st_name >= str->sh_size || off < sym[j].st_value ||
			    off >= sym[j].st_value + sym[j].st_size)
				continue;
			snprintf(out, len, "%.*s", (int)(str->sh_size - sym[j].st_name),
				 (const char *)map + str->sh_offset + sym[j].st_name);
			found = true;
			break;
		}
	}
unmap:
	munmap(map, (size_t)st.st_size);
	return found;
}

void modsim_code_name(const void *addr, char *out, size_t len)
{
	uintptr_t off;
	const char *base;
	Dl_info info;

	if (!dladdr(addr, &info) || !info.dli_fname) {
		snprintf(out, len, "%p", addr);
		return;
	}
	if (info.dli_sname && info.dli_saddr == addr) {
		snprintf(out, len, "%s", info.dli_sname);
		return;
	}
	off = (uintptr_t)addr - (uintptr_t)info.dli_fbase;
	if (elf_func_name(info.dli_fname, off, out, len))
		return;
	base = strrchr(info.dli_fname, '/');
	snprintf(out, len, "%s+%#lx", base ? base + 1 : info.dli_fname, (unsigned long)off);
}
