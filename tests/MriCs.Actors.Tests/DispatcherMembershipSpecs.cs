using Akka.Actor;
using Akka.TestKit.Xunit2;
using MriCs.Actors.Actors;
using MriCs.Actors.Protocol;
using Xunit.Abstractions;

namespace MriCs.Actors.Tests;

public class DispatcherMembershipSpecs(ITestOutputHelper output) : TestKit(SpecConfig.Local, output: output)
{
    private static SliceTask Task(int i) => new("s", "P", "C3/4", $"sop-{i}", $"/x/{i}");

    [Fact]
    public async Task A_stale_refusal_neither_queues_a_task_twice_nor_leaks_a_credit()
    {
        var workers = CreateTestProbe();
        var settings = new DispatcherSettings(DispatcherSettings.SlotIds(2), QueueCapacity: 4, MaxInFlightPerSlot: 1, TaskTimeout: TimeSpan.FromMinutes(5));
        var dispatcher = Sys.ActorOf(SliceDispatcher.Props(settings, workers.Ref));
        dispatcher.Tell(new SubmitSlice(Task(1)));
        dispatcher.Tell(new SubmitSlice(Task(2)));
        var runs = workers.ReceiveN(2).Cast<RunSlice>().ToDictionary(r => r.Task.SopInstanceUid);
        var other = runs["sop-1"].SlotId == "slot-0" ? "slot-1" : "slot-0";

        dispatcher.Tell(new WorkerBusy(other, Task(1))); // from a slot that does not hold sop-1 (crossed a re-send)
        workers.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        dispatcher.Tell(new SliceResultAck("s", "sop-1", false));
        dispatcher.Tell(new SliceResultAck("s", "sop-2", false));
        dispatcher.Tell(new SubmitSlice(Task(3)));
        dispatcher.Tell(new SubmitSlice(Task(4)));
        Assert.Equal(["slot-0", "slot-1"], workers.ReceiveN(2).Cast<RunSlice>().Select(r => r.SlotId).Order()); // both credits back
        var stats = await dispatcher.Ask<DispatcherStats>(GetDispatcherStats.Instance);
        Assert.Equal(2, stats.InFlight);
        Assert.Equal(2, stats.Finished);
        Assert.Equal(4, stats.Dispatched);
    }

    [Fact]
    public async Task The_tasks_of_a_slot_whose_entity_stops_are_sent_again_at_once()
    {
        var workers = CreateTestProbe();
        var settings = new DispatcherSettings(DispatcherSettings.SlotIds(1), QueueCapacity: 4, MaxInFlightPerSlot: 2, TaskTimeout: TimeSpan.FromMinutes(5));
        var dispatcher = Sys.ActorOf(SliceDispatcher.Props(settings, workers.Ref));
        var entity = CreateTestProbe();
        dispatcher.Tell(new SubmitSlice(Task(1)));
        dispatcher.Tell(new SubmitSlice(Task(2)));
        workers.ReceiveN(2);
        dispatcher.Tell(new SlotHosted("slot-0"), entity.Ref); // what the entity says on its first task
        await System.Threading.Tasks.Task.Delay(200);
        Sys.Stop(entity.Ref); // hand-off or node gone: Terminated
        var again = workers.ReceiveN(2, TimeSpan.FromSeconds(5)).Cast<RunSlice>().Select(r => r.Task.SopInstanceUid).Order().ToList();
        Assert.Equal(["sop-1", "sop-2"], again);
        var stats = await dispatcher.Ask<DispatcherStats>(GetDispatcherStats.Instance);
        Assert.Equal(2, stats.Resent);
        Assert.Equal(2, stats.InFlight);
    }
}
