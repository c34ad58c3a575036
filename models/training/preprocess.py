"""The model-input contract, identical to src/MriCs.Inference/Preprocessing/ModelInputs.cs.

Detector: the 8-bit image resized (aspect not kept) to S x S with bilinear interpolation
(half-pixel centres, no antialiasing: torch interpolate align_corners=False), scaled to 0..1,
gray replicated to three channels. Boxes predicted on the S x S grid map back to the image
(floor/ceil, clamped). Classifier: the crop letterboxed to S x S keeping aspect ratio
(new size = round-half-even(w * scale)), centred, padded with gray 125, ImageNet mean/std.
"""
import numpy as np
import torch
import torch.nn.functional as F

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
PAD_VALUE = 125.0


def load_pgm(path):
    """An 8-bit binary PGM (P5) as a uint8 array [H, W]."""
    with open(path, "rb") as f:
        data = f.read()
    parts = data.split(b"\n", 3)
    if parts[0] != b"P5" or parts[2] != b"255":
        raise ValueError(f"{path}: not an 8-bit binary PGM")
    w, h = map(int, parts[1].split())
    pixels = np.frombuffer(parts[3], dtype=np.uint8)
    if pixels.size != w * h:
        raise ValueError(f"{path}: {pixels.size} pixels for {w}x{h}")
    return pixels.reshape(h, w).copy()  # writable (torch.from_numpy warns on read-only buffers)


def resize(plane, height, width):
    """Bilinear resize of a float32 [h, w] tensor (values 0..255) to [height, width]."""
    return F.interpolate(plane[None, None], size=(height, width), mode="bilinear", align_corners=False)[0, 0]


def detector_input(image_u8, size):
    """[3, S, S] float32 in 0..1."""
    plane = torch.from_numpy(np.ascontiguousarray(image_u8)).float()
    plane = resize(plane, size, size) / 255.0
    return plane[None].repeat(3, 1, 1).contiguous()


def map_box(box, size, width, height):
    """A detector box on the S x S grid mapped to the image: enclosing integer box, clamped (x1, y1 exclusive)."""
    sx, sy = width / size, height / size
    x0 = min(max(int(np.floor(box[0] * sx)), 0), width)
    y0 = min(max(int(np.floor(box[1] * sy)), 0), height)
    x1 = min(max(int(np.ceil(box[2] * sx)), 0), width)
    y1 = min(max(int(np.ceil(box[3] * sy)), 0), height)
    return x0, y0, x1, y1


def letterbox_plane(crop, size):
    """Letterboxed [S, S] float32 plane (0..255 content, PAD_VALUE padding) from a float32 [h, w] tensor."""
    h, w = crop.shape
    scale = min(size / w, size / h)
    nw = max(1, int(round(w * scale)))  # Python round() is half-to-even, like MidpointRounding.ToEven
    nh = max(1, int(round(h * scale)))
    resized = resize(crop, nh, nw)
    out = torch.full((size, size), PAD_VALUE, dtype=torch.float32)
    left, top = (size - nw) // 2, (size - nh) // 2
    out[top:top + nh, left:left + nw] = resized
    return out


def normalise(plane, mean=IMAGENET_MEAN, std=IMAGENET_STD):
    """[3, S, S] from a letterboxed 0..255 plane."""
    chans = [(plane / 255.0 - torch.tensor(m, dtype=torch.float32)) / torch.tensor(s, dtype=torch.float32) for m, s in zip(mean, std)]
    return torch.stack(chans, 0)


def classifier_input(crop_u8, size, mean=IMAGENET_MEAN, std=IMAGENET_STD):
    """[3, S, S] float32 from an 8-bit crop [h, w]."""
    crop = torch.from_numpy(np.ascontiguousarray(crop_u8)).float()
    return normalise(letterbox_plane(crop, size), mean, std)
