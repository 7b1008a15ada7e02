/*-------------------------------------------------------------------------
 * early_init.c
 *		ASan build only: preloaded after the ASan runtime, so that the
 *		runtime initializes before the first bindtextdomain().
 *
 * The server links libgpg-error (through libsystemd and libgcrypt), whose
 * constructor runs before the preloaded ASan runtime's and calls
 * bindtextdomain().  That malloc()s while holding glibc's gettext lock;
 * the malloc is ASan's first call, so ASan initializes there and calls
 * dlerror(), which takes and releases the same lock: the lock is left
 * broken and the next bindtextdomain() (the server's own, in main) waits
 * forever.  This wrapper makes one malloc before any bindtextdomain, so
 * ASan initializes outside the lock.  Built and used by
 * test/asan_regress.sh only.
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

char	   *bindtextdomain(const char *domain, const char *dir);

char *
bindtextdomain(const char *domain, const char *dir)
{
	static char *(*real) (const char *, const char *);
	void	   *volatile first = malloc(1);	/* volatile: not optimized away */

	free(first);
	if (real == NULL)
		real = (char *(*) (const char *, const char *)) dlsym(RTLD_NEXT, "bindtextdomain");
	return real(domain, dir);
}
