"""libm_linked.py MAP [ALLOWED ...] — the libm functions a GNU ld map says an image links (the
objects of libm.a that --gc-sections kept, named by their function: s_erf.o and sf_erf.o are
erf); prints them and exits 1 naming any not in ALLOWED (math_err, libm's error reporting, is
always allowed). A selective build's check that each operator pulls in only its own math."""
import re
import sys

from text_origin import kept_text

allowed = set(sys.argv[2:]) | {"math_err"}
linked = set()
for size, path in kept_text(open(sys.argv[1]).read()):
    obj = re.search(r"libm\.a\(lib_a-(\w+)\.o\)", path)
    if not size or not obj:
        continue
    name = re.sub(r"^(sf|s|ef|e|wf|w|kf|k)_", "", obj.group(1))  # s_erf.o, sf_erf.o: erf
    if name.endswith("f") and name[:-1] in allowed:  # expf.o, math_errf.o: the float twin
        name = name[:-1]
    linked.add(name)
print("libm:", " ".join(sorted(linked)) or "(none)")
extra = sorted(linked - allowed)
if extra:
    print("linked but not allowed:", " ".join(extra))
    sys.exit(1)
