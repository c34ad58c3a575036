namespace MriCs.Phantom;

/// <summary>A simulated scanner site: gain, noise and bias-field character shared by its patients.</summary>
public sealed record PhantomSite(int Index, string Name, double Gain, double NoiseFraction, double BiasAmplitude, IReadOnlyList<int> Matrices, double FovMinMm, double FovMaxMm);

/// <summary>A synthetic patient: identity (clearly fake), age, site, and one graded slice per level.</summary>
public sealed record PhantomPatient(int Index, string PatientId, string PatientName, int AgeYears, char Sex, PhantomSite Site, double Degeneration, IReadOnlyList<PhantomSlice> Slices);

/// <summary>A patient before rendering: what <see cref="PhantomGenerator.Plan"/> decides from the seed.</summary>
public sealed record PatientPlan(int Index, string PatientId, string PatientName, int AgeYears, char Sex, PhantomSite Site, double Degeneration, IReadOnlyList<SlicePlan> Slices);

/// <summary>One level before rendering: grade, anatomy, geometry and the noise seed.</summary>
public sealed record SlicePlan(SpinalLevel Level, int Grade, SliceAnatomy Anatomy, SliceGeometry Geometry, ulong NoiseSeed)
{
    public RoiBox Roi => SliceRenderer.Roi(Anatomy, Geometry);
}

/// <summary>The spinal-canal ROI in pixel coordinates of its image (x1, y1 exclusive).</summary>
public readonly record struct RoiBox(int X0, int Y0, int X1, int Y1)
{
    public int Width => X1 - X0;
    public int Height => Y1 - Y0;
}

/// <summary>
/// The anatomy of one axial disc-level slice in millimetres, in a frame centred on the spinal canal:
/// u to the patient's left (image right), v posterior (image down). All lengths before the patient size factor.
/// </summary>
public sealed record SliceAnatomy(
    double CanalSemiLr, double CanalSemiAp,
    double CordSemiLr, double CordSemiAp, double CordCentreAp,
    double AnteriorIntrusionMm, double AnteriorIntrusionWidthMm,
    double PosteriorIntrusionMm, double PosteriorIntrusionWidthMm,
    double NucleusSignal, bool CordHyperintensity, double HyperintensityLr, double HyperintensityAp)
{
    /// <summary>Antero-posterior canal diameter left at the midline after the intrusions.</summary>
    public double FreeCanalAp => 2 * CanalSemiAp - AnteriorIntrusionMm - PosteriorIntrusionMm;
}

/// <summary>How the anatomy lands in the image: matrix, pixel spacing, rotation, canal position, size factor, signal.</summary>
public sealed record SliceGeometry(
    int Matrix, double PixelSpacingMm, double RotationRad, double CanalColumn, double CanalRow, double SizeFactor,
    double Gain, double NoiseSigma, double BiasX, double BiasY, double BiasR);

/// <summary>One rendered slice: stored 12-bit pixels, display window, ground-truth grade and ROI.</summary>
public sealed record PhantomSlice(
    SpinalLevel Level, int Grade, SliceAnatomy Anatomy, SliceGeometry Geometry,
    int Width, int Height, ushort[] Stored, double WindowCenter, double WindowWidth, RoiBox Roi)
{
    /// <summary>The 8-bit image the models see: the DICOM linear VOI window (PS3.3 C.11.2.1.2.1) applied to the stored values.</summary>
    public byte[] ToGray8() => Voi.Apply(Stored, WindowCenter, WindowWidth);
}

/// <summary>The DICOM linear VOI LUT function, output 0..255.</summary>
public static class Voi
{
    public static byte[] Apply(ReadOnlySpan<ushort> stored, double center, double width)
    {
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "window width must be >= 1");
        var result = new byte[stored.Length];
        for (var i = 0; i < stored.Length; i++) result[i] = Map(stored[i], center, width);
        return result;
    }

    public static byte Map(double x, double center, double width)
    {
        var lo = center - 0.5 - (width - 1) / 2;
        var hi = center - 0.5 + (width - 1) / 2;
        if (x <= lo) return 0;
        if (x > hi) return 255;
        var y = ((x - (center - 0.5)) / (width - 1) + 0.5) * 255;
        return (byte)Math.Clamp(Math.Round(y, MidpointRounding.AwayFromZero), 0, 255);
    }
}
