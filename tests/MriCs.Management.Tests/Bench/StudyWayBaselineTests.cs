using MriCs.Cli;
using MriCs.Cli.Commands;
using MriCs.Phantom;

namespace MriCs.Management.Tests.Bench;

/// <summary>`bench inference --study-way`: the PyTorch baseline runs only with the weights the ONNX models came from.</summary>
public class StudyWayBaselineTests
{
    [Fact]
    public void The_summary_line_of_study_inference_py_is_read()
    {
        // The exact shape of the script's print (models/training/study_inference.py).
        var line = "study-style PyTorch inference, set ensemble, 100 images, 2 threads, cpu: mean 187.3 ms/image, p50 185.0, p95 201.7, 5.34 images/s";
        Assert.Equal((187.3, 5.34), StudyWayBaseline.ParseSummary(line));
        Assert.Null(StudyWayBaseline.ParseSummary("Traceback (most recent call last):"));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(100)]
    public void The_exported_phantom_test_split_holds_enough_images(int images)
    {
        var patients = StudyWayBaseline.PatientsFor(images);
        var testImages = Enumerable.Range(0, patients).Count(p => TrainingExport.Split(p) == "test") * 4;
        Assert.True(testImages >= images, $"{patients} patients give {testImages} test images, fewer than {images}");
        Assert.True(testImages < images + 12, "no more patients than needed");
    }

    [Fact]
    public void Missing_weights_are_named_detector_first()
    {
        var dir = Directory.CreateTempSubdirectory("mrics-weights-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "cls-a.pt"), [1]);
            Assert.Equal(["det.pt", "cls-b.pt"], StudyWayBaseline.MissingWeights(dir, "det", ["cls-a", "cls-b"]));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Without_the_pt_files_the_bench_refuses_and_says_where_they_come_from()
    {
        var models = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../models"));
        var weights = Directory.CreateTempSubdirectory("mrics-noweights-").FullName;
        try
        {
            var (o, e) = (new StringWriter(), new StringWriter());
            var code = CommandRouter.Run(["bench", "inference", "--models", models, "--study-way", "--weights", weights, "--slices", "1"], CommandTable.All, o, e);
            Assert.Equal(2, code);
            Assert.Contains("det-fasterrcnn-mobilenetv3s.pt", e.ToString());
            Assert.Contains("run_all.sh", e.ToString());
            Assert.Equal("", o.ToString());
        }
        finally { Directory.Delete(weights, true); }
    }
}
