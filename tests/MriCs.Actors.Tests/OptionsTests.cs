using Microsoft.Extensions.Configuration;
using MriCs.Actors.Hosting;

namespace MriCs.Actors.Tests;

public class OptionsTests
{
    private static MriCsOptions Bind(Dictionary<string, string?> values)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var o = new MriCsOptions();
        config.GetSection(MriCsOptions.Section).Bind(o);
        return o;
    }

    [Fact]
    public void Defaults_are_all_in_one_and_valid()
    {
        var o = Bind([]);
        Assert.Equal(ClusterRoles.AllInOne, o.EffectiveRoles);
        Assert.Empty(o.Validate());
        Assert.Equal(["t2"], o.Ingest.Assembly.T2Patterns);
    }

    [Fact]
    public void Configured_roles_and_patterns_replace_the_defaults()
    {
        var o = Bind(new() { ["MriCs:Roles:0"] = "lighthouse", ["MriCs:Ingest:Assembly:T2DescriptionPatterns:0"] = "tse" });
        Assert.Equal(["lighthouse"], o.EffectiveRoles);
        Assert.False(o.Has(ClusterRoles.Ingest));
        Assert.Equal(["tse"], o.Ingest.Assembly.T2Patterns);
    }

    [Fact]
    public void Every_problem_is_reported()
    {
        var o = Bind(new()
        {
            ["MriCs:Roles:0"] = "gpu",
            ["MriCs:Inference:Slots"] = "-1",
            ["MriCs:Persistence:Provider"] = "oracle",
            ["MriCs:Aggregation:Fusion"] = "median",
        });
        var problems = o.Validate().ToList();
        Assert.Contains(problems, p => p.Contains("unknown role 'gpu'"));
        Assert.Contains(problems, p => p.Contains("Slots"));
        Assert.Contains(problems, p => p.Contains("'oracle'"));
        Assert.Contains(problems, p => p.Contains("median"));
    }

    [Fact]
    public void Dicom_storage_mode_is_direct_by_default_journal_when_asked_and_anything_else_is_refused()
    {
        Assert.Equal(MriCs.Dicom.Network.StorageMode.Direct, Bind([]).Dicom.ParsedStorageMode);
        var journal = Bind(new() { ["MriCs:Dicom:StorageMode"] = "Journal" });
        Assert.Equal(MriCs.Dicom.Network.StorageMode.Journal, journal.Dicom.ParsedStorageMode);
        Assert.Empty(journal.Validate());
        var bad = Bind(new() { ["MriCs:Dicom:StorageMode"] = "wal" });
        Assert.Null(bad.Dicom.ParsedStorageMode);
        Assert.Contains(bad.Validate(), p => p == "MriCs:Dicom:StorageMode 'wal' must be direct or journal");
    }
}
