/* psp/ internals: transports (how descriptors of an /dev/sev-ABI device are reached)
 * and VM implementations (the emulated device's own ioctls, or KVM). */
#ifndef SWSEV_PSP_PRIV_H
#define SWSEV_PSP_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "psp/psp.h"

struct psp_transport {
	const char *name;
	/* A new descriptor on the device (platform commands, or one VM). */
	int (*open)(struct psp *p, bool writable, void **file, struct psp_err *err);
	void (*close)(struct psp *p, void *file);
	/* The ioctl: 0 or -errno. */
	int (*ioctl)(struct psp *p, void *file, unsigned long req, void *arg);
	/* Why the descriptor's last ioctl failed, when the transport knows without asking
	 * the device (in-process); NULL otherwise. */
	void (*reason)(struct psp *p, void *file, char *buf, size_t len);
	void (*fini)(struct psp *p);
};

struct psp_vm_impl {
	int (*create)(struct psp_vm *vm, struct psp_err *err);
	void (*destroy)(struct psp_vm *vm);
	int (*op)(struct psp_vm *vm, struct kvm_sev_cmd *cmd); /* 0 or -errno */
	int (*region)(struct psp_vm *vm, struct kvm_enc_region *r, bool reg);
	int (*vcpus)(struct psp_vm *vm, void *const *vmsa, unsigned n);
};

struct psp {
	char uri[512];
	const char *backend;
	unsigned caps;
	const struct psp_transport *t;
	const struct psp_vm_impl *vmi;
	void *tctx;
	void *file;        /* the platform descriptor */
	bool writable;
	size_t max_xfer;   /* split guest-memory transfers into calls of at most this (0: don't) */
	int kvm_fd;        /* kvm: backend */
	unsigned long kvm_vm_type; /* kvm: KVM_CREATE_VM type (vm-type=) */
	struct psp_vm *vms;
};

struct psp_vm {
	struct psp *p;
	void *file;  /* emulated device: this VM's own descriptor */
	int vm_fd;   /* kvm */
	int *vcpu_fds;
	unsigned nvcpus;
	struct psp_vm *next;
};

/* Fills err after a failed ioctl on file: errno, firmware status, reason. */
int psp_fail_ioctl(struct psp *p, void *file, int rc, uint32_t fw, bool fw_set, const char *what,
		   struct psp_err *err);
int psp_fail(struct psp_err *err, int e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void psp_err_clear(struct psp_err *err);

/* A control ioctl on the platform descriptor (emulated devices). */
int psp_ctl_call(struct psp *p, void *file, void *ctl, struct psp_err *err);

extern const struct psp_transport psp_transport_emu;
extern const struct psp_transport psp_transport_dev;
extern const struct psp_transport psp_transport_unix;
extern const struct psp_vm_impl psp_vm_devabi;
extern const struct psp_vm_impl psp_vm_kvm;

/* Backend constructors: parse the rest of the URI, set transport, caps, tctx. */
int psp_emu_init(struct psp *p, const char *spec, struct psp_err *err);
int psp_dev_init(struct psp *p, const char *path, struct psp_err *err);
int psp_unix_init(struct psp *p, const char *path, struct psp_err *err);
int psp_kvm_init(struct psp *p, const char *sev_path, struct psp_err *err);
/* Opens a /dev/sev-ABI device (path?ro) as the platform descriptor; probes whether it is
 * the emulated one. */
int psp_dev_attach(struct psp *p, const char *spec, struct psp_err *err);
/* The descriptor number behind a file of the dev transport. */
int psp_dev_fd(void *file);

/* Splits latency-profile=FILE off a URI: rest is the URI without it, profile "" when
 * absent.  -1 when something does not fit. */
int psp_uri_take_profile(const char *uri, char *rest, size_t rest_len, char *profile, size_t profile_len);

/* URI options "a=b&c" after '?': calls fn(key, value) (value "" when absent). */
int psp_parse_opts(const char *opts, int (*fn)(void *ctx, const char *k, const char *v), void *ctx);

/* URI options: "ro" and "ro=1" are true; the parser for backends whose only option
 * is ro (ctx: a bool). */
bool psp_opt_true(const char *v);
int psp_opt_ro(void *ctx, const char *k, const char *v);

#endif
