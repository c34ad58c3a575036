namespace MriCs.Actors.Protocol;

/// <summary>Every message that may cross a node boundary or be persisted: bound to <see cref="Serialization.MriCsSerializer"/>.</summary>
public interface IMriCsMessage;

/// <summary>Routed to the study-aggregator shard region by study instance UID.</summary>
public interface IWithStudyUid
{
    string StudyUid { get; }
}

/// <summary>Routed to the GPU-worker shard region by slot id ("slot-0", ...).</summary>
public interface IWithSlotId
{
    string SlotId { get; }
}
