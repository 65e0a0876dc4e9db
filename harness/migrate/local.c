/* Both VMMs in one process: the source on the calling thread, the target on its own,
 * joined by a socket pair, so the two platforms work in parallel. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/migrate/migrate.h"

void mig_local_opts_default(struct mig_local_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->size = 16u << 20;
	o->policy = 0x1; /* QEMU's default: NODBG */
	o->verify = true;
	mig_send_opts_default(&o->send);
}

struct target_job {
	struct mig_vm *dst;
	int fd;
	struct mig_recv_opts ro;
	struct mig_stats st;
	struct mig_error err;
	int rc;
};

static void *target_main(void *arg)
{
	struct target_job *j = arg;

	j->rc = mig_receive(j->dst, j->fd, j->fd, &j->ro, &j->st, &j->err);
	/* the source learns of the end from the closed socket if it is still sending */
	shutdown(j->fd, SHUT_RDWR);
	return NULL;
}

int mig_local(struct psp *src, struct psp *dst, const struct mig_local_opts *o, struct mig_stats *sst,
	      struct mig_stats *rst, struct mig_error *err)
{
	struct mig_vm s, d;
	struct mig_certs certs;
	struct target_job job;
	struct mig_send_opts so = o->send;
	struct mig_guestsim *sim = NULL;
	pthread_t thr;
	int sv[2], rc = -1;

	memset(&job, 0, sizeof(job));
	memset(err, 0, sizeof(*err));
	if (mig_local_certs(dst, NULL, &certs, err) != 0)
		return -1;
	if (mig_vm_launch(src, &s, o->size, o->policy, o->vcpus, o->shared, o->seed, err) != 0)
		return -1;
	if (mig_vm_target(dst, &d, o->size, o->vcpus, err) != 0) {
		mig_vm_free(&s);
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(err->step, sizeof(err->step), "socketpair");
		err->page = -1;
		goto out;
	}
	/* Deep socket buffers let both sides work in parallel rather than in lock-step. */
	for (int i = 0; i < 2; i++) {
		int buf = 4 << 20;
		setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
		setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	}
	job.dst = &d;
	job.fd = sv[1];
	job.ro.two_way = true;
	job.ro.own = &certs;
	if (pthread_create(&thr, NULL, target_main, &job) != 0) {
		close(sv[0]);
		close(sv[1]);
		goto out;
	}
	if (o->dirty_rate > 0)
		sim = mig_guestsim_start(&s, o->dirty_rate, o->seed ^ 0x5bd1e995);
	so.two_way = true;
	so.sim = sim;
	rc = mig_send(&s, sv[0], sv[0], &so, sst, err);
	shutdown(sv[0], SHUT_RDWR);
	pthread_join(thr, NULL);
	sst->guest_writes = mig_guestsim_stop(sim);
	close(sv[0]);
	close(sv[1]);
	*rst = job.st;
	if (rc == 0 && job.rc != 0) {
		*err = job.err;
		rc = -1;
	}
	if (rc == 0 && o->verify)
		rc = mig_verify(&s, &d, err);
out:
	mig_vm_free(&d);
	mig_vm_free(&s);
	return rc;
}
