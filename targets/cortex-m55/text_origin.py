"""text_origin.py MAP — the .text bytes a GNU ld map file says each origin put in the image:
Ember (libember*.a and the image's operator table, kernels/registry.c), the C library (libc,
libm, libgcc), and the rest (the firmware's startup and runner). Prints the three numbers.
kept_text() is also libm_linked.py's reader of the map."""
import re
import sys


def kept_text(text: str):
    """(size, file) of each .text input section the link kept (--gc-sections discards others,
    listing them at address 0): " .text.name" then, on the same line or the next, its address,
    size and file."""
    for m in re.finditer(r"^ (\.text\S*)\s*\n?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)", text, re.M):
        _, addr, size, path = m.groups()
        if int(addr, 16):
            yield int(size, 16), path


if __name__ == "__main__":
    ember = libc = own = 0
    for size, path in kept_text(open(sys.argv[1]).read()):
        if "libember" in path or "_registry.dir" in path:
            ember += size
        elif re.search(r"lib(c_nano|c|m|gcc|nosys)\.a", path):
            libc += size
        else:
            own += size
    print(ember, libc, own)
