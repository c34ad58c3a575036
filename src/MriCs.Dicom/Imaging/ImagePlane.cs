namespace MriCs.Dicom.Imaging;

/// <summary>
/// The Image Plane module of one slice (PS3.3 C.7.6.2), validated: <see cref="Origin"/> is
/// ImagePositionPatient (centre of the first transmitted pixel), <see cref="Row"/> and <see cref="Column"/>
/// are the direction cosines of ImageOrientationPatient as written (unit within the validation tolerance) (along a row, i.e. increasing column index,
/// and along a column, i.e. increasing row index), <see cref="RowSpacing"/> and <see cref="ColumnSpacing"/>
/// are PixelSpacing[0] (between rows) and PixelSpacing[1] (between columns).
/// </summary>
public readonly record struct ImagePlane(Vector3D Origin, Vector3D Row, Vector3D Column, double RowSpacing, double ColumnSpacing)
{
    /// <summary>Slice normal, Row x Column (unit length).</summary>
    public Vector3D Normal => Row.Cross(Column).Normalized();

    /// <summary>Signed distance of the slice along its normal: Origin · Normal.</summary>
    public double Position => Origin.Dot(Normal);

    /// <summary>
    /// Patient coordinates of the centre of pixel (column <paramref name="i"/>, row <paramref name="j"/>):
    /// Origin + Row·ColumnSpacing·i + Column·RowSpacing·j (PS3.3 C.7.6.2.1.1, equation C.7.6.2.1-1).
    /// </summary>
    public Vector3D PixelToPatient(double i, double j) => Origin + Row * (ColumnSpacing * i) + Column * (RowSpacing * j);

    public SlicePlane Plane(double toleranceDegrees = SliceGeometry.DefaultPlaneToleranceDegrees) =>
        SliceGeometry.Classify(Normal, toleranceDegrees);
}
