using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MriCs.Actors.Hosting;
using MriCs.Actors.Telemetry;
using MriCs.Dicom;
using MriCs.Phantom;
using MriCs.Phantom.Studies;

namespace MriCs.Telemetry.Tests;

/// <summary>
/// A phantom study (given a birth date) goes through C-STORE and the whole pipeline with every log line captured at
/// Debug level, Akka's own included: no patient name, ID or birth date and no full study UID appears; the study shows
/// up under its hashed UID with the components' event ids.
/// </summary>
public class LogPrivacySpec
{
    [Fact]
    public async Task Logs_of_a_study_carry_no_patient_data_and_no_full_study_uid()
    {
        using var tmp = new TempDir();
        var studies = tmp.Sub("studies");
        PhantomStudy.Write(studies, new PhantomOptions(777), 1, new StudyOptions());
        File.Delete(Path.Combine(studies, "labels.csv"));
        const string birthDate = "19470312", patientName = "Quastelberg^Kasimira";
        string? name = null, id = null, studyUid = null;
        foreach (var f in Directory.GetFiles(studies, "*.dcm", SearchOption.AllDirectories))
        {
            var file = DicomFile.Open(f);
            file.Dataset.SetString(DicomTag.PatientBirthDate, birthDate);
            file.Dataset.SetString(DicomTag.PatientName, patientName);
            file.Save(f);
            name = file.Dataset.GetString(DicomTag.PatientName);
            id = file.Dataset.GetString(DicomTag.PatientID);
            studyUid = file.Dataset.GetString(DicomTag.StudyInstanceUID);
        }
        Assert.False(string.IsNullOrEmpty(name));
        Assert.False(string.IsNullOrEmpty(id));
        Assert.False(string.IsNullOrEmpty(studyUid));

        var capture = new LogCapture();
        var port = Repo.FreePort();
        await using (var node = await TestNode.StartAsync(new Dictionary<string, string?>
        {
            ["MriCs:DataDir"] = tmp.Sub("data"),
            ["MriCs:Inference:ModelsDir"] = Repo.Models,
            ["MriCs:Inference:Provider"] = "cpu",
            ["MriCs:Dicom:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["MriCs:Dicom:Bind"] = "127.0.0.1",
            ["MriCs:Ingest:StudyInactivity"] = "00:00:02",
        }, s => s.AddMriCsRuntime().AddSingleton<ILoggerProvider>(capture), LogLevel.Debug))
        {
            await node.Client.WaitForSlotsAsync(1, TimeSpan.FromMinutes(3));
            Repo.StoreScu(port, studies);
            var recommendation = Assert.Single(await node.Client.WaitForRecommendationsAsync([studyUid!], TimeSpan.FromMinutes(5)));
            Assert.Equal(id, recommendation.PatientId); // the data is there; only the logs must not carry it
        }

        Assert.True(capture.Entries.Count > 20, $"only {capture.Entries.Count} log lines captured");
        NotLogged(capture, studyUid!, "the full study UID");
        NotLogged(capture, id!, "the patient ID");
        NotLogged(capture, birthDate, "the birth date");
        foreach (var part in patientName.Split('^'))
            NotLogged(capture, part, "the patient name");

        // The study is traceable under its hash through each component's event-id range.
        var hashed = LogSafe.Uid(studyUid);
        Assert.Contains(capture.Entries, e => e.EventId.Id == 2003 && e.Message.Contains(hashed, StringComparison.Ordinal)); // ingest: assembled
        Assert.Contains(capture.Entries, e => e.EventId.Id == 4000 && e.Message.Contains(hashed, StringComparison.Ordinal)); // aggregator: opened
        Assert.Contains(capture.Entries, e => e.EventId.Id == 4001 && e.Message.Contains(hashed, StringComparison.Ordinal)); // aggregator: recommendation
        Assert.Contains(capture.Entries, e => e.EventId.Id == 3000); // slot ready
        Assert.Contains(capture.Entries, e => e.EventId.Id == 1001); // DICOM association accepted
        Assert.Contains(capture.Entries, e => e.Category.StartsWith("Akka", StringComparison.Ordinal)); // Akka's own events are in the same stream
    }

    private static void NotLogged(LogCapture capture, string value, string what)
    {
        var lines = capture.AllText().Split('\n').Where(l => l.Contains(value, StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.True(lines.Count == 0, $"{what} appears in {lines.Count} log lines:\n{string.Join("\n", lines.Take(20))}");
    }
}
