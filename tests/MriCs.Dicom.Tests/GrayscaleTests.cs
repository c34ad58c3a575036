using MriCs.Dicom.Imaging;
using MriCs.Dicom.Pixels;

namespace MriCs.Dicom.Tests;

/// <summary>The dataset facade over the pixel pipeline: attributes read from the dataset reach PixelTransforms.</summary>
public class GrayscaleTests
{
    private static DicomDataset Image(string photometric = "MONOCHROME2")
    {
        // 1x4 signed 16-bit: stored -100, 0, 100, 200; rescale 2x - 50 -> -250, -50, 150, 350.
        var ds = TestData.SmallImage(rows: 1, columns: 4, bitsStored: 16, pixelRepresentation: 1);
        ds.SetString(DicomTag.PhotometricInterpretation, photometric);
        ds.SetBytes(DicomTag.PixelData, DicomVR.OW, new short[] { -100, 0, 100, 200 }.SelectMany(BitConverter.GetBytes).ToArray());
        ds.SetDouble(DicomTag.RescaleSlope, 2);
        ds.SetDouble(DicomTag.RescaleIntercept, -50);
        return ds;
    }

    private static double LinearExact(double x, double c, double w) => Math.Clamp((x - c) / w + 0.5, 0, 1);

    [Fact]
    public void File_window_rescale_and_function_are_applied()
    {
        var ds = Image();
        ds.SetDoubles(DicomTag.WindowCenter, 50, 999);
        ds.SetDoubles(DicomTag.WindowWidth, 400, 1);
        ds.SetString(DicomTag.VOILUTFunction, "LINEAR_EXACT");
        var px = DicomPixelData.Create(ds, TransferSyntax.ExplicitVRLittleEndian);
        var f = DicomGrayscale.RenderFloat(ds, px, 0);
        double[] modality = [-250, -50, 150, 350];
        for (var i = 0; i < 4; i++) Assert.Equal(LinearExact(modality[i], 50, 400), f[i], 5);
        var g = DicomGrayscale.RenderGray8(ds, px, 0);
        for (var i = 0; i < 4; i++) Assert.Equal((byte)Math.Round(LinearExact(modality[i], 50, 400) * 255, MidpointRounding.AwayFromZero), g[i]);
    }

    [Fact]
    public void Monochrome1_is_inverted_and_explicit_window_wins()
    {
        var ds = Image("MONOCHROME1");
        var px = DicomPixelData.Create(ds, TransferSyntax.ExplicitVRLittleEndian);
        var options = new GrayscaleOptions { WindowSource = WindowSource.Explicit, Window = new VoiWindow(50, 401) };
        var inverted = DicomGrayscale.RenderFloat(ds, px, 0, options);
        ds.SetString(DicomTag.PhotometricInterpretation, "MONOCHROME2");
        var normal = DicomGrayscale.RenderFloat(ds, DicomPixelData.Create(ds, TransferSyntax.ExplicitVRLittleEndian), 0, options);
        for (var i = 0; i < 4; i++) Assert.Equal(1 - normal[i], inverted[i], 5);
        Assert.True(inverted[0] > inverted[3]);
    }

    [Fact]
    public void Without_a_file_window_the_automatic_window_spans_the_values()
    {
        var ds = Image();
        var px = DicomPixelData.Create(ds, TransferSyntax.ExplicitVRLittleEndian);
        var f = DicomGrayscale.RenderFloat(ds, px, 0, new GrayscaleOptions { AutomaticLowPercent = 0, AutomaticHighPercent = 100 });
        Assert.Equal(0, f[0], 5);
        Assert.Equal(1, f[3], 5);
        Assert.True(f[1] > 0 && f[1] < f[2] && f[2] < 1);
        Assert.Throws<DicomDataException>(() => DicomGrayscale.RenderFloat(ds, px, 0, new GrayscaleOptions { WindowSource = WindowSource.File }));
    }

    [Fact]
    public void Colour_images_are_refused_and_real_files_render()
    {
        var rgb = DicomFile.Open(PeerTools.PydicomFile("SC_rgb_rle.dcm"));
        Assert.Throws<DicomDataException>(() => DicomGrayscale.RenderGray8(rgb.Dataset, DicomPixelData.Create(rgb), 0));
        var mr = DicomFile.Open(PeerTools.PydicomFile("MR_small_RLE.dcm"));
        var g = DicomGrayscale.RenderGray8(mr.Dataset, DicomPixelData.Create(mr), 0);
        Assert.Equal(64 * 64, g.Length);
        Assert.True(g.Distinct().Count() > 50, "a real MR slice renders to many gray levels");
    }
}
