using System.Buffers;
using MriCs.Dicom.Imaging;

namespace MriCs.Dicom.Pixels;

/// <summary>How <see cref="DicomGrayscale"/> picks the VOI window.</summary>
public enum WindowSource
{
    /// <summary>The file's Window Center/Width when present and valid, otherwise automatic.</summary>
    FileOrAutomatic,
    /// <summary>The file's window; a file without one is a <see cref="DicomDataException"/>.</summary>
    File,
    /// <summary>Automatic, from the frame's modality values (percentiles, see <see cref="GrayscaleOptions"/>).</summary>
    Automatic,
    /// <summary><see cref="GrayscaleOptions.Window"/>.</summary>
    Explicit,
}

/// <summary>Options of the grayscale pipeline.</summary>
public sealed record GrayscaleOptions
{
    public WindowSource WindowSource { get; init; } = WindowSource.FileOrAutomatic;

    /// <summary>The window for <see cref="WindowSource.Explicit"/> (modality units).</summary>
    public VoiWindow? Window { get; init; }

    /// <summary>Which of several file windows (Window Center/Width are multi-valued).</summary>
    public int FileWindowIndex { get; init; }

    /// <summary>Automatic window bounds as percentiles of the modality values (0 and 100: min/max).</summary>
    public double AutomaticLowPercent { get; init; } = 0.5;

    public double AutomaticHighPercent { get; init; } = 99.5;

    public static GrayscaleOptions Default { get; } = new();
}

/// <summary>
/// The grayscale pipeline on a dataset: reads Rescale Slope/Intercept, Window Center/Width, VOI LUT Function and
/// Photometric Interpretation from the dataset and runs <see cref="PixelTransforms"/> on a frame's stored values,
/// to float32 in [0, 1] or 8-bit gray (MONOCHROME1 inverted so that higher is brighter).
/// </summary>
public static class DicomGrayscale
{
    /// <summary>The render settings for one frame (its stored values are needed for an automatic window).</summary>
    public static RenderOptions ResolveOptions(DicomDataset ds, DicomPixelData px, ReadOnlySpan<int> stored, GrayscaleOptions? options = null)
    {
        options ??= GrayscaleOptions.Default;
        if (px.SamplesPerPixel != 1 || !px.PhotometricInterpretation.StartsWith("MONOCHROME", StringComparison.Ordinal))
            throw new DicomDataException($"the grayscale pipeline needs MONOCHROME1/2 with one sample per pixel, not {px.PhotometricInterpretation} with {px.SamplesPerPixel}", DicomTag.PhotometricInterpretation);
        var slope = ds.GetDouble(DicomTag.RescaleSlope, 1);
        var intercept = ds.GetDouble(DicomTag.RescaleIntercept, 0);
        if (slope == 0) throw new DicomDataException("Rescale Slope is 0", DicomTag.RescaleSlope);
        var function = (ds.GetString(DicomTag.VOILUTFunction) ?? "LINEAR") switch
        {
            "LINEAR_EXACT" => VoiLutFunction.LinearExact,
            "SIGMOID" => VoiLutFunction.Sigmoid,
            _ => VoiLutFunction.Linear,
        };
        var window = options.WindowSource switch
        {
            WindowSource.Explicit => options.Window ?? throw new ArgumentException("WindowSource.Explicit needs Window", nameof(options)),
            WindowSource.Automatic => Automatic(stored, slope, intercept, function, options),
            WindowSource.File => FileWindow(ds, options.FileWindowIndex, function)
                ?? throw new DicomDataException("the dataset has no usable Window Center/Width", DicomTag.WindowCenter),
            _ => FileWindow(ds, options.FileWindowIndex, function) ?? Automatic(stored, slope, intercept, function, options),
        };
        return new RenderOptions(slope, intercept, window, function, px.PhotometricInterpretation == "MONOCHROME1");
    }

    /// <summary>A frame to float32 in [0, 1] (Rows x Columns values).</summary>
    public static float[] RenderFloat(DicomDataset ds, DicomPixelData px, int frame, GrayscaleOptions? options = null)
    {
        var output = new float[px.Rows * px.Columns];
        RenderFloat(ds, px, frame, output, options);
        return output;
    }

    public static void RenderFloat(DicomDataset ds, DicomPixelData px, int frame, Span<float> output, GrayscaleOptions? options = null)
    {
        var n = px.ValuesPerFrame;
        var rented = ArrayPool<int>.Shared.Rent(n);
        try
        {
            var stored = rented.AsSpan(0, n);
            px.GetStoredValues(frame, stored);
            PixelTransforms.Render<int>(stored, ResolveOptions(ds, px, stored, options), output);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }

    /// <summary>A frame to 8-bit gray (Rows x Columns bytes).</summary>
    public static byte[] RenderGray8(DicomDataset ds, DicomPixelData px, int frame, GrayscaleOptions? options = null)
    {
        var output = new byte[px.Rows * px.Columns];
        RenderGray8(ds, px, frame, output, options);
        return output;
    }

    public static void RenderGray8(DicomDataset ds, DicomPixelData px, int frame, Span<byte> output, GrayscaleOptions? options = null)
    {
        var n = px.ValuesPerFrame;
        var rented = ArrayPool<int>.Shared.Rent(n);
        try
        {
            var stored = rented.AsSpan(0, n);
            px.GetStoredValues(frame, stored);
            PixelTransforms.Render<int>(stored, ResolveOptions(ds, px, stored, options), output);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }

    private static VoiWindow? FileWindow(DicomDataset ds, int index, VoiLutFunction function)
    {
        if (!ds.TryGetDoubles(DicomTag.WindowCenter, out var centers) || !ds.TryGetDoubles(DicomTag.WindowWidth, out var widths)) return null;
        if (index >= centers.Length || index >= widths.Length) return null;
        var w = new VoiWindow(centers[index], widths[index]);
        var valid = double.IsFinite(w.Center) && double.IsFinite(w.Width) && (function == VoiLutFunction.Linear ? w.Width >= 1 : w.Width > 0);
        return valid ? w : null;
    }

    private static VoiWindow Automatic(ReadOnlySpan<int> stored, double slope, double intercept, VoiLutFunction function, GrayscaleOptions o)
    {
        var values = ArrayPool<float>.Shared.Rent(stored.Length);
        try
        {
            var span = values.AsSpan(0, stored.Length);
            PixelTransforms.Rescale(stored, slope, intercept, span);
            return o.AutomaticLowPercent <= 0 && o.AutomaticHighPercent >= 100
                ? PixelTransforms.AutoWindowMinMax(span, function)
                : PixelTransforms.AutoWindowPercentile(span, o.AutomaticLowPercent, o.AutomaticHighPercent, function);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(values);
        }
    }
}
