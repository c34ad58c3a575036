using Microsoft.Extensions.DependencyInjection;
using MriCs.Actors.Hosting;
using MriCs.Evaluation.Analysis;
using MriCs.Evaluation.Input;
using MriCs.Phantom;
using MriCs.Phantom.Studies;

namespace MriCs.Actors.Tests;

/// <summary>
/// Phantom DICOM studies (with distractor series) through the whole embedded node with the real demo
/// models in models/: every study gets a recommendation and the ensemble agrees with the ground truth.
/// </summary>
public class EndToEndSpec
{
    private static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "MriCs.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("MriCs.sln not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public async Task Phantom_studies_become_recommendations_that_agree_with_the_ground_truth()
    {
        using var tmp = new TempDir();
        var studies = tmp.Sub("studies");
        const int patients = 12;
        PhantomStudy.Write(studies, new PhantomOptions(20261127), patients, new StudyOptions());
        var labels = tmp.Sub("labels.csv");
        File.Move(Path.Combine(studies, "labels.csv"), labels);

        var host = MriCsNode.Build(new Dictionary<string, string?>
        {
            ["MriCs:DataDir"] = tmp.Sub("data"),
            ["MriCs:Inference:ModelsDir"] = Path.Combine(RepositoryRoot(), "models"),
            ["MriCs:Inference:Provider"] = "cpu",
        }, s => s.AddMriCsRuntime());
        await host.StartAsync();
        try
        {
            var client = new PipelineClient(host.Services.GetRequiredService<Akka.Actor.ActorSystem>(), host.Services.GetRequiredService<Akka.Hosting.IActorRegistry>());
            await client.WaitForSlotsAsync(1, TimeSpan.FromMinutes(3));
            var ingested = await client.IngestFolderAsync(studies, TimeSpan.FromMinutes(5));
            Assert.Equal(patients, ingested.StudyUids.Count);
            Assert.Empty(ingested.Rejected);
            var recommendations = await client.WaitForRecommendationsAsync(ingested.StudyUids, TimeSpan.FromMinutes(10));
            Assert.All(recommendations, r => Assert.NotNull(r.Grade));
            Assert.All(recommendations, r => Assert.Equal(4, r.Levels.Count(l => l.Grade is not null)));
            Assert.All(recommendations, r => Assert.Equal(5, r.ModelSet!.Models.Count)); // detector + four classifiers, each with its sha256

            var results = tmp.Sub("results.csv");
            using (var w = new StreamWriter(results)) Results.ResultsExport.WriteCsv(w, recommendations);
            var report = AgreementAnalysis.Run(EvaluationCsv.ReadPredictions(results), EvaluationCsv.ReadReferences(labels),
                new AgreementOptions { BootstrapReplicates = 0, Comparisons = false });
            var image = report.Find(AnalysisUnit.Image, "ensemble", report.PrimaryTarget)!;
            Assert.Equal(patients * 4, image.N);
            Assert.True(image.ThreeClass.Estimate.Kappa >= 0.8, $"ensemble 3-class kappa per level {image.ThreeClass.Estimate.Kappa:0.000} < 0.8");
            var patient = report.Find(AnalysisUnit.Patient, "ensemble", report.PrimaryTarget)!;
            Assert.True(patient.Binary.Estimate.Kappa is null or >= 0.8, $"patient binary kappa {patient.Binary.Estimate.Kappa:0.000} < 0.8");
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}
