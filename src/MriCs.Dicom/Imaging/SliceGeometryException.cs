namespace MriCs.Dicom.Imaging;

/// <summary>
/// Image Plane attributes that cannot describe a slice: wrong value counts, non-finite numbers,
/// direction cosines that are not unit length or not orthogonal, spacings that are not positive,
/// or a series whose slices do not share an orientation. The message names the attribute.
/// </summary>
public sealed class SliceGeometryException(string attribute, string reason)
    : Exception($"{attribute}: {reason}")
{
    /// <summary>The attribute keyword at fault, e.g. ImageOrientationPatient.</summary>
    public string Attribute { get; } = attribute;
}
