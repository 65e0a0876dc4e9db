/* The simulated guest of a live migration: a vCPU thread writing at a steady rate, so
 * the pre-copy rounds have a moving target, with the writes logged as KVM's dirty log
 * would log them. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/migrate/migrate.h"
#include "harness/migrate/stream.h"

struct mig_guestsim {
	struct mig_vm *v;
	double rate;
	uint64_t seed;
	pthread_t thr;
	atomic_int paused, stop;
	atomic_uint_fast64_t writes;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool idle; /* the thread has seen the pause and stopped writing */
};

static void mark_dirty(struct mig_vm *v, size_t pg)
{
	__atomic_fetch_or(&v->dirty[pg / 64], 1ull << (pg % 64), __ATOMIC_RELEASE);
}

static void *run(void *arg)
{
	struct mig_guestsim *s = arg;
	struct mig_vm *v = s->v;
	uint64_t x = s->seed | 1, t0 = mig_now_ns(), done = 0;
	uint8_t page[MIG_PAGE];
	struct psp_err e;

	while (!atomic_load(&s->stop)) {
		uint64_t due, now;
		size_t pg;

		if (atomic_load(&s->paused)) {
			pthread_mutex_lock(&s->lock);
			s->idle = true;
			pthread_cond_broadcast(&s->cond);
			while (atomic_load(&s->paused) && !atomic_load(&s->stop))
				pthread_cond_wait(&s->cond, &s->lock);
			s->idle = false;
			pthread_mutex_unlock(&s->lock);
			t0 = mig_now_ns();
			done = 0;
			continue;
		}
		/* steady rate: sleep until the next write is due */
		due = t0 + (uint64_t)((double)done * 1e9 / s->rate);
		now = mig_now_ns();
		if (due > now) {
			uint64_t d = due - now;
			struct timespec ts = { (time_t)(d / 1000000000u), (long)(d % 1000000000u) };
			nanosleep(&ts, NULL);
			continue;
		}
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		pg = (size_t)(x % v->npages);
		memset(page, (int)(x >> 32), sizeof(page));
		memcpy(page, &x, sizeof(x));
		if (v->shared[pg])
			memcpy(v->mem + pg * MIG_PAGE, page, MIG_PAGE);
		else if (psp_guest_write(v->vm, 0, v->mem + pg * MIG_PAGE, page, MIG_PAGE, &e) != 0) {
			/* not expected while the guest runs (it is paused before SEND_FINISH);
			 * count the write as due so a failing backend costs no busy loop */
			done++;
			continue;
		}
		mark_dirty(v, pg);
		atomic_fetch_add(&s->writes, 1);
		done++;
	}
	return NULL;
}

struct mig_guestsim *mig_guestsim_start(struct mig_vm *v, double pages_per_sec, uint64_t seed)
{
	struct mig_guestsim *s;

	/* The vCPU writes private pages through the guest's own key: the emulator's guest
	 * view.  Without it (a real PSP) there is no guest to simulate. */
	if (pages_per_sec <= 0 || !v->npages || !(psp_caps(v->p) & PSP_CAP_GUEST_VIEW))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->v = v;
	s->rate = pages_per_sec;
	s->seed = seed ? seed : 0x243f6a8885a308d3ull;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	if (pthread_create(&s->thr, NULL, run, s) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

void mig_guestsim_pause(struct mig_guestsim *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	atomic_store(&s->paused, 1);
	pthread_cond_broadcast(&s->cond);
	/* the stop-and-copy round may only start once no write is in flight */
	while (!s->idle)
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
}

void mig_guestsim_resume(struct mig_guestsim *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	atomic_store(&s->paused, 0);
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

uint64_t mig_guestsim_stop(struct mig_guestsim *s)
{
	uint64_t n;

	if (!s)
		return 0;
	pthread_mutex_lock(&s->lock);
	atomic_store(&s->stop, 1);
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thr, NULL);
	n = atomic_load(&s->writes);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
	return n;
}
