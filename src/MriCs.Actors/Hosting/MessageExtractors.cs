using Akka.Cluster.Sharding;
using MriCs.Actors.Protocol;

namespace MriCs.Actors.Hosting;

/// <summary>Study aggregators: entity id = StudyInstanceUID.</summary>
public sealed class StudyMessageExtractor(int shards) : HashCodeMessageExtractor(shards)
{
    public override string? EntityId(object message) => message is IWithStudyUid s ? s.StudyUid : null;
}

/// <summary>GPU-worker slots: entity id = slot id.</summary>
public sealed class SlotMessageExtractor(int shards) : HashCodeMessageExtractor(shards)
{
    public override string? EntityId(object message) => message is IWithSlotId s ? s.SlotId : null;
}
