namespace MriCs.Dicom.Imaging;

/// <summary>Anatomical plane of a slice, from the axis its normal is closest to.</summary>
public enum SlicePlane
{
    /// <summary>Normal along the patient's feet-head (Z) axis.</summary>
    Axial,
    /// <summary>Normal along the patient's right-left (X) axis.</summary>
    Sagittal,
    /// <summary>Normal along the patient's anterior-posterior (Y) axis.</summary>
    Coronal,
    /// <summary>Normal further than the tolerance from every axis.</summary>
    Oblique,
}
