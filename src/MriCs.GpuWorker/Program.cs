using MriCs.Actors.Hosting;

// GPU-worker node: MriCs:Inference:Slots slots of the gpu-worker shard region, each with its own SlicePipeline
// (models from MriCs:Inference:ModelsDir, provider auto|cuda|cpu). Seeds: MriCs:Cluster:SeedNodes.
return await MriCsRuntime.RunNodeAsync(args, ClusterRoles.GpuWorker);
