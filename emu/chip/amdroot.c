#include "emu/chip/amdroot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu/crypto/pkey.h"
#include "emu/crypto/symm.h"
#include "emu/nv/tlv.h"

#define ROOT_KIND NV_KIND('A', 'R', 'O', 'T')
#define ROOT_BITS 4096

enum { T_ARK = 1, T_ASK, T_ARK_KEY, T_ASK_KEY };

const uint8_t amd_root_id_prefix[8] = { 0xe6, 0x00, 0x21, 0x22, 0xfb, 0x58, 0x41, 0x93 };

struct amd_root {
	struct amd_cert ark, ask;
	EVP_PKEY *ark_key, *ask_key;
};

void amd_root_free(struct amd_root *r)
{
	if (!r)
		return;
	EVP_PKEY_free(r->ark_key);
	EVP_PKEY_free(r->ask_key);
	free(r);
}

const struct amd_cert *amd_root_ark(const struct amd_root *r)
{
	return &r->ark;
}

const struct amd_cert *amd_root_ask(const struct amd_root *r)
{
	return &r->ask;
}

int amd_root_sign_cek(struct amd_root *r, struct sev_cert *cek, struct rng *rng)
{
	return sev_cert_sign(cek, 0, SEV_USAGE_ASK, SEV_ALGO_RSA_SHA384, r->ask_key, rng);
}

int amd_root_default_dir(char *out, size_t len)
{
	const char *env = getenv("SWSEV_ROOT_DIR"), *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	int n;

	if (env && *env)
		n = snprintf(out, len, "%s", env);
	else if (xdg && *xdg)
		n = snprintf(out, len, "%s/swsev/amd-root", xdg);
	else if (home && *home)
		n = snprintf(out, len, "%s/.local/share/swsev/amd-root", home);
	else
		return -1;
	return n > 0 && (size_t)n < len ? 0 : -1;
}

static struct amd_root *generate(struct rng *rng)
{
	struct amd_root *r = calloc(1, sizeof(*r));
	uint8_t ark_id[16], ask_id[16];

	if (!r)
		return NULL;
	memcpy(ark_id, amd_root_id_prefix, 8);
	if (rng_bytes(rng, ark_id + 8, 8) || rng_bytes(rng, ask_id, 16) ||
	    !(r->ark_key = rsa_generate(rng, ROOT_BITS)) || !(r->ask_key = rsa_generate(rng, ROOT_BITS)) ||
	    amd_cert_build(&r->ark, ark_id, ark_id, AMD_USAGE_ARK, r->ark_key) ||
	    amd_cert_sign(&r->ark, r->ark_key, rng) ||
	    amd_cert_build(&r->ask, ask_id, ark_id, AMD_USAGE_ASK, r->ask_key) ||
	    amd_cert_sign(&r->ask, r->ark_key, rng)) {
		amd_root_free(r);
		return NULL;
	}
	return r;
}

static int put_key(struct tlv_writer *w, uint16_t tag, EVP_PKEY *k)
{
	uint8_t *der;
	size_t len;

	if (pkey_to_der(k, &der, &len) != 0)
		return -1;
	tlv_put(w, tag, der, len);
	secure_free(der, len);
	return 0;
}

static int parse(const uint8_t *p, size_t n, struct amd_root *r)
{
	const uint8_t *v;
	size_t vlen;
	const char *why;

	if (tlv_check(p, n))
		return -1;
	if (!(v = tlv_find(p, n, T_ARK, &vlen)) || amd_cert_parse(v, vlen, &r->ark, &why) != vlen)
		return -1;
	if (!(v = tlv_find(p, n, T_ASK, &vlen)) || amd_cert_parse(v, vlen, &r->ask, &why) != vlen)
		return -1;
	if (!(v = tlv_find(p, n, T_ARK_KEY, &vlen)) || !(r->ark_key = pkey_from_der(v, vlen)))
		return -1;
	if (!(v = tlv_find(p, n, T_ASK_KEY, &vlen)) || !(r->ask_key = pkey_from_der(v, vlen)))
		return -1;
	return 0;
}

enum nv_result amd_root_open(const char *dir, struct rng *rng, struct amd_root **out, char *msg, size_t msglen)
{
	struct nv_store *s = NULL;
	struct amd_root *r = NULL;
	struct tlv_writer w = { 0 };
	uint8_t *data = NULL;
	size_t len = 0;
	enum nv_result res;

	*out = NULL;
	/* The root is shared by every platform of a user and held only while one of them
	 * reads or creates it; creating means RSA-4096 key generation (seconds), so a
	 * second process waits for the first rather than failing. */
	for (int tries = 0;; tries++) {
		struct timespec nap = { 0, 50 * 1000000 };
		res = nv_store_open(dir, rng != NULL, &s, msg, msglen);
		if (res != NV_LOCKED || tries >= 1200)
			break;
		nanosleep(&nap, NULL);
	}
	if (res != NV_OK)
		return res;
	res = nv_store_read(s, "root", ROOT_KIND, &data, &len, msg, msglen);
	if (res == NV_OK) {
		r = calloc(1, sizeof(*r));
		if (!r || parse(data, len, r) != 0) {
			snprintf(msg, msglen, "%s/root: not a valid emulated AMD root", dir);
			amd_root_free(r);
			r = NULL;
			res = NV_CORRUPT;
		}
		secure_free(data, len);
	} else if (res == NV_NOENT && rng) {
		r = generate(rng);
		if (!r) {
			snprintf(msg, msglen, "%s: generating the emulated AMD root failed", dir);
			res = NV_IO;
		} else {
			tlv_put(&w, T_ARK, r->ark.raw, r->ark.len);
			tlv_put(&w, T_ASK, r->ask.raw, r->ask.len);
			if (put_key(&w, T_ARK_KEY, r->ark_key) || put_key(&w, T_ASK_KEY, r->ask_key) || w.failed) {
				snprintf(msg, msglen, "%s: cannot serialize the emulated AMD root", dir);
				res = NV_IO;
			} else {
				res = nv_store_write(s, "root", ROOT_KIND, w.p, w.len, msg, msglen);
			}
			tlv_writer_free(&w);
			if (res != NV_OK) {
				amd_root_free(r);
				r = NULL;
			}
		}
	}
	nv_store_close(s);
	*out = r;
	return res;
}
