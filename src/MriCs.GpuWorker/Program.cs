using MriCs.Actors.Hosting;
using MriCs.Management;
using MriCs.Management.Slots;
using MriCs.Management.Telemetry;
using MriCs.Management.Agreement;

// GPU-worker node: MriCs:Inference:Slots slots of the gpu-worker shard region, each with its own SlicePipeline
// (models from MriCs:Inference:ModelsDir, provider auto|cuda|cpu). Seeds: MriCs:Cluster:SeedNodes.
// Management endpoint (health, cluster palette): MriCs:Management:Port / Bind / Token.
return await MriCsRuntime.RunNodeAsync(args, [ClusterRoles.GpuWorker], s => s.AddMriCsManagement().AddMriCsMetrics().AddGpuSlotManagement().AddLiveAgreement());
