"""libm_linked.py MAP [ALLOWED ...] — the libm functions a GNU ld map says an image links (the
objects of libm.a that --gc-sections kept, named by their function: s_erf.o and sf_erf.o are
erf); prints them and exits 1 naming any not in ALLOWED (math_err, libm's error reporting, is
always allowed). A selective build's check that each operator pulls in only its own math."""
import re
import sys

text = open(sys.argv[1]).read()
allowed = set(sys.argv[2:]) | {"math_err"}
linked = set()
for m in re.finditer(r"^ (\.text\S*)\s*\n?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)", text, re.M):
    _, addr, size, path = m.groups()
    obj = re.search(r"libm\.a\(lib_a-(\w+)\.o\)", path)
    if not int(addr, 16) or not int(size, 16) or not obj:
        continue
    name = re.sub(r"^(sf|s|ef|e|wf|w|kf|k)_", "", obj.group(1))  # the double and float files
    linked.add(re.sub(r"f$", "", name) if name.rstrip("f") in allowed else name)
print("libm:", " ".join(sorted(linked)) or "(none)")
extra = sorted(linked - allowed)
if extra:
    print("linked but not allowed:", " ".join(extra))
    sys.exit(1)
