/* sevabi_ref: the reference side of the byte-for-byte comparisons.  Makes (or opens) the
 * platform in DIR from SEED in this process and runs the sequences of abi_seq.h /
 * abi_guest_seq.h on it, either straight into the driver (as the in-process backend
 * does) or, with --model, through the CUSE round engine under a model of the kernel
 * (kmodel.h): the same bytes must come out.  --guest runs the guest sequence after the
 * platform one (sevabi then sevabi_guest on the device).
 *
 *   sevabi_ref [--model] [--guest] --state DIR --seed HEX
 *   sevabi_ref --create --state DIR --seed HEX    only make the platform
 *   --root DIR: the emulated AMD root (default: DIR/amd-root, as for any seeded chip)
 *
 * Run it on a copy of the state directory the device under test serves (or a fresh one
 * made from the same seed), and diff its output with sevabi / sevabi_guest. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/drv/drv.h"
#include "emu/xport/plat.h"
#include "harness/tests/progs/abi_guest_seq.h"
#include "harness/tests/progs/kmodel.h"

struct ref {
	struct drv_file *rw, *ro;
	bool model;
	struct kmodel krw, kro;
};

static int ref_ioctl(void *ctx, bool ro, unsigned long req, void *arg)
{
	struct ref *r = ctx;

	if (r->model)
		return km_ioctl(ro ? &r->kro : &r->krw, (unsigned int)req, arg);
	return (int)drv_ioctl(ro ? r->ro : r->rw, (unsigned int)req, (uintptr_t)arg, uaccess_local());
}

static int ref_vm_ioctl(void *ctx, unsigned long req, void *arg)
{
	return ref_ioctl(ctx, false, req, arg);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "model", no_argument, NULL, 'm' }, { "guest", no_argument, NULL, 'g' }, { "create", no_argument, NULL, 'c' },
		{ "root", required_argument, NULL, 'r' },
		{ "state", required_argument, NULL, 's' }, { "seed", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct xp_plat pl;
	struct xp_stats stats;
	struct ref r = { 0 };
	bool guest = false, create = false;
	char msg[600];
	struct drv *d;
	int c;

	xp_plat_init(&pl);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm': r.model = true; break;
		case 'g': guest = true; break;
		case 'c': create = true; break;
		case 'r': snprintf(pl.root_dir, sizeof(pl.root_dir), "%s", optarg); break;
		case 's': snprintf(pl.state_dir, sizeof(pl.state_dir), "%s", optarg); break;
		case 'S':
			if (xp_plat_set(&pl, "seed", optarg, msg, sizeof(msg)) != 0) {
				fprintf(stderr, "sevabi_ref: %s\n", msg);
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: sevabi_ref [--model] [--guest] [--create] [--root DIR] --state DIR --seed HEX\n");
			return 2;
		}
	}
	if (!pl.state_dir[0]) {
		fprintf(stderr, "usage: sevabi_ref [--model] [--guest] [--create] [--root DIR] --state DIR --seed HEX\n");
		return 2;
	}
	if (!(d = xp_plat_open(&pl, msg, sizeof(msg)))) {
		fprintf(stderr, "sevabi_ref: %s\n", msg);
		return 1;
	}
	xp_plat_clear(&pl);
	if (create) {
		drv_free(d);
		return 0;
	}
	/* As the daemon does for its callers: privileged when root. */
	r.rw = drv_open(d, true, geteuid() == 0);
	r.ro = drv_open(d, false, geteuid() == 0);
	xp_stats_init(&stats, SWSEV_XPORT_CUSE, XP_CUSE_MAX_IOCTL);
	r.krw = (struct kmodel){ .f = r.rw, .stats = &stats, .pid = 1, .max = XP_CUSE_MAX_IOCTL };
	r.kro = (struct kmodel){ .f = r.ro, .stats = &stats, .pid = 2, .max = XP_CUSE_MAX_IOCTL };
	{
		struct seq_io io = { ref_ioctl, &r };
		seq_platform(&io, stdout);
	}
	if (guest) {
		struct gseq_io io = { ref_vm_ioctl, &r };
		seq_guest(&io, stdout);
	}
	fflush(stdout);
	drv_release(r.rw);
	drv_release(r.ro);
	drv_free(d);
	if (r.model)
		fprintf(stderr, "sevabi_ref: %llu ioctls in %llu FUSE requests (model)\n",
			(unsigned long long)stats.s.ioctls, (unsigned long long)stats.s.rounds);
	return 0;
}
