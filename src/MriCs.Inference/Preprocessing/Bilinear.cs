namespace MriCs.Inference.Preprocessing;

/// <summary>
/// The one bilinear resize MriCs uses: half-pixel centres, no antialiasing, edge clamp — the same
/// arithmetic as torch.nn.functional.interpolate(mode="bilinear", align_corners=False), which the
/// training recipe uses, so that C# and Python preprocessing agree.
/// </summary>
public static class Bilinear
{
    public static void Resize(ReadOnlySpan<float> source, int width, int height, Span<float> destination, int destWidth, int destHeight)
    {
        if (width <= 0 || height <= 0 || destWidth <= 0 || destHeight <= 0)
            throw new ArgumentException($"sizes must be positive ({width}x{height} -> {destWidth}x{destHeight})");
        if (source.Length < width * height) throw new ArgumentException("source smaller than width*height", nameof(source));
        if (destination.Length < destWidth * destHeight) throw new ArgumentException("destination smaller than its size", nameof(destination));

        var scaleX = (float)width / destWidth;
        var scaleY = (float)height / destHeight;
        Span<int> x0s = destWidth <= 2048 ? stackalloc int[destWidth] : new int[destWidth];
        Span<int> x1s = destWidth <= 2048 ? stackalloc int[destWidth] : new int[destWidth];
        Span<float> wx = destWidth <= 2048 ? stackalloc float[destWidth] : new float[destWidth];
        for (var dx = 0; dx < destWidth; dx++)
        {
            var (i0, i1, l1) = SourceIndex(scaleX, dx, width);
            x0s[dx] = i0; x1s[dx] = i1; wx[dx] = l1;
        }
        for (var dy = 0; dy < destHeight; dy++)
        {
            var (y0, y1, h1) = SourceIndex(scaleY, dy, height);
            var h0 = 1f - h1;
            var row0 = source.Slice(y0 * width, width);
            var row1 = source.Slice(y1 * width, width);
            var outRow = destination.Slice(dy * destWidth, destWidth);
            for (var dx = 0; dx < destWidth; dx++)
            {
                var w1 = wx[dx];
                var w0 = 1f - w1;
                outRow[dx] = h0 * (w0 * row0[x0s[dx]] + w1 * row0[x1s[dx]])
                           + h1 * (w0 * row1[x0s[dx]] + w1 * row1[x1s[dx]]);
            }
        }
    }

    private static (int I0, int I1, float Lambda1) SourceIndex(float scale, int dst, int size)
    {
        var src = scale * (dst + 0.5f) - 0.5f;
        if (src < 0) src = 0;
        var i0 = (int)src;
        if (i0 > size - 1) i0 = size - 1;
        var i1 = i0 < size - 1 ? i0 + 1 : i0;
        var l1 = src - i0;
        if (l1 > 1) l1 = 1;
        return (i0, i1, l1);
    }
}
