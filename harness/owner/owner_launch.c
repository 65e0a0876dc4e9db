#include "harness/owner/launch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/owner/measure.h"

static int fail(struct owner_guest *g, const char *step)
{
	g->step = step;
	return -1;
}

static int fail_local(struct owner_guest *g, const char *step, int e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail_local(struct owner_guest *g, const char *step, int e, const char *fmt, ...)
{
	va_list ap;

	memset(&g->err, 0, sizeof(g->err));
	g->err.err = e;
	va_start(ap, fmt);
	vsnprintf(g->err.msg, sizeof(g->err.msg), fmt, ap);
	va_end(ap);
	return fail(g, step);
}

static void *page_alloc(size_t len)
{
	void *p = aligned_alloc(OWNER_PAGE, len);

	if (p)
		memset(p, 0, len);
	return p;
}

/* VMSA pages the caller fills (the emulator): the given pages, or zero pages, which
 * is what measure.h assumes without a VMSA file.  KVM builds the VMSAs from its vCPUs'
 * state itself, so there a VMSA file cannot be honoured. */
static int load_vmsa(struct owner_guest *g, const struct owner_launch_cfg *cfg)
{
	size_t k = cfg->vmsa ? cfg->vmsa_len / OWNER_VMSA_LEN : 1;
	void **pages;
	int rc;

	if (!cfg->nvcpus)
		return fail_local(g, "loading the VMSAs", EINVAL, "an SEV-ES guest needs at least one vCPU");
	if (!(psp_caps(g->p) & PSP_CAP_VMSA_PAGES)) {
		if (cfg->vmsa)
			return fail_local(g, "loading the VMSAs", ENOTSUP,
					  "backend %s makes the VMSAs from its vCPUs itself; a VMSA file needs an emulator",
					  psp_backend(g->p));
		return psp_vm_set_vcpus(g->vm, NULL, cfg->nvcpus, &g->err) ? fail(g, "creating the vCPUs") : 0;
	}
	if ((cfg->vmsa && cfg->vmsa_len % OWNER_VMSA_LEN) || owner_vmsa_page(k, cfg->nvcpus, 0) < 0)
		return fail_local(g, "loading the VMSAs", EINVAL, "%zu VMSA bytes cannot start %u vCPUs",
				  cfg->vmsa_len, cfg->nvcpus);
	if (!(g->vmsa = page_alloc((size_t)cfg->nvcpus * OWNER_VMSA_LEN)) ||
	    !(pages = calloc(cfg->nvcpus, sizeof(*pages))))
		return fail_local(g, "loading the VMSAs", ENOMEM, "out of memory for %u VMSAs", cfg->nvcpus);
	g->nvcpus = cfg->nvcpus;
	for (unsigned i = 0; i < cfg->nvcpus; i++) {
		pages[i] = g->vmsa + (size_t)i * OWNER_VMSA_LEN;
		if (cfg->vmsa)
			memcpy(pages[i],
			       (const uint8_t *)cfg->vmsa + (size_t)owner_vmsa_page(k, cfg->nvcpus, i) * OWNER_VMSA_LEN,
			       OWNER_VMSA_LEN);
	}
	rc = psp_vm_set_vcpus(g->vm, pages, cfg->nvcpus, &g->err);
	free(pages);
	return rc ? fail(g, "setting the vCPUs' VMSA pages") : 0;
}

int owner_guest_launch(struct psp *p, const struct owner_launch_cfg *cfg, struct owner_guest *g)
{
	size_t need;
	uint32_t handle = 0;

	memset(g, 0, sizeof(*g));
	g->p = p;
	g->measured_len = owner_image_measured_len(cfg->image_len);
	need = (g->measured_len + OWNER_PAGE - 1) & ~(size_t)(OWNER_PAGE - 1);
	g->mem_len = cfg->mem_len ? cfg->mem_len : need;
	if (!cfg->image_len)
		return fail_local(g, "loading the image", EINVAL, "the image is empty");
	if (g->mem_len < need || g->mem_len % OWNER_PAGE)
		return fail_local(g, "allocating guest memory", EINVAL,
				  "guest memory of %zu bytes must be whole pages holding the %zu-byte image",
				  g->mem_len, g->measured_len);
	if (!(g->mem = page_alloc(g->mem_len)))
		return fail_local(g, "allocating guest memory", ENOMEM, "cannot allocate %zu bytes", g->mem_len);
	memcpy(g->mem, cfg->image, cfg->image_len);

	if (psp_vm_create(p, &g->vm, &g->err))
		return fail(g, "creating the VM");
	if (psp_vm_init(g->vm, cfg->es, &g->err))
		return fail(g, cfg->es ? "KVM_SEV_ES_INIT" : "KVM_SEV_INIT");
	/* As QEMU registers guest RAM: KVM pins it for the guest's lifetime. */
	if (psp_vm_reg_region(g->vm, g->mem, g->mem_len, &g->err))
		return fail(g, "KVM_MEMORY_ENCRYPT_REG_REGION");
	if (psp_launch_start(g->vm, cfg->policy, cfg->godh, cfg->session, &handle, &g->err))
		return fail(g, "LAUNCH_START");
	g->launched = true;
	if (psp_launch_update_data(g->vm, g->mem, g->measured_len, &g->err))
		return fail(g, "LAUNCH_UPDATE_DATA");
	if (cfg->es) {
		if (load_vmsa(g, cfg))
			return -1;
		if (psp_launch_update_vmsa(g->vm, &g->err))
			return fail(g, "LAUNCH_UPDATE_VMSA");
	}
	if (psp_launch_measure(g->vm, g->measure, &g->err))
		return fail(g, "LAUNCH_MEASURE");
	return 0;
}

int owner_guest_inject(struct owner_guest *g, const uint8_t hdr[PSP_HDR_LEN], const void *ct, size_t len,
		       uint64_t gpa)
{
	if (gpa > g->mem_len || len > g->mem_len - gpa)
		return fail_local(g, "LAUNCH_SECRET", EINVAL,
				  "the secret's guest range ends beyond guest memory (%zu bytes, need %zu)", g->mem_len,
				  (size_t)gpa + len);
	if (len > UINT32_MAX)
		return fail_local(g, "LAUNCH_SECRET", EINVAL, "a secret of %zu bytes", len);
	if (psp_launch_secret(g->vm, hdr, ct, (uint32_t)len, g->mem + gpa, &g->err))
		return fail(g, "LAUNCH_SECRET");
	return 0;
}

int owner_guest_finish(struct owner_guest *g)
{
	return psp_launch_finish(g->vm, &g->err) ? fail(g, "LAUNCH_FINISH") : 0;
}

int owner_guest_dump(struct owner_guest *g, uint8_t *out)
{
	return psp_dbg_decrypt(g->vm, g->mem, out, g->mem_len, &g->err) ? fail(g, "DBG_DECRYPT") : 0;
}

int owner_guest_attest(struct owner_guest *g, const uint8_t mnonce[16], uint8_t report[PSP_REPORT_LEN])
{
	return psp_attestation(g->vm, mnonce, report, &g->err) ? fail(g, "ATTESTATION") : 0;
}

void owner_guest_free(struct owner_guest *g)
{
	if (!g)
		return;
	if (g->vm)
		psp_vm_destroy(g->vm);
	free(g->mem);
	free(g->vmsa);
	g->vm = NULL;
	g->mem = g->vmsa = NULL;
}

void owner_guest_error(const struct owner_guest *g, char *buf, size_t len)
{
	char m[400];

	psp_err_format(&g->err, m, sizeof(m));
	snprintf(buf, len, "%s: %s", g->step ? g->step : "launch", m);
}
