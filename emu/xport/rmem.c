/* Remote user memory: the uaccess the driver sees behind a transport (rmem.h). */
#include "emu/xport/rmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "emu/crypto/symm.h"
#include "emu/drv/swsev_uapi.h"
#include "emu/util/log.h"

/* A request asking for more pieces than this is broken or hostile. */
#define RMEM_MAX_REGIONS 4096

#define M(ua) ((struct rmem *)(ua))

static bool bad(uint64_t addr, uint64_t len)
{
	return addr == 0 || addr + len < addr || addr + len > RMEM_USER_END;
}

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n;
	void *q;

	if (need <= *cap)
		return true;
	n = *cap ? *cap * 2 : 8;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * size);
	if (!q)
		return false;
	*p = q;
	*cap = n;
	return true;
}

static const uint8_t *cur(const struct rmem_region *r)
{
	return r->work ? r->work : r->orig;
}

/* The fetched region holding addr that reaches furthest, or NULL. */
static const struct rmem_region *holder(const struct rmem *m, uint64_t addr, enum rmem_state st)
{
	const struct rmem_region *best = NULL;

	for (size_t i = 0; i < m->nreg; i++) {
		const struct rmem_region *r = &m->reg[i];
		if (r->state == st && addr >= r->addr && addr - r->addr < r->len &&
		    (!best || r->addr + r->len > best->addr + best->len))
			best = r;
	}
	return best;
}

enum cover { ALL_HAVE, SOME_FAULT, SOME_PENDING, MISSING };

static enum cover classify(const struct rmem *m, uint64_t addr, uint64_t len)
{
	uint64_t pos = addr, end = addr + len;
	bool pending = false, fault = false;

	while (pos < end) {
		const struct rmem_region *r = holder(m, pos, RMEM_HAVE);
		if (!r && (r = holder(m, pos, RMEM_FAULT)))
			fault = true;
		if (!r && (r = holder(m, pos, RMEM_PENDING)))
			pending = true;
		if (!r)
			return MISSING;
		pos = r->addr + r->len;
	}
	return fault ? SOME_FAULT : pending ? SOME_PENDING : ALL_HAVE;
}

/* Is every byte inside the union of the declared writes? */
static bool declared(const struct rmem *m, uint64_t addr, uint64_t len)
{
	uint64_t pos = addr, end = addr + len;

	while (pos < end) {
		uint64_t reach = 0;
		for (size_t i = 0; i < m->nw; i++) {
			const struct rmem_range *w = &m->w[i];
			if (pos >= w->addr && pos - w->addr < w->len && w->addr + w->len > reach)
				reach = w->addr + w->len;
		}
		if (!reach)
			return false;
		pos = reach;
	}
	return true;
}

static int add_region(struct rmem *m, uint64_t addr, uint64_t len, enum rmem_state st)
{
	struct rmem_region *r;

	if (m->nreg >= RMEM_MAX_REGIONS || !grow((void **)&m->reg, &m->capreg, m->nreg + 1, sizeof(*m->reg))) {
		m->nomem = true;
		return -1;
	}
	r = &m->reg[m->nreg++];
	memset(r, 0, sizeof(*r));
	r->addr = addr;
	r->len = len;
	r->state = st;
	return 0;
}

/* Records a missing range; false if the bookkeeping failed. */
static bool ask(struct rmem *m, uint64_t addr, uint64_t len)
{
	m->deferred = true;
	return add_region(m, addr, len, RMEM_PENDING) == 0;
}

static int r_read(struct uaccess *ua, uint64_t addr, void *dst, size_t len)
{
	struct rmem *m = M(ua);
	uint64_t pos = addr, end = addr + len;
	uint8_t *d = dst;

	if (bad(addr, len))
		return -EFAULT;
	switch (classify(m, addr, len)) {
	case ALL_HAVE:
		break;
	case SOME_FAULT:
		return -EFAULT;
	case SOME_PENDING:
		return m->committed ? -EFAULT : -UA_EFETCH;
	case MISSING:
		if (m->committed) {
			m->late = true;
			log_warn("driver read 0x%llx+%zu after commit without preparing it", (unsigned long long)addr, len);
			return -EFAULT;
		}
		ask(m, addr, len);
		return -UA_EFETCH;
	}
	while (pos < end) {
		const struct rmem_region *r = holder(m, pos, RMEM_HAVE);
		uint64_t n = (r->addr + r->len < end ? r->addr + r->len : end) - pos;
		memcpy(d + (pos - addr), cur(r) + (pos - r->addr), n);
		pos += n;
	}
	return 0;
}

static int need(struct rmem *m, uint64_t addr, uint64_t len, bool write)
{
	switch (classify(m, addr, len)) {
	case ALL_HAVE:
		return 0;
	case SOME_FAULT:
		/* An unreadable destination fails when it is written, as copy_to_user would. */
		return write ? 0 : -EFAULT;
	case SOME_PENDING:
		if (m->committed)
			return -EFAULT;
		m->deferred = true;
		return 0;
	case MISSING:
		break;
	}
	if (m->committed) {
		m->late = true;
		log_warn("driver prepared 0x%llx+%llu after commit", (unsigned long long)addr, (unsigned long long)len);
		return -EFAULT;
	}
	ask(m, addr, len);
	return 0;
}

static int r_prefetch(struct uaccess *ua, uint64_t addr, size_t len)
{
	if (bad(addr, len))
		return -EFAULT;
	return need(M(ua), addr, len, false);
}

static int add_write(struct rmem *m, uint64_t addr, uint64_t len)
{
	for (size_t i = 0; i < m->nw; i++)
		if (m->w[i].addr == addr && m->w[i].len == len)
			return 0;
	if (!grow((void **)&m->w, &m->capw, m->nw + 1, sizeof(*m->w))) {
		m->nomem = true;
		return -1;
	}
	m->w[m->nw].addr = addr;
	m->w[m->nw].len = len;
	m->nw++;
	return 0;
}

static int r_want_write(struct uaccess *ua, uint64_t addr, size_t len)
{
	struct rmem *m = M(ua);

	if (bad(addr, len))
		return -EFAULT;
	if (!declared(m, addr, len) && m->committed)
		return -EFAULT;
	if (add_write(m, addr, len))
		return -UA_EFETCH;
	/* CUSE writes whole declared ranges back, so their old bytes are needed too. */
	return need(m, addr, len, true);
}

static int r_commit(struct uaccess *ua)
{
	struct rmem *m = M(ua);

	if (m->nomem)
		return -UA_EFETCH;
	for (size_t i = 0; i < m->nreg; i++)
		if (m->reg[i].state == RMEM_PENDING)
			return -UA_EFETCH;
	if (m->check && m->check(m, m->check_ctx) != 0) {
		m->mismatch = true;
		return -UA_EFETCH;
	}
	m->committed = true;
	return 0;
}

static int mark_dirty(struct rmem *m, uint64_t a, uint64_t b)
{
	size_t i = 0, j;

	while (i < m->ndirty && m->dirty[i].addr + m->dirty[i].len < a)
		i++;
	j = i;
	while (j < m->ndirty && m->dirty[j].addr <= b) {
		if (m->dirty[j].addr < a)
			a = m->dirty[j].addr;
		if (m->dirty[j].addr + m->dirty[j].len > b)
			b = m->dirty[j].addr + m->dirty[j].len;
		j++;
	}
	if (j == i) {
		if (!grow((void **)&m->dirty, &m->capdirty, m->ndirty + 1, sizeof(*m->dirty)))
			return -1;
		memmove(&m->dirty[i + 1], &m->dirty[i], (m->ndirty - i) * sizeof(*m->dirty));
		m->ndirty++;
	} else if (j > i + 1) {
		memmove(&m->dirty[i + 1], &m->dirty[j], (m->ndirty - j) * sizeof(*m->dirty));
		m->ndirty -= j - i - 1;
	}
	m->dirty[i].addr = a;
	m->dirty[i].len = b - a;
	return 0;
}

static int r_write(struct uaccess *ua, uint64_t addr, const void *src, size_t len)
{
	struct rmem *m = M(ua);
	uint64_t end = addr + len;

	if (bad(addr, len) || !declared(m, addr, len) || classify(m, addr, len) != ALL_HAVE)
		return -EFAULT;
	for (size_t i = 0; i < m->nreg; i++) {
		struct rmem_region *r = &m->reg[i];
		uint64_t a, b;
		if (r->state != RMEM_HAVE || r->addr >= end || r->addr + r->len <= addr)
			continue;
		if (!r->work) {
			if (!(r->work = malloc(r->len ? r->len : 1))) {
				m->nomem = true;
				return -EFAULT;
			}
			memcpy(r->work, r->orig, r->len);
		}
		a = r->addr > addr ? r->addr : addr;
		b = r->addr + r->len < end ? r->addr + r->len : end;
		memcpy(r->work + (a - r->addr), (const uint8_t *)src + (a - addr), b - a);
	}
	if (mark_dirty(m, addr, end)) {
		m->nomem = true;
		return -EFAULT;
	}
	return 0;
}

static void *r_map(struct uaccess *ua, uint64_t addr, size_t len, int writable)
{
	(void)ua;
	(void)addr;
	(void)len;
	(void)writable;
	return NULL;
}

static const struct uaccess_ops rmem_ops = { r_read, r_prefetch, r_want_write, r_commit, r_write, r_map };

void rmem_init(struct rmem *m)
{
	memset(m, 0, sizeof(*m));
	m->ua.ops = &rmem_ops;
}

static void drop_work(struct rmem *m)
{
	for (size_t i = 0; i < m->nreg; i++) {
		if (m->reg[i].work) {
			/* Working copies may hold what the firmware wrote: guest memory, blobs. */
			secure_free(m->reg[i].work, m->reg[i].len ? m->reg[i].len : 1);
			m->reg[i].work = NULL;
		}
	}
}

void rmem_free(struct rmem *m)
{
	drop_work(m);
	for (size_t i = 0; i < m->nreg; i++)
		if (m->reg[i].own)
			secure_free(m->reg[i].own, m->reg[i].len ? m->reg[i].len : 1);
	free(m->reg);
	free(m->w);
	free(m->dirty);
	memset(m, 0, sizeof(*m));
}

void rmem_begin(struct rmem *m)
{
	drop_work(m);
	m->nw = m->nspec;
	m->ndirty = 0;
	m->committed = m->deferred = m->mismatch = m->late = false;
}

static bool known_ioctl(unsigned int cmd)
{
	switch (cmd) {
	case SEV_ISSUE_CMD:
	case SWSEV_IOC_VM_OP:
	case SWSEV_IOC_VM_REG_REGION:
	case SWSEV_IOC_VM_UNREG_REGION:
	case SWSEV_IOC_VM_SET_VCPUS:
	case SWSEV_IOC_FW_CMD:
	case SWSEV_IOC_GUEST_VIEW:
	case SWSEV_IOC_CTL:
		return true;
	default:
		return false;
	}
}

void rmem_speculate(struct rmem *m, unsigned int cmd, uint64_t arg)
{
	uint64_t len = _IOC_SIZE(cmd);

	if (!known_ioctl(cmd) || bad(arg, len) || m->nreg)
		return;
	if (add_region(m, arg, len, RMEM_PENDING))
		return;
	if ((_IOC_DIR(cmd) & _IOC_READ) && add_write(m, arg, len) == 0)
		m->nspec = m->nw;
}

size_t rmem_pending(const struct rmem *m, uint64_t *bytes)
{
	size_t n = 0;
	uint64_t b = 0;

	for (size_t i = 0; i < m->nreg; i++) {
		if (m->reg[i].state == RMEM_PENDING) {
			n++;
			b += m->reg[i].len;
		}
	}
	if (bytes)
		*bytes = b;
	return n;
}

void rmem_fill_borrowed(struct rmem *m, const uint8_t *buf)
{
	for (size_t i = 0; i < m->nreg; i++) {
		struct rmem_region *r = &m->reg[i];
		if (r->state != RMEM_PENDING)
			continue;
		r->orig = buf;
		r->state = RMEM_HAVE;
		buf += r->len;
	}
}

int rmem_fill_one(struct rmem *m, size_t i, const uint8_t *data, bool fault)
{
	struct rmem_region *r = &m->reg[i];

	if (fault) {
		r->state = RMEM_FAULT;
		return 0;
	}
	if (!(r->own = malloc(r->len ? r->len : 1)))
		return -1;
	memcpy(r->own, data, r->len);
	r->orig = r->own;
	r->state = RMEM_HAVE;
	return 0;
}

int rmem_add_have(struct rmem *m, uint64_t addr, const uint8_t *data, uint64_t len)
{
	if (bad(addr, len) || add_region(m, addr, len, RMEM_PENDING))
		return -1;
	return rmem_fill_one(m, m->nreg - 1, data, false);
}

uint64_t rmem_in_bytes(const struct rmem *m)
{
	uint64_t n = 0;

	for (size_t i = 0; i < m->nreg; i++)
		n += m->reg[i].len;
	return n;
}

uint64_t rmem_out_bytes(const struct rmem *m)
{
	uint64_t n = 0;

	for (size_t i = 0; i < m->nw; i++)
		n += m->w[i].len;
	return n;
}

int rmem_get(const struct rmem *m, uint64_t addr, void *dst, uint64_t len)
{
	uint64_t pos = addr, end = addr + len;

	while (pos < end) {
		const struct rmem_region *r = holder(m, pos, RMEM_HAVE);
		uint64_t n;
		if (!r)
			return -1;
		n = (r->addr + r->len < end ? r->addr + r->len : end) - pos;
		memcpy((uint8_t *)dst + (pos - addr), cur(r) + (pos - r->addr), n);
		pos += n;
	}
	return 0;
}

bool rmem_dirty_in(const struct rmem *m, uint64_t addr, uint64_t len)
{
	for (size_t i = 0; i < m->ndirty; i++)
		if (m->dirty[i].addr < addr + len && addr < m->dirty[i].addr + m->dirty[i].len)
			return true;
	return false;
}

static uint64_t fnv(uint64_t h, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= 0x100000001b3ull;
	}
	return h;
}

uint64_t rmem_lists_hash(const struct rmem *m)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < m->nreg; i++)
		h = fnv(fnv(h, m->reg[i].addr), m->reg[i].len);
	h = fnv(h, UINT64_MAX);
	for (size_t i = 0; i < m->nw; i++)
		h = fnv(fnv(h, m->w[i].addr), m->w[i].len);
	return h;
}
