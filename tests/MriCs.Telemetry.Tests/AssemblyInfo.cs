// Meters are process-wide (System.Diagnostics.Metrics): every node's MeterProvider sees every measurement made in this
// process while it listens. Tests run one at a time so the Prometheus test counts only its own node's work.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
