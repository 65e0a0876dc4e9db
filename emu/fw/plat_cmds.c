/* Platform commands (spec §2.1), in the published firmware's check order. */
#include <stdlib.h>
#include <string.h>

#include "emu/crypto/pkey.h"
#include "emu/fw/buffers.h"
#include "emu/fw/fw_priv.h"
#include "emu/util/bytes.h"

/* INIT and INIT_EX (sev_mcmd_init_common). */
static uint32_t init_common(struct fw *fw, uint32_t flags, uint64_t tmr_paddr, uint32_t tmr_len,
			    const char *cmd)
{
	struct fw_persist p;
	bool update = false;
	uint32_t st = SEV_STATUS_SUCCESS;

	if ((st = fw_persist_load(fw)) != SEV_STATUS_SUCCESS)
		goto fail;
	if ((st = fw_cek_derive(fw)) != SEV_STATUS_SUCCESS)
		goto fail;

	/* Missing OCA: a new self-signed one, and the PEK goes with the old OCA; missing
	 * PEK: a new one, and the PDH goes with it; missing PDH: a new one.  An existing
	 * PDH is kept (the code's behaviour; the spec text says "always new"). */
	if (fw_persist_copy(&p, &fw->nv) != 0) {
		st = fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "%s: out of memory", cmd);
		goto fail;
	}
	if (!p.have_oca) {
		if ((st = fw_gen_oca(fw, &p)) != SEV_STATUS_SUCCESS)
			goto fail_p;
		p.have_pek = false;
		update = true;
	}
	if (!p.have_pek) {
		if ((st = fw_gen_pek(fw, &p)) != SEV_STATUS_SUCCESS)
			goto fail_p;
		p.have_pdh = false;
		update = true;
	}
	if (!p.have_pdh) {
		if ((st = fw_gen_pdh(fw, &p)) != SEV_STATUS_SUCCESS)
			goto fail_p;
		update = true;
	}
	if (update && (st = fw_persist_save(fw, &p)) != SEV_STATUS_SUCCESS)
		goto fail_p;
	fw_persist_clear(&fw->nv);
	fw->nv = p;

	/* Every ASID dirty on every core until WBINVD + DF_FLUSH. */
	fw_asids_mark_all_dirty(fw);

	if (flags & SEV_INIT_FLAG_ES) {
		if (!is_aligned(tmr_paddr, FW_TMR_LEN)) {
			st = fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "%s: TMR address 0x%llx is not 1 MiB aligned", cmd,
				     (unsigned long long)tmr_paddr);
			goto fail;
		}
		if (tmr_len != FW_TMR_LEN) {
			st = fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "%s: TMR length 0x%x != 0x%x", cmd, tmr_len,
				     FW_TMR_LEN);
			goto fail;
		}
	}
	fw->state = FW_PLAT_INIT;
	fw->config_flags = (uint16_t)flags;
	fw->es_tmr_ready = false;
	return SEV_STATUS_SUCCESS;

fail_p:
	fw_persist_clear(&p);
fail:
	/* Back to the shutdown condition (exit_sev_init_invalid). */
	fw_persist_clear(&fw->nv);
	EVP_PKEY_free(fw->cek_key);
	fw->cek_key = NULL;
	return st;
}

uint32_t fw_init(struct fw *fw, void *buf)
{
	struct fwb_init *b = buf;

	if (fw->state != FW_PLAT_UNINIT)
		return fw_fail(fw, SEV_STATUS_INVALID_PLATFORM_STATE, "INIT: platform is %s, not UNINIT",
			       fw_plat_state_name(fw->state));
	if ((b->flags & ~SEV_INIT_FLAG_ES) || b->reserved)
		return fw_fail(fw, SEV_STATUS_INVALID_CONFIG, "INIT: flags 0x%x / reserved 0x%x: only bit 0 (ES) may be set",
			       b->flags, b->reserved);
	if ((b->flags & SEV_INIT_FLAG_ES) && !fw->cfg.es)
		return fw_fail(fw, SEV_STATUS_INVALID_CONFIG, "INIT: CONFIG.ES requested but this part has no SEV-ES");
	fw->init_ex = false;
	return init_common(fw, b->flags, b->tmr_paddr, b->tmr_length, "INIT");
}

uint32_t fw_init_ex(struct fw *fw, void *buf)
{
	struct fwb_init_ex *b = buf;

	if (fw->state != FW_PLAT_UNINIT)
		return fw_fail(fw, SEV_STATUS_INVALID_PLATFORM_STATE, "INIT_EX: platform is %s, not UNINIT",
			       fw_plat_state_name(fw->state));
	if ((b->flags & ~SEV_INIT_FLAG_ES) || b->reserved)
		return fw_fail(fw, SEV_STATUS_INVALID_CONFIG, "INIT_EX: flags 0x%x / reserved 0x%x: only bit 0 (ES) may be set",
			       b->flags, b->reserved);
	if ((b->flags & SEV_INIT_FLAG_ES) && !fw->cfg.es)
		return fw_fail(fw, SEV_STATUS_INVALID_CONFIG, "INIT_EX: CONFIG.ES requested but this part has no SEV-ES");
	if (b->length != sizeof(*b))
		return fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "INIT_EX: length field %u != %zu", b->length, sizeof(*b));
	if (b->nv_paddr) {
		if (!is_aligned(fw_pa(fw, b->nv_paddr), 4096))
			return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "INIT_EX: NV buffer 0x%llx is not 4 KiB aligned",
				       (unsigned long long)b->nv_paddr);
		if (b->nv_length != FW_NV_LEN)
			return fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "INIT_EX: NV length 0x%x != 0x%x", b->nv_length,
				       FW_NV_LEN);
		if ((b->flags & SEV_INIT_FLAG_ES) &&
		    fw_pa(fw, b->tmr_paddr) < fw_pa(fw, b->nv_paddr) + FW_NV_LEN &&
		    fw_pa(fw, b->nv_paddr) < fw_pa(fw, b->tmr_paddr) + FW_TMR_LEN)
			return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "INIT_EX: TMR and NV buffer overlap");
		fw->init_ex = true;
		fw->nv_paddr = b->nv_paddr;
	} else {
		/* nv_paddr 0 selects the SPI flash, as INIT does. */
		fw->init_ex = false;
	}
	return init_common(fw, b->flags, b->tmr_paddr, b->tmr_length, "INIT_EX");
}

uint32_t fw_shutdown(struct fw *fw, void *buf)
{
	(void)buf;
	/* Any state: decommission every guest, free the TMR, forget the keys in RAM. */
	fw_guests_clear_all(fw);
	fw_persist_clear(&fw->nv);
	EVP_PKEY_free(fw->cek_key);
	fw->cek_key = NULL;
	fw->guest_count = 0;
	fw->config_flags = 0;
	fw->es_tmr_ready = false;
	fw->state = FW_PLAT_UNINIT;
	return SEV_STATUS_SUCCESS;
}

uint32_t fw_platform_reset(struct fw *fw, void *buf)
{
	uint32_t st = SEV_STATUS_SUCCESS;

	(void)buf;
	if (fw->state != FW_PLAT_UNINIT)
		return fw_fail(fw, SEV_STATUS_INVALID_PLATFORM_STATE, "PLATFORM_RESET: platform is %s, not UNINIT",
			       fw_plat_state_name(fw->state));
	/* Deletes OCA, PEK, PDH and ownership; the chip identity (CUK, CEK) stays. */
	st = fw_persist_erase(fw);
	fw->init_ex = false;
	return st;
}

uint32_t fw_platform_status(struct fw *fw, void *buf)
{
	struct fwb_platform_status *b = buf;

	memset(b, 0, sizeof(*b));
	b->api_major = fw->cfg.api_major;
	b->api_minor = fw->cfg.api_minor;
	b->build = fw->cfg.build;
	b->state = (uint8_t)fw->state;
	/* owner, CONFIG.ES and guest_count mean nothing before INIT and read as 0 */
	if (fw->state != FW_PLAT_UNINIT) {
		b->flags = fw->nv.owner_external ? SEV_PLAT_FLAG_OWNER : 0;
		b->config = fw->config_flags & SEV_INIT_FLAG_ES;
		b->guest_count = fw->guest_count;
	}
	return SEV_STATUS_SUCCESS;
}

uint32_t fw_pek_gen(struct fw *fw, void *buf)
{
	struct fw_persist p;
	uint32_t st = SEV_STATUS_SUCCESS;

	(void)buf;
	if (fw->state != FW_PLAT_INIT)
		return fw_fail(fw, SEV_STATUS_INVALID_PLATFORM_STATE, "PEK_GEN: platform is %s, not INIT",
			       fw_plat_state_name(fw->state));
	/* New OCA (self-owned again), PEK and PDH; committed only once saved. */
	if (fw_persist_copy(&p, &fw->nv) != 0)
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "PEK_GEN: out of memory");
	if ((st = fw_gen_oca(fw, &p)) || (st = fw_gen_pek(fw, &p)) || (st = fw_gen_pdh(fw, &p)) ||
	    (st = fw_persist_save(fw, &p))) {
		fw_persist_clear(&p);
		return st;
	}
	fw_persist_clear(&fw->nv);
	fw->nv = p;
	return SEV_STATUS_SUCCESS;
}

uint32_t fw_pek_csr(struct fw *fw, void *buf)
{
	struct fwb_addr_len *b = buf;
	struct sev_cert csr;

	if (fw->state != FW_PLAT_INIT && fw->state != FW_PLAT_WORKING)
		return fw_fail(fw, SEV_STATUS_INVALID_PLATFORM_STATE, "PEK_CSR: platform is %s, not INIT or WORKING",
			       fw_plat_state_name(fw->state));
	if (b->len < SEV_CERT_LEN) {
		uint32_t given = b->len;
		b->len = SEV_CERT_LEN;
		return fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "PEK_CSR: csr_len %u < 0x%x", given, SEV_CERT_LEN);
	}
	/* The current PEK body with both signature slots empty. */
	memcpy(csr.raw, fw->nv.pek_cert.raw, SEV_CERT_BODY_LEN);
	memset(csr.raw + SEV_CERT_BODY_LEN, 0, SEV_CERT_LEN - SEV_CERT_BODY_LEN);
	sev_cert_clear_sig(&csr, 0);
	sev_cert_clear_sig(&csr, 1);
	if (fw_write(fw, b->paddr, csr.raw, SEV_CERT_LEN) != 0)
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "PEK_CSR: CSR buffer 0x%llx not writable",
			       (unsigned long long)b->paddr);
	b->len = SEV_CERT_LEN;
	return SEV_STATUS_SUCCESS;
}

uint32_t fw_pek_cert_import(struct fw *fw, void *buf)
{
	struct fwb_pek_cert_import *b = buf;
	struct sev_cert pek, oca;
	struct sev_pubkey oca_pub = { 0 };
	struct fw_persist p;
	const char *why = NULL;
	uint32_t st = SEV_STATUS_SUCCESS;
	int slot, cek_slot;

	if (fw->state != FW_PLAT_INIT)
		return fw_fail(fw, SEV_STATUS_INVALID_PLATFORM_STATE, "PEK_CERT_IMPORT: platform is %s, not INIT",
			       fw_plat_state_name(fw->state));
	if (fw->nv.owner_external)
		return fw_fail(fw, SEV_STATUS_ALREADY_OWNED,
			       "PEK_CERT_IMPORT: platform is already externally owned (PEK_GEN or PLATFORM_RESET first)");
	if (b->pek_cert_len != SEV_CERT_LEN || b->oca_cert_len != SEV_CERT_LEN)
		return fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "PEK_CERT_IMPORT: pek_cert_len %u / oca_cert_len %u != 0x%x",
			       b->pek_cert_len, b->oca_cert_len, SEV_CERT_LEN);
	if (fw_read(fw, b->pek_cert_paddr, pek.raw, SEV_CERT_LEN) != 0 ||
	    fw_read(fw, b->oca_cert_paddr, oca.raw, SEV_CERT_LEN) != 0)
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "PEK_CERT_IMPORT: certificate buffers not readable");

	/* OCA self-signed, PEK signed by that OCA. */
	st = sev_cert_pubkey(&oca, &oca_pub, &why);
	if (st == SEV_STATUS_SUCCESS)
		st = sev_cert_validate(&oca, &oca_pub, &why);
	if (st != SEV_STATUS_SUCCESS) {
		sev_pubkey_clear(&oca_pub);
		return fw_fail(fw, st, "PEK_CERT_IMPORT: OCA certificate: %s", why);
	}
	st = sev_cert_validate(&pek, &oca_pub, &why);
	sev_pubkey_clear(&oca_pub);
	if (st != SEV_STATUS_SUCCESS)
		return fw_fail(fw, st, "PEK_CERT_IMPORT: PEK certificate: %s", why);
	/* The body must be the one this firmware issued (PEK_CSR). */
	if (memcmp(pek.raw, fw->nv.pek_cert.raw, SEV_CERT_BODY_LEN) != 0)
		return fw_fail(fw, SEV_STATUS_INVALID_CERTIFICATE,
			       "PEK_CERT_IMPORT: PEK body differs from this platform's PEK (not from its PEK_CSR)");
	/* Carry our CEK signature over into the first empty slot. */
	cek_slot = sev_cert_sig_usage(&fw->nv.pek_cert, 0) == SEV_USAGE_CEK ? 0
		 : sev_cert_sig_usage(&fw->nv.pek_cert, 1) == SEV_USAGE_CEK ? 1 : -1;
	slot = sev_cert_empty_slot(&pek);
	if (cek_slot < 0 || slot < 0)
		return fw_fail(fw, SEV_STATUS_INVALID_CERTIFICATE,
			       "PEK_CERT_IMPORT: PEK has no empty signature slot for the CEK signature");
	memcpy(pek.raw + SEV_CERT_OFF_SIG(slot), fw->nv.pek_cert.raw + SEV_CERT_OFF_SIG(cek_slot), 0x208);

	if (fw_persist_copy(&p, &fw->nv) != 0)
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "PEK_CERT_IMPORT: out of memory");
	p.pek_cert = pek;
	p.oca_cert = oca;
	p.have_oca = true;
	EVP_PKEY_free(p.oca_key);
	p.oca_key = NULL; /* the owner keeps the OCA key */
	p.owner_external = true;
	if ((st = fw_gen_pdh(fw, &p)) || (st = fw_persist_save(fw, &p))) {
		fw_persist_clear(&p); /* the previous state stays in force */
		return st;
	}
	fw_persist_clear(&fw->nv);
	fw->nv = p;
	return SEV_STATUS_SUCCESS;
}

uint32_t fw_pdh_cert_export(struct fw *fw, void *buf)
{
	struct fwb_pdh_cert_export *b = buf;
	uint8_t chain[SEV_CERT_CHAIN_LEN];
	struct sev_cert cek;

	if (fw->state != FW_PLAT_INIT && fw->state != FW_PLAT_WORKING)
		return fw_fail(fw, SEV_STATUS_INVALID_PLATFORM_STATE, "PDH_CERT_EXPORT: platform is %s, not INIT or WORKING",
			       fw_plat_state_name(fw->state));
	if (b->pdh_cert_len < SEV_CERT_LEN || b->cert_chain_len < SEV_CERT_CHAIN_LEN) {
		uint32_t pl = b->pdh_cert_len, cl = b->cert_chain_len;
		b->pdh_cert_len = SEV_CERT_LEN;
		b->cert_chain_len = SEV_CERT_CHAIN_LEN;
		return fw_fail(fw, SEV_STATUS_INVALID_LENGTH,
			       "PDH_CERT_EXPORT: pdh_cert_len %u < 0x%x or cert_chain_len %u < 0x%x", pl, SEV_CERT_LEN,
			       cl, SEV_CERT_CHAIN_LEN);
	}
	/* PEK || OCA || CEK, the CEK unsigned (the signed one comes from AMD's KDS). */
	if (fw_cek_cert(fw, &cek) != 0)
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "PDH_CERT_EXPORT: CEK unavailable");
	memcpy(chain, fw->nv.pek_cert.raw, SEV_CERT_LEN);
	memcpy(chain + SEV_CERT_LEN, fw->nv.oca_cert.raw, SEV_CERT_LEN);
	memcpy(chain + 2 * SEV_CERT_LEN, cek.raw, SEV_CERT_LEN);
	if (fw_write(fw, b->pdh_cert_paddr, fw->nv.pdh_cert.raw, SEV_CERT_LEN) != 0 ||
	    fw_write(fw, b->cert_chain_paddr, chain, SEV_CERT_CHAIN_LEN) != 0)
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "PDH_CERT_EXPORT: output buffers not writable");
	b->pdh_cert_len = SEV_CERT_LEN;
	b->cert_chain_len = SEV_CERT_CHAIN_LEN;
	return SEV_STATUS_SUCCESS;
}

uint32_t fw_pdh_gen(struct fw *fw, void *buf)
{
	struct fw_persist p;
	uint32_t st = SEV_STATUS_SUCCESS;

	(void)buf;
	if (fw->state != FW_PLAT_INIT && fw->state != FW_PLAT_WORKING)
		return fw_fail(fw, SEV_STATUS_INVALID_PLATFORM_STATE, "PDH_GEN: platform is %s, not INIT or WORKING",
			       fw_plat_state_name(fw->state));
	/* Running guests keep the channels they already have. */
	if (fw_persist_copy(&p, &fw->nv) != 0)
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "PDH_GEN: out of memory");
	if ((st = fw_gen_pdh(fw, &p)) || (st = fw_persist_save(fw, &p))) {
		fw_persist_clear(&p);
		return st;
	}
	fw_persist_clear(&fw->nv);
	fw->nv = p;
	return SEV_STATUS_SUCCESS;
}

uint32_t fw_download_firmware(struct fw *fw, void *buf)
{
	struct fwb_addr_len *b = buf;

	if (fw->state != FW_PLAT_UNINIT)
		return fw_fail(fw, SEV_STATUS_INVALID_PLATFORM_STATE, "DOWNLOAD_FIRMWARE: platform is %s, not UNINIT",
			       fw_plat_state_name(fw->state));
	if (!is_aligned(fw_pa(fw, b->paddr), 32))
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "DOWNLOAD_FIRMWARE: image 0x%llx not 32-byte aligned",
			       (unsigned long long)b->paddr);
	/* An emulated PSP has no image to replace. */
	return fw_fail(fw, SEV_STATUS_UNSUPPORTED, "DOWNLOAD_FIRMWARE: the emulated firmware cannot be updated");
}

uint32_t fw_get_id(struct fw *fw, void *buf)
{
	struct fwb_addr_len *b = buf;
	uint8_t id[2 * FW_ID_LEN];
	uint32_t n = FW_ID_LEN;

	/* Any state. */
	if (b->len < FW_ID_LEN) {
		uint32_t given = b->len;
		b->len = FW_ID_LEN;
		return fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "GET_ID: id_len %u < %u", given, FW_ID_LEN);
	}
	if (ec_secp256k1_public_xy(fw->id.cuk, id) != 0)
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "GET_ID: cannot compute the chip ID");
	if (fw->cfg.two_sockets && b->len == 2 * FW_ID_LEN) {
		/* The second socket's ID: the same construction over a second chip key. */
		uint8_t cuk2[32];
		sha256(fw->id.cuk, sizeof(fw->id.cuk), cuk2);
		if (ec_secp256k1_public_xy(cuk2, id + FW_ID_LEN) != 0) {
			secure_zero(cuk2, sizeof(cuk2));
			return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "GET_ID: cannot compute the chip ID");
		}
		secure_zero(cuk2, sizeof(cuk2));
		n = 2 * FW_ID_LEN;
	}
	if (fw_write(fw, b->paddr, id, n) != 0)
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "GET_ID: ID buffer 0x%llx not writable",
			       (unsigned long long)b->paddr);
	b->len = n;
	return SEV_STATUS_SUCCESS;
}

uint32_t fw_nop(struct fw *fw, void *buf)
{
	(void)fw;
	(void)buf;
	return SEV_STATUS_SUCCESS;
}
