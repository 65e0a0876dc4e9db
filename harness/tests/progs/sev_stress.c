/* sev_stress: many clients at once on one emulated device, every reply checked.
 *
 *   sev_stress URI [CLIENTS [OPS]]     default 8 clients x 1000 commands
 *
 * URI is a psp/ backend (dev:/dev/NAME, unix:PATH, emu:DIR is pointless).  Each client
 * is a process with its own descriptors and its own guest, and mixes platform commands
 * whose answers are known (status, ID, PDH and chain, NV digest), guest commands on its
 * own guest (status with its handle, guest-view writes of a pattern unique to the
 * client and the iteration read back through the view and through DBG_DECRYPT) and a
 * command that fails with a reason naming an address unique to the client and the
 * iteration.  A reply meant for another client, or lost, shows up as a mismatch.  Exit
 * 0 when every client checked every reply and the platform is as before. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "psp/psp.h"

struct ref {
	struct psp_info info;
	uint8_t id[128];
	uint32_t idlen;
	uint8_t pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN], nv[32];
	uint32_t guests;
};

static const char *uri;
static struct ref ref;

#define NKIND 8
static const char *const kinds[NKIND] = { "status", "get_id", "pdh_export", "guest_status", "view_write_read",
					  "dbg_decrypt", "failing_command", "nv_digest" };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fill(uint8_t *p, size_t n, unsigned client, unsigned i)
{
	for (size_t k = 0; k < n; k++)
		p[k] = (uint8_t)(client * 37 + i * 11 + k * 3 + (i >> 8));
}

static int client(unsigned me, unsigned ops)
{
	struct psp *p;
	struct psp_vm *vm;
	struct psp_err e;
	uint8_t *mem = mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t pat[64], got[64], id[128], pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN], nv[32];
	unsigned bad[NKIND] = { 0 }, done[NKIND] = { 0 };
	uint32_t handle = 0;
	char msg[400];
	int fails = 0;

	if (mem == MAP_FAILED || psp_open(uri, &p, &e) != 0 || psp_vm_create(p, &vm, &e) != 0 ||
	    psp_vm_init(vm, false, &e) != 0 || psp_launch_start(vm, 0, NULL, NULL, &handle, &e) != 0 ||
	    psp_launch_update_data(vm, mem, 16384, &e) != 0) {
		psp_err_format(&e, msg, sizeof(msg));
		fprintf(stderr, "client %u: setup: %s\n", me, msg);
		return 1;
	}
	for (unsigned i = 0; i < ops; i++) {
		unsigned k = (i + me) % NKIND;
		bool ok = false;

		switch (k) {
		case 0: {
			struct sev_user_data_status st;
			ok = psp_platform_status(p, &st, &e) == 0 && st.api_major == ref.info.api_major &&
			     st.api_minor == ref.info.api_minor && st.build == ref.info.build && st.state == 2;
			break;
		}
		case 1: {
			uint32_t len = sizeof(id);
			ok = psp_get_id(p, id, &len, &e) == 0 && len == ref.idlen && !memcmp(id, ref.id, len);
			break;
		}
		case 2:
			ok = psp_pdh_cert_export(p, pdh, chain, &e) == 0 && !memcmp(pdh, ref.pdh, sizeof(pdh)) &&
			     !memcmp(chain, ref.chain, sizeof(chain));
			break;
		case 3: {
			struct kvm_sev_guest_status gs;
			ok = psp_guest_status(vm, &gs, &e) == 0 && gs.handle == handle && gs.state == 1;
			break;
		}
		case 4: {
			uint8_t *at = mem + 64 * (i % 256);
			fill(pat, sizeof(pat), me, i);
			ok = psp_guest_write(vm, 0, at, pat, sizeof(pat), &e) == 0 &&
			     psp_guest_read(vm, 0, at, got, sizeof(got), &e) == 0 && !memcmp(got, pat, sizeof(pat));
			break;
		}
		case 5: {
			/* What the last view write at this spot put there. */
			unsigned j = i - 1;
			uint8_t *at = mem + 64 * (j % 256);
			fill(pat, sizeof(pat), me, j);
			ok = psp_guest_write(vm, 0, at, pat, sizeof(pat), &e) == 0 &&
			     psp_dbg_decrypt(vm, at, got, sizeof(got), &e) == 0 && !memcmp(got, pat, sizeof(pat));
			break;
		}
		case 6: {
			/* Fails in the driver; the reason must name this client's address. */
			uint64_t addr = 0x100000000ull + ((uint64_t)me << 24) + (uint64_t)i * 16;
			char want[40];
			snprintf(want, sizeof(want), "0x%llx", (unsigned long long)addr);
			ok = psp_launch_update_data(vm, (void *)(uintptr_t)addr, 0, &e) != 0 && e.err == EINVAL &&
			     strstr(e.msg, want);
			break;
		}
		default:
			ok = psp_nv_digest(p, nv, &e) == 0 && !memcmp(nv, ref.nv, sizeof(nv));
			break;
		}
		done[k]++;
		if (!ok) {
			bad[k]++;
			if (fails++ < 5) {
				psp_err_format(&e, msg, sizeof(msg));
				fprintf(stderr, "client %u: %s #%u wrong (%s)\n", me, kinds[k], i, msg);
			}
		}
	}
	psp_vm_destroy(vm);
	psp_close(p);
	munmap(mem, 16384);
	for (unsigned k = 0; k < NKIND; k++)
		if (bad[k])
			fprintf(stderr, "client %u: %u of %u %s replies wrong\n", me, bad[k], done[k], kinds[k]);
	return fails ? 1 : 0;
}

static int take_ref(void)
{
	struct sev_user_data_status st;
	struct psp *p;
	struct psp_err e;
	char msg[400];

	ref.idlen = sizeof(ref.id);
	if (psp_open(uri, &p, &e) != 0 || psp_info(p, &ref.info, &e) != 0 ||
	    psp_pdh_cert_export(p, ref.pdh, ref.chain, &e) != 0 || psp_get_id(p, ref.id, &ref.idlen, &e) != 0 ||
	    psp_nv_digest(p, ref.nv, &e) != 0 || psp_platform_status(p, &st, &e) != 0) {
		psp_err_format(&e, msg, sizeof(msg));
		fprintf(stderr, "sev_stress: %s: %s\n", uri, msg);
		return -1;
	}
	ref.guests = st.guest_count;
	psp_close(p);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned clients = 8, ops = 1000, failed = 0;
	struct sev_user_data_status st;
	struct psp *p;
	struct psp_err e;
	uint8_t nv[32];
	double t0;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: sev_stress URI [CLIENTS [OPS]]\n");
		return 2;
	}
	uri = argv[1];
	if (argc > 2)
		clients = (unsigned)atoi(argv[2]);
	if (argc > 3)
		ops = (unsigned)atoi(argv[3]);
	if (!clients || clients > 64 || !ops)
		return 2;
	if (take_ref() != 0)
		return 1;
	t0 = now();
	fflush(NULL);
	for (unsigned c = 0; c < clients; c++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(client(c, ops));
		if (pid < 0)
			return 1;
	}
	for (unsigned c = 0; c < clients; c++) {
		int stt;
		if (wait(&stt) < 0 || !WIFEXITED(stt) || WEXITSTATUS(stt) != 0)
			failed++;
	}
	printf("sev_stress %s: %u clients x %u mixed commands in %.1f s (%.0f commands/s), %u clients saw a wrong or "
	       "missing reply\n",
	       uri, clients, ops, now() - t0, clients * ops / (now() - t0), failed);
	if (psp_open(uri, &p, &e) != 0 || psp_platform_status(p, &st, &e) != 0 || psp_nv_digest(p, nv, &e) != 0) {
		fprintf(stderr, "sev_stress: the platform does not answer afterwards\n");
		return 1;
	}
	psp_close(p);
	if (st.guest_count != ref.guests || memcmp(nv, ref.nv, 32)) {
		fprintf(stderr, "sev_stress: afterwards %u guests (was %u), NV %s\n", st.guest_count, ref.guests,
			memcmp(nv, ref.nv, 32) ? "changed" : "unchanged");
		return 1;
	}
	return failed ? 1 : 0;
}
