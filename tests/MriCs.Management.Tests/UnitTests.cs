using MriCs.Actors.Protocol;
using MriCs.Cli;
using MriCs.Cli.Management;

namespace MriCs.Management.Tests;

public sealed class UnitTests
{
    private static StudyPlan Plan(string uid, string patient, int slices) =>
        new(uid, patient, uid + ".1", LevelSources.Explicit,
            Enumerable.Range(0, slices).Select(i => new PlannedSlice(Fake.Levels[i], $"{uid}.{i}", "/x")).ToList(), [], null, slices);

    private static Recommendation Rec(string uid, string patient, int grade) =>
        new(uid, patient, grade, grade >= 1, "C4/5", 0.8f, "mean", [], [], false, [], null, null, "because");

    [Fact]
    public void The_ledger_folds_opened_recorded_and_issued_events_per_study()
    {
        var slice = new SliceReport("C3/4", "s", SliceOutcomes.Graded, null, null, [], null, null);
        var studies = StudyLedger.Fold(
        [
            new JournalEvent("study-1", 1, 1_000, new StudyOpened(Plan("1", "PA", 2))),
            new JournalEvent("study-2", 1, 2_000, new StudyOpened(Plan("2", "PB", 3))),
            new JournalEvent("study-1", 2, 3_000, new SliceResultRecorded(slice)),
            new JournalEvent("study-2", 2, 3_500, new SliceResultRecorded(slice)),
            new JournalEvent("study-1", 3, 4_000, new SliceResultRecorded(slice)),
            new JournalEvent("study-1", 4, 5_000, new RecommendationIssued(Rec("1", "PA", 2))),
            new JournalEvent("other-1", 1, 6_000, new StudyOpened(Plan("9", "PZ", 1))),
        ]);
        Assert.Equal(["1", "2"], studies.Keys.Order());
        Assert.Equal(StudyStatuses.Recommended, studies["1"].Status);
        Assert.Equal(2, studies["1"].Received);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(5_000), studies["1"].IssuedAt);
        var pending = Assert.Single(StudyLedger.Pending(studies));
        Assert.Equal(("2", "PB", 1, 3), (pending.StudyUid, pending.PatientId, pending.Received, pending.Expected));
        Assert.Single(StudyLedger.Issued(studies, DateTimeOffset.FromUnixTimeMilliseconds(5_000)));
        Assert.Empty(StudyLedger.Issued(studies, DateTimeOffset.FromUnixTimeMilliseconds(5_001)));
    }

    [Fact]
    public void Journal_timestamps_in_ticks_and_in_unix_milliseconds_both_read()
    {
        var t = new DateTimeOffset(2026, 11, 27, 4, 0, 0, TimeSpan.Zero);
        Assert.Equal(t, StudyLedger.Time(t.UtcTicks));
        Assert.Equal(t, StudyLedger.Time(t.ToUnixTimeMilliseconds()));
        Assert.Null(StudyLedger.Time(0));
    }

    [Theory]
    [InlineData(null, null, null, "http://127.0.0.1:8558/")]
    [InlineData("node-1", null, null, "http://node-1:8558/")]
    [InlineData("node-1:9000", null, null, "http://node-1:9000/")]
    [InlineData("node-1", "9001", null, "http://node-1:9001/")]
    [InlineData(null, null, "10.0.0.5:8600", "http://10.0.0.5:8600/")]
    [InlineData(null, "8700", "10.0.0.5:8600", "http://10.0.0.5:8700/")]
    [InlineData("https://mgmt.example:443", null, null, "https://mgmt.example/")]
    public void The_endpoint_comes_from_host_port_or_MRICS_HOST(string? host, string? port, string? env, string expected) =>
        Assert.Equal(expected, ManagementClient.ResolveAddress(host, port, env).ToString());

    [Fact]
    public void A_bad_port_is_a_usage_error() =>
        Assert.Throws<CliUsageException>(() => ManagementClient.ResolveAddress("h", "99999", null));

    [Fact]
    public void Tokens_match_only_when_configured_and_equal()
    {
        Assert.True(ManagementAuth.TokenMatches("abcdefghijklmnop", "abcdefghijklmnop"));
        Assert.False(ManagementAuth.TokenMatches("abcdefghijklmnop", "abcdefghijklmnoq"));
        Assert.False(ManagementAuth.TokenMatches(null, ""));
        Assert.False(ManagementAuth.TokenMatches("", ""));
        Assert.False(ManagementAuth.TokenMatches("abcdefghijklmnop", null));
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Empty(new ManagementOptions { Port = 8558, Token = "0123456789abcdef" }.Validate());
        Assert.Equal(3, new ManagementOptions { Port = 70000, Bind = "everywhere", Token = "short" }.Validate().Count());
    }

    [Fact]
    public void Tables_align_columns_and_mark_empty_cells()
    {
        var w = new StringWriter();
        TablePrinter.Print(w, ["a", "bbb", "c"], [["xxxx", null, "z"], ["y", "2", ""]]);
        Assert.Equal(["a     bbb  c", "xxxx  -    z", "y     2    -"], w.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }
}
