"""Independent reading of a DICOM file for differential tests: prints one JSON object
{"ts": uid, "elements": [{"path": "00100010" or "00081140/0/00081150", "vr": "PN", "values": [...]}]}.
String values are the text pydicom decodes (with the Specific Character Set); numbers are floats;
byte values (OB, OW, UN, ...) give their length only."""
import json, sys
import pydicom
from pydicom.multival import MultiValue
from pydicom.valuerep import PersonName

def values(elem):
    v = elem.value
    if v is None or v == "" or v == b"":
        return []
    if elem.VR in ("OB", "OW", "OD", "OF", "OL", "OV", "UN", "OB or OW", "US or OW", "US or SS or OW"):
        return {"length": len(v) if isinstance(v, (bytes, bytearray)) else -1}
    items = list(v) if isinstance(v, (MultiValue, list, tuple)) else [v]
    out = []
    for x in items:
        if isinstance(x, (bytes, bytearray)):
            return {"length": len(x)}
        if elem.VR in ("US", "SS", "UL", "SL", "FL", "FD", "SV", "UV"):
            out.append(float(x))
        elif elem.VR == "AT":
            out.append("(%04X,%04X)" % (x >> 16, x & 0xFFFF))
        elif elem.VR in ("DS", "IS"):
            out.append(float(x))
        else:
            out.append(str(x))
    return out

def walk(ds, prefix, out):
    for elem in ds:
        path = prefix + "%08X" % elem.tag
        if elem.VR == "SQ":
            out.append({"path": path, "vr": "SQ", "values": {"items": len(elem.value)}})
            for i, item in enumerate(elem.value):
                walk(item, path + "/%d/" % i, out)
        else:
            if elem.tag == 0x7FE00010:
                out.append({"path": path, "vr": elem.VR, "values": {"pixel": True}})
                continue
            out.append({"path": path, "vr": elem.VR, "values": values(elem)})

ds = pydicom.dcmread(sys.argv[1], force=True)
out = []
walk(ds, "", out)
ts = str(ds.file_meta.TransferSyntaxUID) if hasattr(ds, "file_meta") and "TransferSyntaxUID" in ds.file_meta else ""
print(json.dumps({"ts": ts, "elements": out}))
