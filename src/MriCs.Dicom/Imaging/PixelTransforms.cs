using System.Buffers.Binary;
using System.Numerics;
using MriCs.Dicom.Codecs;

namespace MriCs.Dicom.Imaging;

/// <summary>
/// The grayscale pipeline for the ML stages (PS3.4 N.2): stored values -> modality LUT (Rescale Slope and
/// Intercept) -> VOI LUT (window with LINEAR, LINEAR_EXACT or SIGMOID) -> MONOCHROME1 inversion ->
/// float32 in [0, 1] or 8-bit gray. Every span method works in place of the caller's buffers and
/// allocates nothing; <see cref="Render{T}(ReadOnlySpan{T}, in RenderOptions, Span{float})"/> does the whole
/// chain in one pass.
/// </summary>
public static class PixelTransforms
{
    /// <summary>Bins of the histogram behind <see cref="AutoWindowPercentile"/>.</summary>
    public const int PercentileBins = 4096;

    /// <summary>
    /// Stored values of one sample plane of a native frame (layout of <see cref="FrameInfo"/>): masked to
    /// BitsStored and, when <see cref="FrameInfo.Signed"/>, sign-extended from bit BitsStored-1.
    /// </summary>
    public static void ReadStoredValues(ReadOnlySpan<byte> native, FrameInfo info, int sample, Span<int> output)
    {
        int count = checked((int)info.PixelCount), spp = info.SamplesPerPixel, bps = info.BytesPerSample;
        if (sample < 0 || sample >= spp) throw new ArgumentOutOfRangeException(nameof(sample));
        if (bps is not (1 or 2 or 4) || info.BitsStored < 1 || info.BitsStored > info.BitsAllocated)
            throw new ArgumentException($"unsupported BitsAllocated {info.BitsAllocated} / BitsStored {info.BitsStored}", nameof(info));
        if (native.Length < info.FrameLength) throw new ArgumentException($"the frame needs {info.FrameLength} bytes, got {native.Length}", nameof(native));
        if (output.Length < count) throw new ArgumentException($"output needs {count} values", nameof(output));
        bool planar = info.PlanarConfiguration == 1 || spp == 1;
        int start = planar ? sample * count * bps : sample * bps, step = planar ? bps : spp * bps;
        int shift = 32 - info.BitsStored;
        long mask = (1L << info.BitsStored) - 1;
        for (int i = 0, s = start; i < count; i++, s += step)
        {
            uint raw = bps switch
            {
                1 => native[s],
                2 => BinaryPrimitives.ReadUInt16LittleEndian(native[s..]),
                _ => BinaryPrimitives.ReadUInt32LittleEndian(native[s..]),
            };
            output[i] = info.Signed ? ((int)raw << shift) >> shift : (int)(raw & mask);
        }
    }

    /// <summary>Modality LUT: output = slope * stored + intercept (PS3.3 C.11.1.1.2).</summary>
    public static void Rescale<T>(ReadOnlySpan<T> stored, double slope, double intercept, Span<float> output)
        where T : unmanaged, IBinaryInteger<T>
    {
        CheckRescale(slope, intercept);
        CheckLength(stored.Length, output.Length);
        for (int i = 0; i < stored.Length; i++) output[i] = (float)(slope * double.CreateTruncating(stored[i]) + intercept);
    }

    /// <summary>The VOI function of one modality value, scaled to [0, 1].</summary>
    public static double Window(double x, VoiWindow window, VoiLutFunction function)
    {
        window.Validate(function);
        return new WindowCoefficients(window, function).Apply(x);
    }

    /// <summary>VOI window to [0, 1].</summary>
    public static void ApplyWindow(ReadOnlySpan<float> values, VoiWindow window, VoiLutFunction function, Span<float> output)
    {
        window.Validate(function);
        CheckLength(values.Length, output.Length);
        var w = new WindowCoefficients(window, function);
        for (int i = 0; i < values.Length; i++) output[i] = (float)w.Apply(values[i]);
    }

    /// <summary>VOI window to 8-bit gray (0..255, rounded).</summary>
    public static void ApplyWindow(ReadOnlySpan<float> values, VoiWindow window, VoiLutFunction function, Span<byte> output)
    {
        window.Validate(function);
        CheckLength(values.Length, output.Length);
        var w = new WindowCoefficients(window, function);
        for (int i = 0; i < values.Length; i++) output[i] = ToByte(w.Apply(values[i]));
    }

    /// <summary>MONOCHROME1 (minimum is white) to the MONOCHROME2 sense: v -> 1 - v.</summary>
    public static void InvertMonochrome1(Span<float> unit)
    {
        for (int i = 0; i < unit.Length; i++) unit[i] = 1f - unit[i];
    }

    /// <summary>MONOCHROME1 to the MONOCHROME2 sense for 8-bit gray: v -> 255 - v.</summary>
    public static void InvertMonochrome1(Span<byte> gray)
    {
        for (int i = 0; i < gray.Length; i++) gray[i] = (byte)(255 - gray[i]);
    }

    /// <summary>
    /// Automatic window over the full range of the modality values: the window that maps the minimum to 0
    /// and the maximum to 1 under <paramref name="function"/> (<see cref="VoiWindow.FromRange"/>). NaNs are ignored.
    /// </summary>
    public static VoiWindow AutoWindowMinMax(ReadOnlySpan<float> values, VoiLutFunction function = VoiLutFunction.Linear)
    {
        var (min, max, _) = Range(values);
        return VoiWindow.FromRange(min, max, function);
    }

    /// <summary>
    /// Automatic window between two percentiles of the modality values (e.g. 1 and 99: robust to a few
    /// extreme outliers), without sorting or allocating: a <see cref="PercentileBins"/>-bin histogram between the
    /// minimum and maximum finds the bin of each percentile (nearest rank), a second histogram inside that bin
    /// refines it. The low bound is the lower edge of the final sub-bin holding the low percentile, the high bound
    /// the upper edge of the one holding the high percentile: within (max - min) / 4096² of the exact percentile
    /// values and never inside them. NaNs are ignored.
    /// </summary>
    public static VoiWindow AutoWindowPercentile(ReadOnlySpan<float> values, double lowPercent = 1, double highPercent = 99,
        VoiLutFunction function = VoiLutFunction.Linear)
    {
        if (!(lowPercent >= 0 && lowPercent < highPercent && highPercent <= 100))
            throw new ArgumentOutOfRangeException(nameof(lowPercent), $"percentiles {lowPercent}..{highPercent} must satisfy 0 <= low < high <= 100");
        var (min, max, count) = Range(values);
        if (max <= min) return VoiWindow.FromRange(min, max, function);
        long lowRank = (long)Math.Floor(lowPercent / 100 * (count - 1));
        long highRank = (long)Math.Ceiling(highPercent / 100 * (count - 1));
        var (lowEdge, _) = Locate(values, min, max, lowRank);
        var (_, highEdge) = Locate(values, min, max, highRank);
        return VoiWindow.FromRange(lowEdge, Math.Max(lowEdge, highEdge), function);
    }

    /// <summary>Edges of the fine sub-bin that holds the value of 0-based rank <paramref name="rank"/>.</summary>
    private static (double Low, double High) Locate(ReadOnlySpan<float> values, double min, double max, long rank)
    {
        Span<int> histogram = stackalloc int[PercentileBins];
        double scale = PercentileBins / (max - min);
        foreach (float v in values)
            if (!float.IsNaN(v)) histogram[CoarseBin(v, min, scale)]++;
        long below = 0;
        int bin = PercentileBins - 1;
        for (int b = 0; b < PercentileBins; b++)
        {
            if (below + histogram[b] > rank) { bin = b; break; }
            below += histogram[b];
        }
        double low = min + bin / scale, high = Math.Min(max, min + (bin + 1) / scale);
        if (high <= low) return (low, high);
        histogram.Clear();
        double fine = PercentileBins / (high - low);
        foreach (float v in values)
            if (!float.IsNaN(v) && CoarseBin(v, min, scale) == bin)
                histogram[Math.Clamp((int)((v - low) * fine), 0, PercentileBins - 1)]++;
        int sub = PercentileBins - 1;
        for (int b = 0; b < PercentileBins; b++)
        {
            if (below + histogram[b] > rank) { sub = b; break; }
            below += histogram[b];
        }
        return (low + sub / fine, Math.Min(high, low + (sub + 1) / fine));
    }

    private static int CoarseBin(float v, double min, double scale) => Math.Min(PercentileBins - 1, (int)((v - min) * scale));

    /// <summary>Stored values to float32 [0, 1]: rescale, window, then MONOCHROME1 inversion when asked; one pass.</summary>
    public static void Render<T>(ReadOnlySpan<T> stored, in RenderOptions options, Span<float> output)
        where T : unmanaged, IBinaryInteger<T>
    {
        options.Validate();
        CheckLength(stored.Length, output.Length);
        var w = new WindowCoefficients(options.Window, options.Function);
        double slope = options.RescaleSlope, intercept = options.RescaleIntercept;
        bool invert = options.Monochrome1;
        for (int i = 0; i < stored.Length; i++)
        {
            double y = w.Apply(slope * double.CreateTruncating(stored[i]) + intercept);
            output[i] = (float)(invert ? 1 - y : y);
        }
    }

    /// <summary>Stored values to 8-bit gray: rescale, window, then MONOCHROME1 inversion when asked; one pass.</summary>
    public static void Render<T>(ReadOnlySpan<T> stored, in RenderOptions options, Span<byte> output)
        where T : unmanaged, IBinaryInteger<T>
    {
        options.Validate();
        CheckLength(stored.Length, output.Length);
        var w = new WindowCoefficients(options.Window, options.Function);
        double slope = options.RescaleSlope, intercept = options.RescaleIntercept;
        bool invert = options.Monochrome1;
        for (int i = 0; i < stored.Length; i++)
        {
            double y = w.Apply(slope * double.CreateTruncating(stored[i]) + intercept);
            output[i] = ToByte(invert ? 1 - y : y);
        }
    }

    /// <summary>
    /// A one-sample native frame (the layout of <see cref="FrameInfo"/>, e.g. a codec's output) straight to float32
    /// [0, 1]: stored values (masked, sign-extended) -> rescale -> window -> MONOCHROME1 inversion, in chunks on the stack.
    /// </summary>
    public static void Render(ReadOnlySpan<byte> nativeFrame, FrameInfo info, in RenderOptions options, Span<float> output)
    {
        options.Validate();
        int count = CheckNative(nativeFrame, info, output.Length);
        Span<int> chunk = stackalloc int[1024];
        for (int start = 0; start < count; start += chunk.Length)
        {
            int n = Math.Min(chunk.Length, count - start);
            ReadStoredRange(nativeFrame, info, start, chunk[..n]);
            Render<int>(chunk[..n], options, output.Slice(start, n));
        }
    }

    /// <summary>A one-sample native frame straight to 8-bit gray; see the float overload.</summary>
    public static void Render(ReadOnlySpan<byte> nativeFrame, FrameInfo info, in RenderOptions options, Span<byte> output)
    {
        options.Validate();
        int count = CheckNative(nativeFrame, info, output.Length);
        Span<int> chunk = stackalloc int[1024];
        for (int start = 0; start < count; start += chunk.Length)
        {
            int n = Math.Min(chunk.Length, count - start);
            ReadStoredRange(nativeFrame, info, start, chunk[..n]);
            Render<int>(chunk[..n], options, output.Slice(start, n));
        }
    }

    private static int CheckNative(ReadOnlySpan<byte> nativeFrame, FrameInfo info, int outputLength)
    {
        if (info.SamplesPerPixel != 1)
            throw new ArgumentException($"grayscale rendering needs SamplesPerPixel 1, got {info.SamplesPerPixel}", nameof(info));
        if (info.BytesPerSample is not (1 or 2 or 4) || info.BitsStored < 1 || info.BitsStored > info.BitsAllocated)
            throw new ArgumentException($"unsupported BitsAllocated {info.BitsAllocated} / BitsStored {info.BitsStored}", nameof(info));
        if (nativeFrame.Length < info.FrameLength)
            throw new ArgumentException($"the frame needs {info.FrameLength} bytes, got {nativeFrame.Length}", nameof(nativeFrame));
        int count = checked((int)info.PixelCount);
        CheckLength(count, outputLength);
        return count;
    }

    /// <summary>Stored values of pixels start..start+output.Length-1 of a one-sample native frame.</summary>
    private static void ReadStoredRange(ReadOnlySpan<byte> native, FrameInfo info, int start, Span<int> output)
    {
        int bps = info.BytesPerSample, shift = 32 - info.BitsStored;
        long mask = (1L << info.BitsStored) - 1;
        bool signed = info.Signed;
        for (int i = 0, s = start * bps; i < output.Length; i++, s += bps)
        {
            uint raw = bps switch
            {
                1 => native[s],
                2 => BinaryPrimitives.ReadUInt16LittleEndian(native[s..]),
                _ => BinaryPrimitives.ReadUInt32LittleEndian(native[s..]),
            };
            output[i] = signed ? ((int)raw << shift) >> shift : (int)(raw & mask);
        }
    }

    private static byte ToByte(double unit) => (byte)(unit * 255 + 0.5);

    private static (float Min, float Max, long Count) Range(ReadOnlySpan<float> values)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        long count = 0;
        foreach (float v in values)
        {
            if (float.IsNaN(v)) continue;
            if (v < min) min = v;
            if (v > max) max = v;
            count++;
        }
        if (count == 0) throw new ArgumentException("no values to derive a window from", nameof(values));
        if (!float.IsFinite(min) || !float.IsFinite(max)) throw new ArgumentException("values include infinities", nameof(values));
        return (min, max, count);
    }

    internal static void CheckRescale(double slope, double intercept)
    {
        if (!double.IsFinite(slope) || slope == 0 || !double.IsFinite(intercept))
            throw new ArgumentOutOfRangeException(nameof(slope), $"rescale slope {slope} / intercept {intercept} must be finite with a non-zero slope");
    }

    private static void CheckLength(int input, int output)
    {
        if (output < input) throw new ArgumentException($"the output holds {output} values, the input has {input}", nameof(output));
    }

    /// <summary>Per-call constants of the VOI functions, scaled to [0, 1].</summary>
    private readonly struct WindowCoefficients
    {
        private readonly VoiLutFunction _function;
        private readonly double _lower, _upper, _offset, _scale;

        public WindowCoefficients(VoiWindow window, VoiLutFunction function)
        {
            _function = function;
            double c = window.Center, w = window.Width;
            switch (function)
            {
                case VoiLutFunction.Linear:
                    // y = ((x - (c - 0.5)) / (w - 1) + 0.5), 0 at or below c - 0.5 - (w-1)/2, 1 above c - 0.5 + (w-1)/2.
                    _lower = c - 0.5 - (w - 1) / 2;
                    _upper = c - 0.5 + (w - 1) / 2;
                    _offset = c - 0.5;
                    _scale = w > 1 ? 1 / (w - 1) : 0;
                    break;
                case VoiLutFunction.LinearExact:
                    // y = (x - c) / w + 0.5, 0 at or below c - w/2, 1 above c + w/2.
                    _lower = c - w / 2;
                    _upper = c + w / 2;
                    _offset = c;
                    _scale = 1 / w;
                    break;
                default:
                    // y = 1 / (1 + exp(-4 (x - c) / w)).
                    _offset = c;
                    _scale = -4 / w;
                    break;
            }
        }

        public double Apply(double x)
        {
            if (_function == VoiLutFunction.Sigmoid) return 1 / (1 + Math.Exp((x - _offset) * _scale));
            if (x <= _lower) return 0;
            if (x > _upper) return 1;
            return (x - _offset) * _scale + 0.5;
        }
    }
}

/// <summary>
/// Everything <see cref="PixelTransforms.Render{T}(ReadOnlySpan{T}, in RenderOptions, Span{float})"/> needs:
/// Rescale Slope/Intercept (1/0 when absent), the VOI window and function, and whether the image is MONOCHROME1.
/// </summary>
public readonly record struct RenderOptions(double RescaleSlope, double RescaleIntercept, VoiWindow Window,
    VoiLutFunction Function = VoiLutFunction.Linear, bool Monochrome1 = false)
{
    internal void Validate()
    {
        PixelTransforms.CheckRescale(RescaleSlope, RescaleIntercept);
        Window.Validate(Function);
    }
}
