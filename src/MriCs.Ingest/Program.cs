using MriCs.Actors.Hosting;
using MriCs.Management;
using MriCs.Management.Slots;
using MriCs.Management.Telemetry;
using MriCs.Management.Agreement;

// Ingest node: instance intake (watch folder; the C-STORE SCP), study assembly, the dispatcher and the
// persistent study aggregators (SQLite under MriCs:DataDir by default). Seeds: MriCs:Cluster:SeedNodes.
// Management endpoint (health, cluster palette): MriCs:Management:Port / Bind / Token.
return await MriCsRuntime.RunNodeAsync(args, [ClusterRoles.Ingest], s => s.AddMriCsManagement().AddMriCsMetrics().AddGpuSlotManagement().AddLiveAgreement());
