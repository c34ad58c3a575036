using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;
using MriCs.Actors.Protocol;

namespace MriCs.Actors.Serialization;

/// <summary>
/// The serializer for every <see cref="IMriCsMessage"/>: UTF-8 JSON of the record's properties, with
/// a short manifest per type that never changes once journals hold it (renaming a class keeps its
/// manifest; a new event gets a new manifest). No type names inside the payload.
/// </summary>
public sealed class MriCsSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 7301;

    /// <summary>Manifests: persisted events start with "e", cluster messages with "m". Append only.</summary>
    public static IReadOnlyDictionary<Type, string> Manifests { get; } = new Dictionary<Type, string>
    {
        [typeof(StudyOpened)] = "e.so1",
        [typeof(SliceResultRecorded)] = "e.sr1",
        [typeof(RecommendationIssued)] = "e.ri1",
        [typeof(InstanceHeader)] = "m.ih1",
        [typeof(SliceTask)] = "m.st1",
        [typeof(OpenStudy)] = "m.os1",
        [typeof(StudyOpenAck)] = "m.oa1",
        [typeof(RecordSliceResult)] = "m.rs1",
        [typeof(SliceResultAck)] = "m.ra1",
        [typeof(GetStudyResult)] = "m.gs1",
        [typeof(StudyResultResponse)] = "m.gr1",
        [typeof(RecommendationPublished)] = "m.rp1",
        [typeof(SubmitSlice)] = "m.ss1",
        [typeof(SliceAccepted)] = "m.sa1",
        [typeof(DispatcherBusy)] = "m.db1",
        [typeof(DispatcherReady)] = "m.dr1",
        [typeof(GetDispatcherStats)] = "m.gd1",
        [typeof(DispatcherStats)] = "m.ds1",
        [typeof(RunSlice)] = "m.rn1",
        [typeof(WorkerBusy)] = "m.wb1",
        [typeof(GetSlotStats)] = "m.gt1",
        [typeof(SlotStats)] = "m.ts1",
        [typeof(SlotHosted)] = "m.sh1",
        // slot management (telemetry, issue 8)
        [typeof(GetSlotDetails)] = "m.gsd1",
        [typeof(SlotDetails)] = "m.sd1",
        [typeof(ReloadSlot)] = "m.rl1",
        [typeof(SlotReloaded)] = "m.rd1",
        [typeof(SurgeonDecisionRecorded)] = "e.sd1",
        [typeof(RecordDecisions)] = "m.rdc1",
        [typeof(DecisionsRecorded)] = "m.dd1",
        [typeof(GetAgreement)] = "m.ga1",
        [typeof(AgreementStatus)] = "m.as1",
        [typeof(AgreementSnapshot)] = "e.an1",
    };

    private static readonly Dictionary<string, Type> Types = Manifests.ToDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);

    internal static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public override int Identifier => SerializerId;

    public override string Manifest(object o) =>
        Manifests.TryGetValue(o.GetType(), out var m) ? m : throw new ArgumentException($"{o.GetType().FullName} has no manifest in MriCsSerializer.Manifests");

    public override byte[] ToBinary(object obj)
    {
        if (obj is DispatcherReady or GetDispatcherStats) return [];
        _ = Manifest(obj);
        return JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Json);
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!Types.TryGetValue(manifest, out var type)) throw new System.Runtime.Serialization.SerializationException($"unknown MriCs manifest '{manifest}' ({bytes.Length} bytes)");
        if (type == typeof(DispatcherReady)) return DispatcherReady.Instance;
        if (type == typeof(GetDispatcherStats)) return GetDispatcherStats.Instance;
        try
        {
            return JsonSerializer.Deserialize(bytes, type, Json) ?? throw new System.Runtime.Serialization.SerializationException($"manifest '{manifest}': empty payload");
        }
        catch (JsonException ex)
        {
            throw new System.Runtime.Serialization.SerializationException($"manifest '{manifest}' ({type.Name}): invalid payload at byte {ex.BytePositionInLine}, line {ex.LineNumber}: {ex.Message}", ex);
        }
    }
}
