using MriCs.Actors.Protocol;
using MriCs.Inference.Preprocessing;

namespace MriCs.Actors.Grading;

/// <summary>Reads the stored instances: the header fields study assembly needs, and the 8-bit gray image to grade.</summary>
public interface IInstanceReader
{
    /// <summary>The header, or an exception naming the file and the problem (not DICOM, no study UID...).</summary>
    InstanceHeader ReadHeader(string path);

    GrayImage ReadGray(string path);
}
