using MriCs.Actors.Protocol;
using MriCs.Inference.Preprocessing;

namespace MriCs.Actors.Grading;

/// <summary>Reads DICOM Part 10 instances with MriCs.Dicom (wired when the DICOM toolkit is in the tree).</summary>
public sealed class DicomInstanceReader : IInstanceReader
{
    public InstanceHeader ReadHeader(string path) => throw new NotSupportedException($"{path}: DICOM reading needs the MriCs.Dicom toolkit, which this build does not have yet");

    public GrayImage ReadGray(string path) => throw new NotSupportedException($"{path}: DICOM reading needs the MriCs.Dicom toolkit, which this build does not have yet");
}
