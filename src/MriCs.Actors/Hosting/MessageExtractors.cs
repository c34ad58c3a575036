using Akka.Cluster.Sharding;
using MriCs.Actors.Protocol;

namespace MriCs.Actors.Hosting;

/// <summary>Study aggregators: entity id = StudyInstanceUID.</summary>
public sealed class StudyMessageExtractor(int shards) : HashCodeMessageExtractor(shards)
{
    public override string? EntityId(object message) => message is IWithStudyUid s ? s.StudyUid : null;
}

/// <summary>GPU-worker slots: entity id = shard id = slot id, so the slot allocation strategy places each slot on its own
/// (<see cref="Slots.SlotAllocationStrategy"/>: never two slots in one shard, never more shards on a node than it has slots).</summary>
public sealed class SlotMessageExtractor : IMessageExtractor
{
    public string? EntityId(object message) => message is IWithSlotId s ? s.SlotId : null;
    public object? EntityMessage(object message) => message;
    public string? ShardId(object message) => EntityId(message);
    public string ShardId(string entityId, object? messageHint = null) => entityId;
}
