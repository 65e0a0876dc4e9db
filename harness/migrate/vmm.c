/* The VMM model both sides share: guest memory with its page-encryption status, the
 * launch of a source guest, an empty target, plaintext reads and the final comparison. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "harness/migrate/migrate.h"
#include "harness/migrate/stream.h"

void mig_error_format(const struct mig_error *e, char *buf, size_t len)
{
	char perr[320] = "";
	char page[32] = "";

	if (e->perr.err)
		psp_err_format(&e->perr, perr, sizeof(perr));
	if (e->page >= 0)
		snprintf(page, sizeof(page), ", page %lld", (long long)e->page);
	snprintf(buf, len, "%s%s: %s%s%s", e->step, page, e->msg, e->msg[0] && perr[0] ? ": " : "", perr);
}

int mig_vfail(struct mig_error *e, const char *step, int64_t page, const struct psp_err *pe, const char *fmt,
	      va_list ap)
{
	bool gone = e->source_gone;

	memset(e, 0, sizeof(*e));
	e->source_gone = gone;
	snprintf(e->step, sizeof(e->step), "%s", step);
	e->page = page;
	if (pe)
		e->perr = *pe;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	return -1;
}

int mig_fail(struct mig_error *e, const char *step, int64_t page, const struct psp_err *pe, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mig_vfail(e, step, page, pe, fmt, ap);
	va_end(ap);
	return -1;
}

/* A fast deterministic generator for guest content (not for anything secret). */
static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* MemAvailable in bytes, or 0 if unknown. */
static uint64_t mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	unsigned long long kib = 0;
	char line[128];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1)
			break;
	fclose(f);
	return (uint64_t)kib * 1024;
}

static int alloc(struct mig_vm *v, struct psp *p, size_t size, unsigned nvcpus, struct mig_error *err)
{
	uint64_t avail = mem_available();

	memset(v, 0, sizeof(*v));
	/* The memory is made resident at once (below); a guest that cannot fit must be
	 * refused here, not left to the OOM killer. */
	if (avail && size > avail)
		return mig_fail(err, "allocate", -1, NULL, "a %zu MiB guest does not fit in the %llu MiB of memory available",
			    size >> 20, (unsigned long long)(avail >> 20));
	memset(v, 0, sizeof(*v));
	v->p = p;
	v->size = (size + MIG_PAGE - 1) / MIG_PAGE * MIG_PAGE;
	v->npages = v->size / MIG_PAGE;
	v->nvcpus = nvcpus;
	/* Resident from the start: KVM pins a registered region (sev_pin_memory, FOLL_WRITE),
	 * which faults every page in before the first byte of a migration arrives. */
	v->mem = mmap(NULL, v->size + (size_t)nvcpus * MIG_PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	v->shared = calloc(v->npages, 1);
	v->dirty = calloc((v->npages + 63) / 64, sizeof(uint64_t));
	if (v->mem == MAP_FAILED || !v->shared || !v->dirty) {
		if (v->mem == MAP_FAILED)
			v->mem = NULL;
		mig_vm_free(v);
		return mig_fail(err, "allocate", -1, NULL, "cannot allocate %zu bytes of guest memory", size);
	}
	/* SEV-ES VMSAs live in the VMM's memory right after RAM (emulator model). */
	v->vmsa = nvcpus ? v->mem + v->size : NULL;
	return 0;
}

void mig_vm_free(struct mig_vm *v)
{
	if (v->vm)
		psp_vm_destroy(v->vm);
	if (v->mem)
		munmap(v->mem, v->size + (size_t)v->nvcpus * MIG_PAGE);
	free(v->shared);
	free(v->dirty);
	memset(v, 0, sizeof(*v));
}

static int vm_init(struct mig_vm *v, struct mig_error *err)
{
	struct psp_err e;

	/* KVM builds SEV-ES VMSAs itself and exposes no SEND/RECEIVE_UPDATE_VMSA (QEMU
	 * blocks SEV-ES migration for that reason), so an SEV-ES guest migrates only on a
	 * backend that offers the firmware-level commands. */
	if (v->nvcpus && psp_require(v->p, PSP_CAP_VMSA_PAGES | PSP_CAP_FW_CMD, &e) != 0)
		return mig_fail(err, "SEV-ES", -1, &e, "%s", "");
	if (psp_vm_create(v->p, &v->vm, &e) != 0)
		return mig_fail(err, "create VM", -1, &e, "%s", "");
	if (psp_vm_init(v->vm, v->nvcpus > 0, &e) != 0)
		return mig_fail(err, v->nvcpus ? "KVM_SEV_ES_INIT" : "KVM_SEV_INIT", -1, &e, "%s", "");
	if (psp_vm_reg_region(v->vm, v->mem, v->size, &e) != 0)
		return mig_fail(err, "KVM_MEMORY_ENCRYPT_REG_REGION", -1, &e, "%s", "");
	if (v->nvcpus) {
		void *pages[256];
		if (v->nvcpus > 256)
			return mig_fail(err, "vCPUs", -1, NULL, "at most 256 vCPUs");
		for (unsigned i = 0; i < v->nvcpus; i++)
			pages[i] = v->vmsa + (size_t)i * MIG_PAGE;
		if (psp_vm_set_vcpus(v->vm, pages, v->nvcpus, &e) != 0)
			return mig_fail(err, "vCPUs", -1, &e, "%s", "");
	}
	return 0;
}

int mig_vm_launch(struct psp *p, struct mig_vm *v, size_t size, uint32_t policy, unsigned nvcpus, double shared,
		  uint64_t seed, struct mig_error *err)
{
	uint64_t s = seed ? seed : 0x9e3779b97f4a7c15ull;
	uint8_t m[PSP_MEASURE_LEN];
	struct psp_err e;

	if (alloc(v, p, size, nvcpus, err) != 0)
		return -1;
	v->policy = policy;
	for (size_t i = 0; i < v->size + (size_t)nvcpus * MIG_PAGE; i += 8) {
		uint64_t x = xorshift(&s);
		memcpy(v->mem + i, &x, 8);
	}
	if (vm_init(v, err) != 0)
		goto bad;
	v->handle = 0;
	if (psp_launch_start(v->vm, policy, NULL, NULL, &v->handle, &e) != 0) {
		mig_fail(err, "LAUNCH_START", -1, &e, "%s", "");
		goto bad;
	}
	if (psp_launch_update_data(v->vm, v->mem, v->size, &e) != 0) {
		mig_fail(err, "LAUNCH_UPDATE_DATA", -1, &e, "%s", "");
		goto bad;
	}
	if (nvcpus && psp_launch_update_vmsa(v->vm, &e) != 0) {
		mig_fail(err, "LAUNCH_UPDATE_VMSA", -1, &e, "%s", "");
		goto bad;
	}
	if (psp_launch_measure(v->vm, m, &e) != 0) {
		mig_fail(err, "LAUNCH_MEASURE", -1, &e, "%s", "");
		goto bad;
	}
	if (psp_launch_finish(v->vm, &e) != 0) {
		mig_fail(err, "LAUNCH_FINISH", -1, &e, "%s", "");
		goto bad;
	}
	/* The guest makes some pages shared (KVM_HC_MAP_GPA_RANGE) and writes them in the
	 * clear: from now on those hold plaintext in the VMM's memory. */
	if (shared > 0) {
		size_t every = (size_t)(1.0 / shared + 0.5);
		for (size_t pg = every / 2; every && pg < v->npages; pg += every) {
			v->shared[pg] = 1;
			for (size_t i = 0; i < MIG_PAGE; i += 8) {
				uint64_t x = xorshift(&s);
				memcpy(v->mem + pg * MIG_PAGE + i, &x, 8);
			}
		}
	}
	return 0;
bad:
	mig_vm_free(v);
	return -1;
}

int mig_vm_target(struct psp *p, struct mig_vm *v, size_t size, unsigned nvcpus, struct mig_error *err)
{
	if (alloc(v, p, size, nvcpus, err) != 0)
		return -1;
	if (vm_init(v, err) != 0) {
		mig_vm_free(v);
		return -1;
	}
	return 0;
}

static int read_plain(struct mig_vm *v, const void *addr, void *out, size_t len, struct psp_err *err)
{
	if (psp_caps(v->p) & PSP_CAP_GUEST_VIEW)
		return psp_guest_read(v->vm, 0, addr, out, len, err);
	/* On real hardware the guest's plaintext is only reachable with a debug policy. */
	return psp_dbg_decrypt(v->vm, addr, out, len, err);
}

int mig_vm_read_page(struct mig_vm *v, size_t page, void *out, struct psp_err *err)
{
	if (v->shared[page]) {
		memcpy(out, v->mem + page * MIG_PAGE, MIG_PAGE);
		return 0;
	}
	return read_plain(v, v->mem + page * MIG_PAGE, out, MIG_PAGE, err);
}

int mig_verify(struct mig_vm *src, struct mig_vm *dst, struct mig_error *err)
{
	static __thread uint8_t a[MIG_PAGE], b[MIG_PAGE];
	struct psp_err e;

	if (src->npages != dst->npages || src->nvcpus != dst->nvcpus)
		return mig_fail(err, "verify", -1, NULL, "source and target differ in shape");
	for (size_t pg = 0; pg < src->npages; pg++) {
		if (src->shared[pg] != dst->shared[pg])
			return mig_fail(err, "verify", (int64_t)pg, NULL, "page is %s on the source, %s on the target",
				    src->shared[pg] ? "shared" : "private", dst->shared[pg] ? "shared" : "private");
		if (mig_vm_read_page(src, pg, a, &e) != 0)
			return mig_fail(err, "verify (source view)", (int64_t)pg, &e, "%s", "");
		if (mig_vm_read_page(dst, pg, b, &e) != 0)
			return mig_fail(err, "verify (target view)", (int64_t)pg, &e, "%s", "");
		if (memcmp(a, b, MIG_PAGE) != 0)
			return mig_fail(err, "verify", (int64_t)pg, NULL, "the target guest sees other data than the source guest");
	}
	for (unsigned i = 0; i < src->nvcpus; i++) {
		if (read_plain(src, src->vmsa + (size_t)i * MIG_PAGE, a, MIG_PAGE, &e) != 0 ||
		    read_plain(dst, dst->vmsa + (size_t)i * MIG_PAGE, b, MIG_PAGE, &e) != 0)
			return mig_fail(err, "verify VMSA", i, &e, "%s", "");
		if (memcmp(a, b, MIG_PAGE) != 0)
			return mig_fail(err, "verify VMSA", i, NULL, "vCPU %u's VMSA differs", i);
	}
	return 0;
}

int mig_vm_digest(struct mig_vm *v, uint8_t out[32], struct mig_error *err)
{
	static __thread uint8_t a[MIG_PAGE];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	struct psp_err e;
	int rc = -1;

	memset(err, 0, sizeof(*err));
	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
		goto out;
	for (size_t pg = 0; pg < v->npages; pg++) {
		if (mig_vm_read_page(v, pg, a, &e) != 0) {
			mig_fail(err, "digest (guest view)", (int64_t)pg, &e, "%s", "");
			goto out;
		}
		/* the page's encryption status is part of what must arrive */
		if (!EVP_DigestUpdate(md, &v->shared[pg], 1) || !EVP_DigestUpdate(md, a, MIG_PAGE))
			goto out;
	}
	for (unsigned i = 0; i < v->nvcpus; i++) {
		if (read_plain(v, v->vmsa + (size_t)i * MIG_PAGE, a, MIG_PAGE, &e) != 0) {
			mig_fail(err, "digest VMSA", i, &e, "%s", "");
			goto out;
		}
		if (!EVP_DigestUpdate(md, a, MIG_PAGE))
			goto out;
	}
	if (EVP_DigestFinal_ex(md, out, NULL))
		rc = 0;
out:
	if (rc && !err->step[0])
		mig_fail(err, "digest", -1, NULL, "SHA-256 failed");
	EVP_MD_CTX_free(md);
	return rc;
}

static int read_file(const char *dir, const char *name, uint8_t *buf, size_t max, size_t *len)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return -1;
	*len = fread(buf, 1, max, f);
	fclose(f);
	return 0;
}

int mig_local_certs(struct psp *p, const char *kds_dir, struct mig_certs *out, struct mig_error *err)
{
	uint8_t ark[1600], ask[1600], cek[PSP_CERT_LEN];
	size_t ark_len = sizeof(ark), ask_len = sizeof(ask), n;
	struct psp_err e;

	memset(out, 0, sizeof(*out));
	if (psp_pdh_cert_export(p, out->pdh, out->plat, &e) != 0)
		return mig_fail(err, "PDH_CERT_EXPORT", -1, &e, "%s", "");
	if (kds_dir) {
		if (read_file(kds_dir, "cek.cert", cek, sizeof(cek), &n) || n != PSP_CERT_LEN ||
		    read_file(kds_dir, "ask.cert", ask, sizeof(ask), &ask_len) ||
		    read_file(kds_dir, "ark.cert", ark, sizeof(ark), &ark_len))
			return mig_fail(err, "certificates", -1, NULL, "%s must hold cek.cert, ask.cert and ark.cert", kds_dir);
	} else if (psp_kds_certs(p, ark, &ark_len, ask, &ask_len, cek, &e) != 0) {
		return mig_fail(err, "certificates", -1, &e, "the KDS-signed CEK and the AMD chain (give --kds-dir)");
	}
	/* The exported chain has an unsigned CEK: splice in the one AMD signed. */
	memcpy(out->plat + 2 * PSP_CERT_LEN, cek, PSP_CERT_LEN);
	memcpy(out->amd, ask, ask_len);
	memcpy(out->amd + ask_len, ark, ark_len);
	out->amd_len = (uint32_t)(ask_len + ark_len);
	return 0;
}
