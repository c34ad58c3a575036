using MriCs.Actors.Protocol;
using MriCs.Inference.Preprocessing;

namespace MriCs.Actors.Grading;

/// <summary>Stands in for the DICOM reader while this tree lacks the MriCs.Dicom toolkit (compiled only then; see MriCs.Actors.csproj).</summary>
public sealed class DicomInstanceReader : IInstanceReader
{
    public DicomInstanceReader() { }

    public InstanceHeader ReadHeader(string path) => throw new NotSupportedException($"{path}: DICOM reading needs the MriCs.Dicom toolkit, which this build does not have yet");

    public GrayImage ReadGray(string path) => throw new NotSupportedException($"{path}: DICOM reading needs the MriCs.Dicom toolkit, which this build does not have yet");
}
