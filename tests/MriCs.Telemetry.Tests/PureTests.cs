using MriCs.Actors.Protocol;
using MriCs.Actors.Telemetry;

namespace MriCs.Telemetry.Tests;

public class LogSafeTests
{
    [Fact]
    public void A_uid_becomes_a_short_stable_hash_that_does_not_contain_it()
    {
        const string uid = "1.2.826.0.1.3680043.8.498.12345678901234567890";
        var safe = LogSafe.Uid(uid);
        Assert.Equal(safe, LogSafe.Uid(uid));
        Assert.NotEqual(safe, LogSafe.Uid(uid + "1"));
        Assert.Matches("^uid:[0-9a-f]{10}$", safe);
        Assert.Equal("uid:none", LogSafe.Uid(null));
    }

    [Fact]
    public void A_path_keeps_only_its_hash_and_extension_and_messages_lose_it()
    {
        const string path = "/data/staging/1.2.3.4.5.6/1.2.3.4.5.7/DOE_JANE.dcm";
        var safe = LogSafe.Path(path);
        Assert.Matches("^file:[0-9a-f]{10}\\.dcm$", safe);
        Assert.Equal($"{safe}: not readable as DICOM", LogSafe.Message($"{path}: not readable as DICOM", path));
    }

    [Fact]
    public void Akka_lines_lose_uids_message_contents_and_patient_fields_but_keep_versions_and_addresses()
    {
        const string line = "Started entity [akka://mrics/system/sharding/study-aggregator/14/2.25.282109999227132823169250543303135414209#1] on akka.tcp://mrics@127.0.0.1:4053 (Akka 1.5.73)";
        var scrubbed = ScrubbingLoggerFactory.Scrub(line);
        Assert.DoesNotContain("282109999227132823169250543303135414209", scrubbed);
        Assert.Contains(LogSafe.Uid("2.25.282109999227132823169250543303135414209"), scrubbed);
        Assert.Contains("127.0.0.1:4053", scrubbed);
        Assert.Contains("1.5.73", scrubbed);

        var dead = ScrubbingLoggerFactory.Scrub("Message [SliceTask] was not delivered. Message content: SliceTask { StudyUid = 1.2.3.4.5, PatientId = PHANTOM-1 }");
        Assert.DoesNotContain("PHANTOM-1", dead);
        Assert.StartsWith("Message [SliceTask] was not delivered.", dead);
        Assert.DoesNotContain("JANE", ScrubbingLoggerFactory.Scrub("InstanceHeader { PatientId = JANE, Modality = MR }"));
    }
}

public class SliceRateTests
{
    [Fact]
    public void Rate_counts_whole_seconds_in_the_window_and_forgets_older_ones()
    {
        var rate = new SliceRate(windowSeconds: 10);
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        Assert.Equal(0, rate.PerSecond(t0));
        for (var s = 0; s < 4; s++) rate.Add(t0.AddSeconds(s).AddMilliseconds(100), 5);
        Assert.Equal(5, rate.PerSecond(t0.AddSeconds(4)), 3);      // 20 slices in 4 whole seconds
        Assert.Equal(2, rate.PerSecond(t0.AddSeconds(10)), 3);     // 20 slices over the 10 s window
        Assert.Equal(0, rate.PerSecond(t0.AddSeconds(30)), 3);     // all older than the window
    }
}

public class ModelSetVersionTests
{
    private static ModelSetRef Set(string sha) => new("ensemble", [new ModelRef("det", "detector", null, sha), new ModelRef("cls", "classifier", 1, new string('b', 64))]);

    [Fact]
    public void The_version_changes_with_any_file_and_only_then()
    {
        var a = ModelSetVersion.Of(Set(new string('a', 64)));
        Assert.Matches("^[0-9a-f]{12}$", a);
        Assert.Equal(a, ModelSetVersion.Of(Set(new string('A', 64))));
        Assert.NotEqual(a, ModelSetVersion.Of(Set(new string('c', 64))));
        Assert.Equal(ModelSetVersion.None, ModelSetVersion.Of(null));
    }
}
