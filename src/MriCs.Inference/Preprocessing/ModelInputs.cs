using MriCs.Inference.Manifest;

namespace MriCs.Inference.Preprocessing;

/// <summary>Detector and classifier input tensors as the training recipe builds them (models/training/preprocess.py).</summary>
public static class ModelInputs
{
    /// <summary>Detector input [3, S, S]: the image resized (aspect not kept) to S x S, scaled to 0..1, gray in all three channels.</summary>
    public static float[] Detector(GrayImage image, int size)
    {
        var plane = new float[size * size];
        Bilinear.Resize(image.ToFloat(), image.Width, image.Height, plane, size, size);
        var tensor = new float[3 * plane.Length];
        for (var i = 0; i < plane.Length; i++) plane[i] /= 255f;
        for (var c = 0; c < 3; c++) plane.CopyTo(tensor.AsSpan(c * plane.Length));
        return tensor;
    }

    /// <summary>Maps a box from the S x S detector grid back to the original image and takes the enclosing integer box, clamped.</summary>
    public static PixelBox MapDetectorBox(BoxF box, int detectorSize, int width, int height)
    {
        var sx = (double)width / detectorSize;
        var sy = (double)height / detectorSize;
        var x0 = Math.Clamp((int)Math.Floor(box.X0 * sx), 0, width);
        var y0 = Math.Clamp((int)Math.Floor(box.Y0 * sy), 0, height);
        var x1 = Math.Clamp((int)Math.Ceiling(box.X1 * sx), 0, width);
        var y1 = Math.Clamp((int)Math.Ceiling(box.Y1 * sy), 0, height);
        return new PixelBox(x0, y0, x1, y1);
    }

    /// <summary>Classifier input for one crop, written into <paramref name="destination"/> ([3, S, S]).</summary>
    public static void Classifier(GrayImage crop, PreprocessingContract contract, Span<float> destination)
    {
        var size = contract.Size;
        if (destination.Length < 3 * size * size) throw new ArgumentException("destination too small", nameof(destination));
        var scale = Math.Min((double)size / crop.Width, (double)size / crop.Height);
        var nw = Math.Max(1, (int)Math.Round(crop.Width * scale, MidpointRounding.ToEven));
        var nh = Math.Max(1, (int)Math.Round(crop.Height * scale, MidpointRounding.ToEven));
        var resized = new float[nw * nh];
        Bilinear.Resize(crop.ToFloat(), crop.Width, crop.Height, resized, nw, nh);
        var left = (size - nw) / 2;
        var top = (size - nh) / 2;
        var pad = (float)(contract.PadValue ?? 125);
        var plane = size * size;
        for (var c = 0; c < 3; c++)
        {
            var mean = (float)contract.Mean![c];
            var std = (float)contract.Std![c];
            var channel = destination.Slice(c * plane, plane);
            var padded = (pad / 255f - mean) / std;
            channel.Fill(padded);
            for (var y = 0; y < nh; y++)
            {
                var row = channel.Slice((top + y) * size + left, nw);
                var src = resized.AsSpan(y * nw, nw);
                for (var x = 0; x < nw; x++) row[x] = (src[x] / 255f - mean) / std;
            }
        }
    }

    public static float[] Softmax(ReadOnlySpan<float> logits)
    {
        var max = float.NegativeInfinity;
        foreach (var v in logits) max = Math.Max(max, v);
        var result = new float[logits.Length];
        var sum = 0.0;
        for (var i = 0; i < logits.Length; i++) { result[i] = MathF.Exp(logits[i] - max); sum += result[i]; }
        for (var i = 0; i < result.Length; i++) result[i] = (float)(result[i] / sum);
        return result;
    }
}
