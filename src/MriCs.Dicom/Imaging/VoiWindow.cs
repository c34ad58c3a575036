namespace MriCs.Dicom.Imaging;

/// <summary>VOI LUT Function (0028,1056).</summary>
public enum VoiLutFunction
{
    /// <summary>LINEAR, the default (PS3.3 C.11.2.1.2.1); needs Width &gt;= 1.</summary>
    Linear,
    /// <summary>LINEAR_EXACT (PS3.3 C.11.2.1.3.2); needs Width &gt; 0.</summary>
    LinearExact,
    /// <summary>SIGMOID (PS3.3 C.11.2.1.3.1); needs Width &gt; 0.</summary>
    Sigmoid,
}

/// <summary>Window Center (0028,1050) and Window Width (0028,1051), in modality (rescaled) units.</summary>
public readonly record struct VoiWindow(double Center, double Width)
{
    /// <summary>
    /// The window that maps <paramref name="low"/> to the bottom and <paramref name="high"/> to the top of the
    /// output under <paramref name="function"/> (for SIGMOID: centred on the range, as wide as the range).
    /// </summary>
    public static VoiWindow FromRange(double low, double high, VoiLutFunction function = VoiLutFunction.Linear)
    {
        if (!(double.IsFinite(low) && double.IsFinite(high)) || high < low)
            throw new ArgumentOutOfRangeException(nameof(high), $"range {low}..{high} is not a finite increasing range");
        return function == VoiLutFunction.Linear
            ? new VoiWindow((low + high + 1) / 2, high - low + 1)
            : new VoiWindow((low + high) / 2, Math.Max(high - low, 1e-6));
    }

    internal void Validate(VoiLutFunction function)
    {
        bool ok = double.IsFinite(Center) && double.IsFinite(Width) &&
                  (function == VoiLutFunction.Linear ? Width >= 1 : Width > 0);
        if (!ok)
            throw new ArgumentOutOfRangeException(nameof(Width),
                $"window center {Center} / width {Width} is invalid for {function} (width must be {(function == VoiLutFunction.Linear ? ">= 1" : "> 0")})");
    }
}
