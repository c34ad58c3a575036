namespace MriCs.Dicom.Imaging;

/// <summary>
/// Slice geometry from the Image Plane module (PS3.3 C.7.6.2): ImageOrientationPatient (6 direction
/// cosines), ImagePositionPatient (3 mm) and PixelSpacing (2 mm, row spacing then column spacing).
/// Invalid attributes throw <see cref="SliceGeometryException"/>.
/// </summary>
public static class SliceGeometry
{
    /// <summary>Allowed deviation of a direction cosine vector from unit length, and of the two vectors' dot product from 0.</summary>
    public const double DefaultVectorTolerance = 1e-3;

    /// <summary>
    /// Largest angle between the slice normal and a patient axis for the slice to be called axial, sagittal
    /// or coronal. Spine axial slices are routinely angled 10–25 degrees to lie parallel to a disc, and are
    /// still axial for the reader; pass a smaller value for a stricter split.
    /// </summary>
    public const double DefaultPlaneToleranceDegrees = 30;

    /// <summary>Largest angle between two slices' normals for them to count as parallel in one series.</summary>
    public const double DefaultParallelToleranceDegrees = 1;

    public static ImagePlane Create(ReadOnlySpan<double> imageOrientationPatient, ReadOnlySpan<double> imagePositionPatient,
        ReadOnlySpan<double> pixelSpacing, double tolerance = DefaultVectorTolerance)
    {
        var (row, column) = Orientation(imageOrientationPatient, tolerance);
        var origin = Position(imagePositionPatient);
        if (pixelSpacing.Length != 2)
            throw new SliceGeometryException("PixelSpacing", $"has {pixelSpacing.Length} values, expected 2");
        if (!(double.IsFinite(pixelSpacing[0]) && double.IsFinite(pixelSpacing[1]) && pixelSpacing[0] > 0 && pixelSpacing[1] > 0))
            throw new SliceGeometryException("PixelSpacing", $"values {pixelSpacing[0]}\\{pixelSpacing[1]} are not positive finite numbers");
        return new ImagePlane(origin, row, column, pixelSpacing[0], pixelSpacing[1]);
    }

    /// <summary>
    /// The row and column direction cosines, checked for unit length and orthogonality within the tolerance and
    /// returned as written (so pixel coordinates follow the standard's equation exactly as other tools compute it).
    /// </summary>
    public static (Vector3D Row, Vector3D Column) Orientation(ReadOnlySpan<double> imageOrientationPatient, double tolerance = DefaultVectorTolerance)
    {
        const string name = "ImageOrientationPatient";
        if (imageOrientationPatient.Length != 6)
            throw new SliceGeometryException(name, $"has {imageOrientationPatient.Length} values, expected 6");
        foreach (double v in imageOrientationPatient)
            if (!double.IsFinite(v)) throw new SliceGeometryException(name, $"value {v} is not a finite number");
        var row = new Vector3D(imageOrientationPatient[0], imageOrientationPatient[1], imageOrientationPatient[2]);
        var column = new Vector3D(imageOrientationPatient[3], imageOrientationPatient[4], imageOrientationPatient[5]);
        if (Math.Abs(row.Length - 1) > tolerance)
            throw new SliceGeometryException(name, $"row direction {row} has length {row.Length:G6}, not 1 (tolerance {tolerance})");
        if (Math.Abs(column.Length - 1) > tolerance)
            throw new SliceGeometryException(name, $"column direction {column} has length {column.Length:G6}, not 1 (tolerance {tolerance})");
        double dot = row.Dot(column);
        if (Math.Abs(dot) > tolerance)
            throw new SliceGeometryException(name, $"row and column directions are not orthogonal (dot product {dot:G6}, tolerance {tolerance})");
        return (row, column);
    }

    /// <summary>Unit slice normal, row x column.</summary>
    public static Vector3D Normal(ReadOnlySpan<double> imageOrientationPatient, double tolerance = DefaultVectorTolerance)
    {
        var (row, column) = Orientation(imageOrientationPatient, tolerance);
        return row.Cross(column).Normalized();
    }

    /// <summary>ImagePositionPatient · normal: where the slice lies along its normal, in mm.</summary>
    public static double PositionAlongNormal(ReadOnlySpan<double> imagePositionPatient, ReadOnlySpan<double> imageOrientationPatient,
        double tolerance = DefaultVectorTolerance) =>
        Position(imagePositionPatient).Dot(Normal(imageOrientationPatient, tolerance));

    public static SlicePlane Classify(ReadOnlySpan<double> imageOrientationPatient, double toleranceDegrees = DefaultPlaneToleranceDegrees) =>
        Classify(Normal(imageOrientationPatient), toleranceDegrees);

    /// <summary>The plane whose axis is closest to <paramref name="normal"/>, or Oblique when that axis is further than the tolerance.</summary>
    public static SlicePlane Classify(Vector3D normal, double toleranceDegrees = DefaultPlaneToleranceDegrees)
    {
        if (!(toleranceDegrees >= 0 && toleranceDegrees <= 90))
            throw new ArgumentOutOfRangeException(nameof(toleranceDegrees), toleranceDegrees, "must be in 0..90 degrees");
        var n = normal.Normalized();
        double x = Math.Abs(n.X), y = Math.Abs(n.Y), z = Math.Abs(n.Z);
        (double best, SlicePlane plane) = z >= x && z >= y ? (z, SlicePlane.Axial) : x >= y ? (x, SlicePlane.Sagittal) : (y, SlicePlane.Coronal);
        double angle = Math.Acos(Math.Min(1, best)) * 180 / Math.PI;
        return angle <= toleranceDegrees + 1e-9 ? plane : SlicePlane.Oblique;
    }

    /// <summary>Patient coordinates of the centre of pixel (column i, row j); see <see cref="ImagePlane.PixelToPatient"/>.</summary>
    public static Vector3D PixelToPatient(ReadOnlySpan<double> imageOrientationPatient, ReadOnlySpan<double> imagePositionPatient,
        ReadOnlySpan<double> pixelSpacing, double i, double j) =>
        Create(imageOrientationPatient, imagePositionPatient, pixelSpacing).PixelToPatient(i, j);

    /// <summary>
    /// Indices of <paramref name="slices"/> in increasing position along the first slice's normal (ties keep
    /// their input order). All slices must be parallel within <paramref name="parallelToleranceDegrees"/>
    /// (normals may point either way).
    /// </summary>
    public static int[] OrderByPosition(IReadOnlyList<ImagePlane> slices, double parallelToleranceDegrees = DefaultParallelToleranceDegrees)
    {
        var positions = Positions(slices, parallelToleranceDegrees);
        var order = Enumerable.Range(0, slices.Count).ToArray();
        // Array.Sort is not stable; sort on (position, index).
        Array.Sort(order, (a, b) => positions[a] != positions[b] ? positions[a].CompareTo(positions[b]) : a.CompareTo(b));
        return order;
    }

    /// <summary>
    /// Distances between consecutive slices once ordered by position: the spacing of a series
    /// (at least two slices). Duplicate positions give a minimum of 0.
    /// </summary>
    public static SeriesSpacing Spacing(IReadOnlyList<ImagePlane> slices, double parallelToleranceDegrees = DefaultParallelToleranceDegrees)
    {
        if (slices.Count < 2) throw new SliceGeometryException("ImagePositionPatient", $"spacing needs at least 2 slices, got {slices.Count}");
        var positions = Positions(slices, parallelToleranceDegrees);
        Array.Sort(positions);
        double min = double.MaxValue, max = 0;
        for (int i = 1; i < positions.Length; i++)
        {
            double d = positions[i] - positions[i - 1];
            min = Math.Min(min, d);
            max = Math.Max(max, d);
        }
        return new SeriesSpacing((positions[^1] - positions[0]) / (positions.Length - 1), min, max);
    }

    private static double[] Positions(IReadOnlyList<ImagePlane> slices, double parallelToleranceDegrees)
    {
        if (slices.Count == 0) return [];
        var normal = slices[0].Normal;
        double cosTolerance = Math.Cos(parallelToleranceDegrees * Math.PI / 180);
        var positions = new double[slices.Count];
        for (int i = 0; i < slices.Count; i++)
        {
            double alignment = Math.Abs(slices[i].Normal.Dot(normal));
            if (alignment < cosTolerance)
            {
                double angle = Math.Acos(Math.Min(1, alignment)) * 180 / Math.PI;
                throw new SliceGeometryException("ImageOrientationPatient",
                    $"slice {i} is at {angle:F1} degrees to slice 0; a series ordered by position needs parallel slices (tolerance {parallelToleranceDegrees} degrees)");
            }
            positions[i] = slices[i].Origin.Dot(normal);
        }
        return positions;
    }

    private static Vector3D Position(ReadOnlySpan<double> ipp)
    {
        if (ipp.Length != 3) throw new SliceGeometryException("ImagePositionPatient", $"has {ipp.Length} values, expected 3");
        foreach (double v in ipp)
            if (!double.IsFinite(v)) throw new SliceGeometryException("ImagePositionPatient", $"value {v} is not a finite number");
        return new Vector3D(ipp[0], ipp[1], ipp[2]);
    }
}

/// <summary>Spacing of a series along the slice normal, in mm: mean, smallest and largest gap between neighbours.</summary>
public readonly record struct SeriesSpacing(double Mean, double Min, double Max)
{
    /// <summary>True when every gap is within <paramref name="toleranceMm"/> of the mean.</summary>
    public bool IsUniform(double toleranceMm = 0.01) => Mean - Min <= toleranceMm && Max - Mean <= toleranceMm;
}
