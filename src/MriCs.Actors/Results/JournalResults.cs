using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MriCs.Actors.Actors;
using MriCs.Actors.Aggregation;
using MriCs.Actors.Hosting;
using MriCs.Actors.Protocol;

namespace MriCs.Actors.Results;

/// <summary>What the journal holds for one study: its folded state and every recommendation ever issued (exactly one when finished).</summary>
public sealed record StudyJournal(string StudyUid, bool Opened, int Expected, int Received, IReadOnlyList<Recommendation> Issued);

/// <summary>
/// The journal read directly, without the cluster (a local actor system with only the persistence plugin and
/// the MriCs serializer): `mrics db init` creates the schema, `mrics db results` exports what was decided.
/// Reading is safe while the cluster runs: nothing is written.
/// </summary>
public static class JournalResults
{
    /// <summary>A host whose actor system has only the journal, snapshot store and serializer of <paramref name="options"/>.</summary>
    public static IHost OpenJournal(MriCsOptions options, bool autoInitialize)
    {
        var o = new MriCsOptions
        {
            DataDir = options.DataDir,
            Persistence = new Hosting.PersistenceSettings { Provider = options.Persistence.Provider, ConnectionString = options.Persistence.ConnectionString, AutoInitialize = autoInitialize },
        };
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Services.AddAkka("mrics-journal", akka => akka
            .ConfigureLoggers(l => l.LogLevel = Akka.Event.LogLevel.WarningLevel)
            .WithMriCsSerialization()
            .WithMriCsPersistence(o));
        return builder.Build();
    }

    /// <summary>Creates the journal and snapshot tables when missing (recovers a probe entity, which makes both plugins initialize).</summary>
    public static async Task InitializeSchemaAsync(MriCsOptions options, TimeSpan timeout)
    {
        using var host = OpenJournal(options, autoInitialize: true);
        await host.StartAsync().ConfigureAwait(false);
        try
        {
            var system = host.Services.GetRequiredService<ActorSystem>();
            var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            system.ActorOf(Props.Create(() => new SchemaProbe(done)), "schema-probe");
            await done.Task.WaitAsync(timeout).ConfigureAwait(false);
            // the read side too (fails here, not later, when the tables are not usable)
            await ReadAllAsync(system, CancellationToken.None).WaitAsync(timeout).ConfigureAwait(false);
        }
        finally
        {
            await host.StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Every study in the journal, read without the cluster.</summary>
    public static async Task<IReadOnlyList<StudyJournal>> ReadAsync(MriCsOptions options, TimeSpan timeout)
    {
        using var host = OpenJournal(options, autoInitialize: false);
        await host.StartAsync().ConfigureAwait(false);
        try
        {
            return await ReadAllAsync(host.Services.GetRequiredService<ActorSystem>(), CancellationToken.None).WaitAsync(timeout).ConfigureAwait(false);
        }
        finally
        {
            await host.StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Folds every study-aggregator stream of the journal of <paramref name="system"/>.</summary>
    public static async Task<IReadOnlyList<StudyJournal>> ReadAllAsync(ActorSystem system, CancellationToken cancellation)
    {
        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var materializer = system.Materializer();
        var ids = await journal.CurrentPersistenceIds()
            .Where(id => id.StartsWith(StudyAggregatorActor.PersistencePrefix, StringComparison.Ordinal))
            .RunWith(Sink.Seq<string>(), materializer).WaitAsync(cancellation).ConfigureAwait(false);
        var studies = new List<StudyJournal>();
        foreach (var id in ids.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var events = await journal.CurrentEventsByPersistenceId(id, 0, long.MaxValue)
                .Select(e => e.Event)
                .RunWith(Sink.Seq<object>(), materializer).WaitAsync(cancellation).ConfigureAwait(false);
            var uid = id[StudyAggregatorActor.PersistencePrefix.Length..];
            var state = StudyState.Empty(uid);
            var issued = new List<Recommendation>();
            foreach (var e in events.OfType<IMriCsMessage>())
            {
                state = state.Apply(e);
                if (e is RecommendationIssued r) issued.Add(r.Recommendation);
            }
            studies.Add(new StudyJournal(uid, state.Opened, state.Expected, state.Received, issued));
        }
        return studies;
    }

    private sealed class SchemaProbe : ReceivePersistentActor
    {
        private readonly TaskCompletionSource<bool> _done;

        public SchemaProbe(TaskCompletionSource<bool> done)
        {
            _done = done;
            Recover<RecoveryCompleted>(_ =>
            {
                done.TrySetResult(true);
                Context.Stop(Self);
            });
            Recover<object>(_ => { });
        }

        public override string PersistenceId => "mrics-schema-probe";

        protected override void OnRecoveryFailure(Exception reason, object? message = null)
        {
            _done.TrySetException(new InvalidOperationException("the journal cannot be read: " + reason.Message, reason));
            base.OnRecoveryFailure(reason, message);
        }
    }
}
