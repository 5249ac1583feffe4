"""text_origin.py MAP — the .text bytes a GNU ld map file says each origin put in the image:
Ember (libember*.a and the image's operator table, kernels/registry.c), the C library (libc,
libm, libgcc), and the rest (the firmware's startup and runner). Prints the three numbers."""
import re
import sys

text = open(sys.argv[1]).read()
ember = libc = own = 0
# an input section: " .text.name" then (on the same line or the next) its address, size and file
for m in re.finditer(r"^ (\.text\S*)\s*\n?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)", text, re.M):
    _, addr, size, path = m.groups()
    if not int(addr, 16):  # discarded by --gc-sections
        continue
    if "libember" in path or "_registry.dir" in path:
        ember += int(size, 16)
    elif re.search(r"lib(c_nano|c|m|gcc|nosys)\.a", path):
        libc += int(size, 16)
    else:
        own += int(size, 16)
print(ember, libc, own)
