/* sevabi_guest: a plain VMM on the emulated device.  Kernel UAPI headers
 * (<linux/kvm.h>, <linux/psp-sev.h>), emu/drv/swsev_uapi.h and ioctl() only: it opens
 * DEVICE, runs the guest sequence of abi_guest_seq.h on that descriptor (its VM) and
 * prints every result byte, for diffing against `sevabi_ref --guest`.
 *
 *   sevabi_guest DEVICE */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "harness/tests/progs/abi_guest_seq.h"

static int vm_ioctl(void *ctx, unsigned long req, void *arg)
{
	return ioctl(*(int *)ctx, req, arg) < 0 ? -errno : 0;
}

int main(int argc, char **argv)
{
	struct gseq_io io;
	int fd = -1;

	if (argc != 2) {
		fprintf(stderr, "usage: sevabi_guest DEVICE\n");
		return 2;
	}
	for (int i = 0; i < 500 && (fd = open(argv[1], O_RDWR | O_CLOEXEC)) < 0 && errno == ENXIO; i++)
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	if (fd < 0) {
		fprintf(stderr, "sevabi_guest: cannot open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	io.ioctl = vm_ioctl;
	io.ctx = &fd;
	seq_guest(&io, stdout);
	/* Closing the descriptor tears the VM down. */
	close(fd);
	return 0;
}
