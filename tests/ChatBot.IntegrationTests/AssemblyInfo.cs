// Hangfire keeps some configuration in process-wide statics (JobStorage.Current, its log provider), so two hosts alive
// at once in one test process could reach each other's; each host's storage, filters and job activator are its own,
// and two are started together only where a test means it. The integration test classes run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
