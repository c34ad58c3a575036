using MriCs.Inference.Manifest;
using MriCs.Inference.Preprocessing;

namespace MriCs.Inference.Tests;

public class ModelInputsTests
{
    private static readonly PreprocessingContract Letterbox = new("letterbox", 8, 125, "0-1", [0.485, 0.456, 0.406], [0.229, 0.224, 0.225], "RGB");

    [Fact]
    public void Detector_box_maps_back_to_a_non_square_original()
    {
        // A 640x320 image resized to 448x448: x scales by 640/448, y by 320/448.
        var box = ModelInputs.MapDetectorBox(new BoxF(224f, 224f, 280f, 336f), 448, 640, 320);
        Assert.Equal(new PixelBox(320, 160, 400, 240), box);
    }

    [Fact]
    public void Detector_box_is_clamped_to_the_image()
    {
        var box = ModelInputs.MapDetectorBox(new BoxF(-5f, -1f, 460f, 500f), 448, 300, 200);
        Assert.Equal(new PixelBox(0, 0, 300, 200), box);
    }

    [Fact]
    public void Detector_box_rounds_outwards()
    {
        // 0.5 * 2 = 1.0 exactly stays; 100.2 * 2 = 200.4 rounds out to 201 on the far edge.
        var box = ModelInputs.MapDetectorBox(new BoxF(0.5f, 10.3f, 100.2f, 20f), 448, 896, 896);
        Assert.Equal(new PixelBox(1, 20, 201, 40), box);
    }

    [Fact]
    public void Detector_input_replicates_gray_in_three_channels_scaled_to_unit_range()
    {
        var image = new GrayImage(2, 2, [0, 255, 255, 0]);
        var t = ModelInputs.Detector(image, 2);
        Assert.Equal(12, t.Length);
        Assert.Equal(new float[] { 0, 1, 1, 0 }, t[..4]);
        Assert.Equal(t[..4], t[4..8]);
        Assert.Equal(t[..4], t[8..]);
    }

    [Fact]
    public void Letterbox_pads_a_wide_crop_top_and_bottom_with_125()
    {
        // 8x4 crop into 8x8: scale 1, nw=8, nh=4, top=(8-4)/2=2.
        var crop = new GrayImage(8, 4, Enumerable.Repeat((byte)255, 32).ToArray());
        var t = new float[3 * 64];
        ModelInputs.Classifier(crop, Letterbox, t);
        var padR = (125f / 255f - 0.485f) / 0.229f;
        var whiteR = (1f - 0.485f) / 0.229f;
        Assert.Equal(padR, t[0], 5);            // row 0
        Assert.Equal(padR, t[1 * 8 + 3], 5);    // row 1
        Assert.Equal(whiteR, t[2 * 8 + 0], 5);  // row 2: image
        Assert.Equal(whiteR, t[5 * 8 + 7], 5);  // row 5: image
        Assert.Equal(padR, t[6 * 8 + 0], 5);    // row 6: pad
        var whiteB = (1f - 0.406f) / 0.225f;
        Assert.Equal(whiteB, t[2 * 64 + 3 * 8 + 3], 5);
    }

    [Fact]
    public void Letterbox_rounds_half_to_even_like_python()
    {
        // 16x5 crop into 8x8: scale 0.5, nw = 8, nh = round(2.5) = 2 (Python rounds half to even), top = 3.
        // Rounding half away from zero would give nh = 3, top = 2 and image in row 2.
        var crop = new GrayImage(16, 5, Enumerable.Repeat((byte)0, 80).ToArray());
        var t = new float[3 * 64];
        ModelInputs.Classifier(crop, Letterbox, t);
        var black = (0f - 0.485f) / 0.229f;
        var pad = (125f / 255f - 0.485f) / 0.229f;
        Assert.Equal(pad, t[2 * 8], 5);
        Assert.Equal(black, t[3 * 8], 5);
        Assert.Equal(black, t[4 * 8], 5);
        Assert.Equal(pad, t[5 * 8], 5);
    }

    [Fact]
    public void Softmax_sums_to_one_and_orders_like_logits()
    {
        var p = ModelInputs.Softmax([1f, 3f, 2f]);
        Assert.Equal(1.0, p.Sum(), 6);
        Assert.True(p[1] > p[2] && p[2] > p[0]);
        Assert.Equal(Math.Exp(3) / (Math.Exp(1) + Math.Exp(2) + Math.Exp(3)), p[1], 6);
    }

    [Fact]
    public void Crop_takes_the_exclusive_box()
    {
        var image = new GrayImage(4, 3, Enumerable.Range(0, 12).Select(i => (byte)i).ToArray());
        var crop = image.Crop(new PixelBox(1, 1, 3, 3));
        Assert.Equal(new byte[] { 5, 6, 9, 10 }, crop.Pixels);
        Assert.Throws<ArgumentOutOfRangeException>(() => image.Crop(new PixelBox(3, 0, 5, 2)));
    }
}
