using MriCs.Actors.Hosting;

// Ingest node: instance intake (watch folder; the C-STORE SCP), study assembly, the dispatcher and the
// persistent study aggregators (SQLite under MriCs:DataDir by default). Seeds: MriCs:Cluster:SeedNodes.
return await MriCsRuntime.RunNodeAsync(args, ClusterRoles.Ingest);
