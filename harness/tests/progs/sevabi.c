/* sevabi: an existing SEV tool's view of a /dev/sev device.  Only <linux/psp-sev.h>
 * and ioctl(): it runs the platform sequence of abi_seq.h on DEVICE (opened read-write
 * and read-only) and prints every result byte, for diffing against sevabi_ref, which
 * runs the same sequence in-process.
 *
 *   sevabi DEVICE      exit 0 when the sequence ran (whatever the commands returned),
 *                      1 when DEVICE cannot be opened */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "harness/tests/progs/abi_seq.h"

struct dev {
	int rw, ro;
};

static int dev_ioctl(void *ctx, bool ro, unsigned long req, void *arg)
{
	struct dev *d = ctx;

	return ioctl(ro ? d->ro : d->rw, req, arg) < 0 ? -errno : 0;
}

/* A CUSE node exists a moment before it opens (ENXIO). */
static int open_dev(const char *path, int flags)
{
	for (int i = 0; i < 500; i++) {
		int fd = open(path, flags | O_CLOEXEC);
		if (fd >= 0 || errno != ENXIO)
			return fd;
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct dev d;
	struct seq_io io = { dev_ioctl, &d };

	if (argc != 2) {
		fprintf(stderr, "usage: sevabi DEVICE\n");
		return 2;
	}
	d.rw = open_dev(argv[1], O_RDWR);
	d.ro = open_dev(argv[1], O_RDONLY);
	if (d.rw < 0 || d.ro < 0) {
		fprintf(stderr, "sevabi: cannot open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	seq_platform(&io, stdout);
	close(d.rw);
	close(d.ro);
	return 0;
}
