using MriCs.Actors.Hosting;
using MriCs.Management;
using MriCs.Management.Telemetry;

// The seed node: remoting and clustering only. Settings: MriCs__Cluster__Hostname, MriCs__Cluster__Port (e.g. 4053),
// MriCs__Cluster__SeedNodes__0=akka.tcp://mrics@lighthouse-0:4053 (itself), or appsettings.json / --MriCs:Cluster:Port=4053.
// Management endpoint (health, cluster palette): MriCs:Management:Port / Bind / Token.
return await MriCsRuntime.RunNodeAsync(args, [ClusterRoles.Lighthouse], s => s.AddMriCsManagement().AddMriCsMetrics());
