/* unix:PATH — placeholder until the socket transport lands. */
#include <errno.h>

#include "psp/psp_priv.h"

const struct psp_transport psp_transport_unix = { "unix", NULL, NULL, NULL, NULL, NULL };

int psp_unix_init(struct psp *p, const char *path, struct psp_err *err)
{
	(void)p;
	return psp_fail(err, ENOTSUP, "unix:%s: the socket transport is not built yet", path);
}
