/* register_backends.c — linked into libember.so alone (not libember.a, not firmware): registers
 * the delegates the host library carries when it is loaded, so that a program using them loads
 * through the shared library (the Python binding, python/ember/runtime.py) without a call of its
 * own. Ethos-U without a driver: its programs load and run their CPU parts, and a run stops at
 * the first NPU delegate with "no Ethos-U driver" (a host has no NPU; ember_ethos_u_set_driver
 * can still be called through the library). A static link registers what it needs itself. */
#include "ember/ethos_u.h"

__attribute__((constructor)) static void ember_register_builtin_backends(void)
{
    ember_ethos_u_register();
}
