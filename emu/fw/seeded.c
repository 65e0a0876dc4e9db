/* Deterministic mode's window on the firmware's secrets (fw.h).  A seeded platform's
 * keys are a function of its seed, so anyone holding the seed can recompute them:
 * handing them out costs no secrecy, and it lets the conformance vectors publish the
 * ECDH secrets and transport keys of a seeded run so that other implementations can
 * check every MAC and ciphertext in it.  A platform on OS randomness never answers. */
#include "emu/crypto/pkey.h"
#include "emu/fw/fw_priv.h"

int fw_seeded_pdh_private(struct fw *fw, uint8_t d_be[48])
{
	if (!fw || !d_be || !rng_is_seeded(fw->rng) || !fw->nv.have_pdh || !fw->nv.pdh_key)
		return -1;
	return ec_p384_private_bytes(fw->nv.pdh_key, d_be);
}
