namespace MriCs.Inference.Preprocessing;

/// <summary>An 8-bit grayscale image (row-major), the common start of detector and classifier preprocessing.</summary>
public sealed class GrayImage
{
    public GrayImage(int width, int height, byte[] pixels)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"image size {width}x{height} is not positive");
        if (pixels.Length != width * height) throw new ArgumentException($"{pixels.Length} pixels for a {width}x{height} image");
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public int Width { get; }
    public int Height { get; }
    public byte[] Pixels { get; }

    public float[] ToFloat()
    {
        var f = new float[Pixels.Length];
        for (var i = 0; i < f.Length; i++) f[i] = Pixels[i];
        return f;
    }

    /// <summary>The pixels inside <paramref name="box"/> (already in this image's grid).</summary>
    public GrayImage Crop(PixelBox box)
    {
        if (box.X0 < 0 || box.Y0 < 0 || box.X1 > Width || box.Y1 > Height || box.Width <= 0 || box.Height <= 0)
            throw new ArgumentOutOfRangeException(nameof(box), $"crop {box} outside a {Width}x{Height} image");
        var result = new byte[box.Width * box.Height];
        for (var y = 0; y < box.Height; y++)
            Pixels.AsSpan((box.Y0 + y) * Width + box.X0, box.Width).CopyTo(result.AsSpan(y * box.Width, box.Width));
        return new GrayImage(box.Width, box.Height, result);
    }
}

/// <summary>An integer pixel box, X1/Y1 exclusive.</summary>
public readonly record struct PixelBox(int X0, int Y0, int X1, int Y1)
{
    public int Width => X1 - X0;
    public int Height => Y1 - Y0;
    public override string ToString() => $"[{X0},{Y0})-[{X1},{Y1})";
}

/// <summary>A detector box in continuous coordinates (x0, y0, x1, y1).</summary>
public readonly record struct BoxF(float X0, float Y0, float X1, float Y1);
