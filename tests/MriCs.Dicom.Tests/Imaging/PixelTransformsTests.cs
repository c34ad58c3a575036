using Xunit;
using MriCs.Dicom.Codecs;
using MriCs.Dicom.Imaging;

namespace MriCs.Dicom.Tests.Imaging;

public class PixelTransformsTests
{
    [Theory]
    // PS3.3 C.11.2.1.2.1 with c = 40, w = 400: 0 at or below c - 0.5 - (w-1)/2 = -160, 1 above c - 0.5 + (w-1)/2 = 239.
    [InlineData(-1000, 0)]
    [InlineData(-160, 0)]
    [InlineData(-159.5, 0.5 / 399)]
    [InlineData(39.5, 0.5)]
    [InlineData(139.25, 0.75)]
    [InlineData(239, 1)]
    [InlineData(239.5, 1)]
    public void Linear_window_follows_the_standard_formula(double x, double expected)
    {
        Assert.Equal(expected, PixelTransforms.Window(x, new VoiWindow(40, 400), VoiLutFunction.Linear), 12);
    }

    [Fact]
    public void Linear_window_of_width_one_is_a_threshold_at_center_minus_half()
    {
        var w = new VoiWindow(100, 1);
        Assert.Equal(0, PixelTransforms.Window(99.5, w, VoiLutFunction.Linear));
        Assert.Equal(1, PixelTransforms.Window(99.51, w, VoiLutFunction.Linear));
    }

    [Theory]
    [InlineData(-5, 0)]
    [InlineData(-2.5, 0.25)]
    [InlineData(0, 0.5)]
    [InlineData(5, 1)]
    [InlineData(6, 1)]
    public void Linear_exact_window_follows_the_standard_formula(double x, double expected)
    {
        Assert.Equal(expected, PixelTransforms.Window(x, new VoiWindow(0, 10), VoiLutFunction.LinearExact), 12);
    }

    [Fact]
    public void Sigmoid_window_follows_the_standard_formula()
    {
        var w = new VoiWindow(300, 200);
        Assert.Equal(0.5, PixelTransforms.Window(300, w, VoiLutFunction.Sigmoid), 12);
        Assert.Equal(1 / (1 + Math.Exp(-2)), PixelTransforms.Window(400, w, VoiLutFunction.Sigmoid), 12);
        Assert.Equal(1 / (1 + Math.Exp(4)), PixelTransforms.Window(100, w, VoiLutFunction.Sigmoid), 12);
    }

    [Theory]
    [InlineData(VoiLutFunction.Linear, 0.5)]
    [InlineData(VoiLutFunction.LinearExact, 0)]
    [InlineData(VoiLutFunction.Sigmoid, -1)]
    [InlineData(VoiLutFunction.Linear, double.NaN)]
    public void Invalid_window_widths_are_rejected(VoiLutFunction function, double width)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PixelTransforms.Window(0, new VoiWindow(0, width), function));
    }

    [Fact]
    public void Full_range_linear_window_on_8_bit_values_is_the_identity()
    {
        var stored = Enumerable.Range(0, 256).Select(i => (ushort)i).ToArray();
        var gray = new byte[256];
        PixelTransforms.Render<ushort>(stored, new RenderOptions(1, 0, VoiWindow.FromRange(0, 255)), gray);
        Assert.Equal(Enumerable.Range(0, 256).Select(i => (byte)i), gray);
    }

    [Fact]
    public void Render_equals_rescale_then_window_then_inversion()
    {
        var rng = new Random(3);
        var stored = Enumerable.Range(0, 500).Select(_ => (short)rng.Next(-2048, 2048)).ToArray();
        var options = new RenderOptions(2.5, -1024, new VoiWindow(-300, 1500), VoiLutFunction.LinearExact, Monochrome1: true);
        var modality = new float[stored.Length];
        PixelTransforms.Rescale<short>(stored, 2.5, -1024, modality);
        Assert.Equal(2.5f * stored[7] - 1024, modality[7]);
        var stepwise = new float[stored.Length];
        PixelTransforms.ApplyWindow(modality, options.Window, options.Function, stepwise);
        PixelTransforms.InvertMonochrome1(stepwise);
        var oneCall = new float[stored.Length];
        PixelTransforms.Render<short>(stored, options, oneCall);
        for (int i = 0; i < stored.Length; i++) Assert.Equal(stepwise[i], oneCall[i], 5);
        Assert.Contains(oneCall, v => v == 0f);
        Assert.Contains(oneCall, v => v == 1f);

        var gray = new byte[stored.Length];
        PixelTransforms.Render<short>(stored, options, gray);
        var grayStepwise = new byte[stored.Length];
        PixelTransforms.ApplyWindow(modality, options.Window, options.Function, grayStepwise);
        PixelTransforms.InvertMonochrome1(grayStepwise);
        Assert.Equal(grayStepwise, gray);
    }

    [Theory]
    [InlineData(16, 12, true)]
    [InlineData(16, 16, false)]
    [InlineData(8, 8, false)]
    public void Rendering_a_native_frame_equals_reading_stored_values_then_rendering(int ba, int bs, bool signed)
    {
        var info = new FrameInfo(37, 61, 1, ba, bs, signed, 0); // 2257 pixels: several stack chunks plus a partial one
        var native = Codecs.Synthetic.Frame(info, 5);
        var stored = new int[info.PixelCount];
        PixelTransforms.ReadStoredValues(native, info, 0, stored);
        var options = new RenderOptions(1.5, -20, PixelTransforms.AutoWindowMinMax(stored.Select(v => 1.5f * v - 20).ToArray()),
            VoiLutFunction.Sigmoid, Monochrome1: signed);
        var expected = new float[stored.Length];
        PixelTransforms.Render<int>(stored, options, expected);
        var actual = new float[stored.Length];
        PixelTransforms.Render(native, info, options, actual);
        Assert.Equal(expected, actual);
        var gray = new byte[stored.Length];
        var grayExpected = new byte[stored.Length];
        PixelTransforms.Render(native, info, options, gray);
        PixelTransforms.Render<int>(stored, options, grayExpected);
        Assert.Equal(grayExpected, gray);
        Assert.Throws<ArgumentException>(() => PixelTransforms.Render(native, info with { SamplesPerPixel = 3 }, options, actual));
    }

    [Fact]
    public void Monochrome1_inverts_so_that_the_minimum_is_white()
    {
        var stored = new[] { 0, 100 };
        var output = new float[2];
        PixelTransforms.Render<int>(stored, new RenderOptions(1, 0, VoiWindow.FromRange(0, 100), Monochrome1: true), output);
        Assert.Equal(new[] { 1f, 0f }, output);
    }

    [Fact]
    public void Stored_values_are_masked_and_sign_extended_from_bits_stored()
    {
        // 12 bits stored in 16: 0xF800 has garbage above bit 11 and the pattern 0x800 (-2048 signed).
        byte[] native = [0x00, 0xF8, 0xFF, 0x07, 0xFF, 0xFF, 0x01, 0x00];
        var values = new int[4];
        PixelTransforms.ReadStoredValues(native, new FrameInfo(1, 4, 1, 16, 12, true, 0), 0, values);
        Assert.Equal(new[] { -2048, 2047, -1, 1 }, values);
        PixelTransforms.ReadStoredValues(native, new FrameInfo(1, 4, 1, 16, 12, false, 0), 0, values);
        Assert.Equal(new[] { 0x800, 0x7FF, 0xFFF, 1 }, values);
    }

    [Fact]
    public void Stored_values_of_one_sample_follow_the_planar_configuration()
    {
        byte[] interleaved = [1, 2, 3, 4, 5, 6];
        var g = new int[2];
        PixelTransforms.ReadStoredValues(interleaved, new FrameInfo(1, 2, 3, 8, 8, false, 0), 1, g);
        Assert.Equal(new[] { 2, 5 }, g);
        PixelTransforms.ReadStoredValues(interleaved, new FrameInfo(1, 2, 3, 8, 8, false, 1), 1, g);
        Assert.Equal(new[] { 3, 4 }, g);
    }

    [Fact]
    public void Min_max_auto_window_maps_the_extremes_to_black_and_white()
    {
        float[] values = [-50, 10, 300, 1200];
        foreach (var f in new[] { VoiLutFunction.Linear, VoiLutFunction.LinearExact })
        {
            var w = PixelTransforms.AutoWindowMinMax(values, f);
            Assert.Equal(0, PixelTransforms.Window(-50, w, f), 9);
            Assert.Equal(1, PixelTransforms.Window(1200, w, f), 9);
        }
    }

    [Fact]
    public void Percentile_auto_window_ignores_outliers_and_is_close_to_the_exact_percentiles()
    {
        // 0..999 once each, plus five huge outliers (1005 values): the 1st percentile is rank floor(0.01 * 1004) = 10,
        // value 10; the 99th is rank ceil(0.99 * 1004) = 994, value 994.
        var values = Enumerable.Range(0, 1000).Select(i => (float)i).Concat(Enumerable.Repeat(1e6f, 5)).ToArray();
        new Random(1).Shuffle(values);
        var w = PixelTransforms.AutoWindowPercentile(values, 1, 99);
        double low = w.Center - w.Width / 2, high = w.Center + w.Width / 2 - 1; // inverse of FromRange (Linear)
        double resolution = (1e6 - 0) / (4096.0 * 4096.0);
        Assert.InRange(low, 10 - resolution, 10);
        Assert.InRange(high, 994, 994 + resolution);
        var minMax = PixelTransforms.AutoWindowMinMax(values);
        Assert.True(minMax.Width > 100 * w.Width);
    }

    [Fact]
    public void Auto_window_of_a_constant_image_is_valid()
    {
        var w = PixelTransforms.AutoWindowPercentile([7f, 7f, 7f]);
        // Width 1 is a threshold at center - 0.5 = 7: the constant value renders black, without a division by zero.
        Assert.Equal(1, w.Width);
        Assert.Equal(0, PixelTransforms.Window(7, w, VoiLutFunction.Linear));
        Assert.Equal(1, PixelTransforms.Window(7.01, w, VoiLutFunction.Linear));
        Assert.Throws<ArgumentException>(() => PixelTransforms.AutoWindowMinMax([float.NaN]));
    }

    [Fact]
    public void Bad_rescale_and_short_outputs_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PixelTransforms.Rescale<int>([1], 0, 0, new float[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => PixelTransforms.Rescale<int>([1], double.NaN, 0, new float[1]));
        Assert.Throws<ArgumentException>(() => PixelTransforms.Rescale<int>([1, 2], 1, 0, new float[1]));
    }
}
