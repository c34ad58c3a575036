"""Stored pixel values by pydicom (numpy), for differential tests: prints
'<sha256> <min> <max> <count>' of all frames' values in (frame, row, column, sample) order, each masked to
BitsStored and sign-extended when PixelRepresentation is 1, as 4-byte little endian signed integers."""
import hashlib, sys
import numpy as np
import pydicom

ds = pydicom.dcmread(sys.argv[1])
a = ds.pixel_array
frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
spp = int(getattr(ds, "SamplesPerPixel", 1))
if ds.PhotometricInterpretation.startswith("YBR") and spp == 3:
    pass  # pydicom 2.x converts YBR to RGB only for JPEG; native values stay as stored
a = a.reshape(frames, int(ds.Rows), int(ds.Columns), spp).astype(np.int64)
bs = int(ds.BitsStored)
mask = (1 << bs) - 1
a = a & mask
if int(ds.PixelRepresentation) == 1:
    sign = 1 << (bs - 1)
    a = (a ^ sign) - sign
b = a.astype("<i4").tobytes()
print(hashlib.sha256(b).hexdigest(), int(a.min()), int(a.max()), a.size)
