/* The lab-host scripts, on a machine that is not a lab host: lab-run.sh --dry-run
 * prints the whole plan and exits 0; lab-check.sh judges faked hosts (LAB_SYSROOT)
 * right and says what is missing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/testlib/testlib.h"

/* Runs a shell command line; its output (up to len) in out; the exit status. */
static int run(const char *cmd, char *out, size_t len)
{
	FILE *f = popen(cmd, "r");
	size_t n = 0, r;
	int st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (n + 1 < len && (r = fread(out + n, 1, len - 1 - n, f)) > 0)
		n += r;
	out[n] = '\0';
	while (fgetc(f) != EOF)
		;
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *shell(void)
{
	/* The scripts are POSIX sh: dash when there is one, as Debian's /bin/sh. */
	return access("/usr/bin/dash", X_OK) == 0 ? "/usr/bin/dash" : "/bin/sh";
}

static void want(const char *out, const char *s)
{
	if (!strstr(out, s)) {
		fprintf(stderr, "\nmissing '%s' in:\n%s\n", s, out);
		CU_FAIL("output");
	}
}

static void lab_run_dry_run(void)
{
	static char out[16384];
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "cd '%s' && %s scripts/lab-run.sh --dry-run --destructive --out /nonexistent/r 2>&1",
		 test_srcdir(), shell());
	CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
	want(out, "dry run");
	want(out, "lab-check.sh");
	want(out, "bench latency --backend kvm:/dev/sev --out /nonexistent/r/latency.profile");
	want(out, "SWSEV_BACKEND=kvm:/dev/sev SWSEV_BACKEND2=kvm:/dev/sev");
	want(out, "tests/conformance");
	want(out, "bench migrate --backend kvm:/dev/sev --backend2 kvm:/dev/sev");
	want(out, "latency-profile=/nonexistent/r/latency.profile");
	want(out, "SWSEV_DESTRUCTIVE=1");
	want(out, "destroy");
	want(out, "6 steps planned");
	/* nothing written */
	CU_ASSERT_NOT_EQUAL(access("/nonexistent/r", F_OK), 0);

	snprintf(cmd, sizeof(cmd), "cd '%s' && %s scripts/lab-run.sh --dry-run --frobnicate 2>&1", test_srcdir(),
		 shell());
	CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 2);
	snprintf(cmd, sizeof(cmd), "cd '%s' && %s scripts/lab-run.sh --dry-run --yes-really-destroy-platform-state",
		 test_srcdir(), shell());
	strncat(cmd, " 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 2);
}

static void put(const char *root, const char *rel, const char *text)
{
	char path[1024], dir[1024], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	for (slash = strchr(dir + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static int check_host(const char *root, char *out, size_t len)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "LAB_SYSROOT='%s' %s '%s/scripts/lab-check.sh' 2>&1", root, shell(), test_srcdir());
	return run(cmd, out, len);
}

static void lab_check_judges_hosts(void)
{
	static char out[8192];
	const char *root = test_tmpdir("labhost");
	char dev[1024];

	/* An SEV host: the device nodes stand in as links to /dev/null (a char device). */
	put(root, "proc/cpuinfo", "vendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7763 64-Core Processor\n"
				  "flags\t\t: fpu sme sev sev_es svm\n");
	put(root, "sys/module/kvm_amd/parameters/sev", "Y\n");
	put(root, "sys/module/kvm_amd/parameters/sev_es", "Y\n");
	put(root, "sys/fs/cgroup/misc.capacity", "sev 410\nsev_es 99\n");
	snprintf(dev, sizeof(dev), "%s/dev", root);
	mkdir(dev, 0755);
	snprintf(dev, sizeof(dev), "%s/dev/kvm", root);
	CU_ASSERT_EQUAL(symlink("/dev/null", dev), 0);
	snprintf(dev, sizeof(dev), "%s/dev/sev", root);
	CU_ASSERT_EQUAL(symlink("/dev/null", dev), 0);
	CU_ASSERT_EQUAL(check_host(root, out, sizeof(out)), 0);
	want(out, "ready for kvm:/dev/sev");
	want(out, "SEV ASIDs: 410, SEV-ES ASIDs: 99");

	/* kvm_amd without SEV */
	put(root, "sys/module/kvm_amd/parameters/sev", "N\n");
	CU_ASSERT_EQUAL(check_host(root, out, sizeof(out)), 1);
	want(out, "kvm_amd has sev=N");
	want(out, "kvm_amd sev=1");
	put(root, "sys/module/kvm_amd/parameters/sev", "1\n");

	/* no PSP device, and a CPU whose SEV the BIOS left off */
	CU_ASSERT_EQUAL(unlink(dev), 0);
	put(root, "proc/cpuinfo", "vendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7763\nflags\t\t: fpu svm\n");
	CU_ASSERT_EQUAL(check_host(root, out, sizeof(out)), 1);
	want(out, "no /dev/sev");
	want(out, "'sev' missing");
	want(out, "2 missing");

	/* not AMD at all */
	put(root, "proc/cpuinfo", "vendor_id\t: GenuineIntel\nmodel name\t: Xeon\nflags\t\t: vmx\n");
	CU_ASSERT_EQUAL(check_host(root, out, sizeof(out)), 1);
	want(out, "not AMD");
}

TEST_SUITE(lab_scripts, NULL, NULL, TEST(lab_run_dry_run), TEST(lab_check_judges_hosts))
