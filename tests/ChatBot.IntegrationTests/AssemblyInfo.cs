// Hangfire keeps its configuration in process-wide statics (JobStorage.Current, GlobalJobFilters), so two hosts
// alive at once in one test process could see each other's jobs. The integration test classes run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

