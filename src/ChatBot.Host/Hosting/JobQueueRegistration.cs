using ChatBot.Core.Configuration;
using ChatBot.Core.Pipeline;
using ChatBot.Core.Queue;
using ChatBot.Inference;
using Hangfire;
using Hangfire.Common;
using Hangfire.Redis.StackExchange;
using StackExchange.Redis;

namespace ChatBot.Host.Hosting;

/// <summary>
/// Where the pipeline's jobs live and run: Hangfire's storage (memory by default, Redis when configured), its
/// filters (delete when done, pacing, retries), its workers, and the rescue of a dead instance's jobs.
/// </summary>
internal static class JobQueueRegistration
{
    private const string HangfirePrefix = "chatbot:hangfire:";

    public static IHostApplicationBuilder AddJobQueue(this IHostApplicationBuilder builder, RedisOptions redis, int inferenceParallelism)
    {
        var services = builder.Services;
        if (redis.Enabled)
        {
            services.AddHostedService<RedisPersistenceCheck>();
        }

        // Read here, not through IOptions: whether this instance runs workers, and how many, decides what is registered.
        var queue = builder.Configuration.GetSection(QueueOptions.Section).Get<QueueOptions>() ?? new QueueOptions();
        var invisibility = (builder.Configuration.GetSection(InferenceOptions.Section).Get<InferenceOptions>() ?? new InferenceOptions()).RequestTimeout + TimeSpan.FromMinutes(10);
        // This app's own storage, registered before AddHangfire so the client and the server resolve it rather than
        // the process-wide JobStorage.Current that Hangfire's static configuration would otherwise hand out.
        services.AddSingleton<JobStorage>(provider => redis.Enabled
            ? new RedisStorage(provider.GetRequiredService<IConnectionMultiplexer>(), new RedisStorageOptions
            {
                Prefix = HangfirePrefix,
                Db = provider.GetRequiredService<ConfigurationOptions>().DefaultDatabase ?? 0,
                // A job still fetched this long after it started is taken for lost even if its server lives: longer
                // than the longest answer (Inference:RequestTimeout plus sending). Dead servers are rescued far sooner.
                InvisibilityTimeout = invisibility,
                // The fallback poll behind pub/sub wake-ups.
                FetchTimeout = TimeSpan.FromSeconds(15),
            })
            : new Hangfire.InMemory.InMemoryStorage());
        // This app's filters, registered before AddHangfire (which only adds Hangfire's process-wide list if none is):
        // the client, the workers and the state changer all read them from here. Hangfire's static GlobalJobFilters is
        // left as it is, so two hosts in one process (tests, a side-by-side upgrade) never edit a list the other's
        // workers are reading, and each keeps its own retry settings.
        services.AddSingleton<IJobFilterProvider>(_ => AppJobFilters(queue));
        // Likewise the activator: Hangfire's default is the static JobActivator.Current, set by whichever host was configured last.
        services.AddSingleton<JobActivator>(provider => new Hangfire.AspNetCore.AspNetCoreJobActivator(provider.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((provider, config) => config.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseStorage(provider.GetRequiredService<JobStorage>()));
        if (queue.RunWorkers)
        {
            services.AddAnswerWriting();
            services.AddHangfireServer((provider, options) =>
            {
                // More workers than the model has sequences: a crowd's jobs reach the answer line at once, where each
                // user is told their place and served in arrival order, instead of waiting unseen in the queue.
                options.WorkerCount = queue.WorkerCount > 0 ? queue.WorkerCount : Math.Clamp(inferenceParallelism * 4, 16, 64);
                options.SchedulePollingInterval = TimeSpan.FromSeconds(1);
                // Hangfire's defaults (5-min server timeout and check) leave a killed instance's answers waiting longer
                // than WeCom's 6-minute stream window. A live server beats every 2 s; the rescuer below takes one whose
                // beat it has watched stand still for 10 s for dead. The library's watchdog only tidies the server list.
                options.HeartbeatInterval = TimeSpan.FromSeconds(2);
                options.ServerCheckInterval = TimeSpan.FromSeconds(5);
                options.ServerTimeout = TimeSpan.FromSeconds(20);
            });
            if (redis.Enabled)
            {
                // Hangfire's hosted server runs every IBackgroundProcess registered in the container beside its workers.
                services.AddSingleton<Hangfire.Server.IBackgroundProcess>(provider => new DeadServerJobRescuer(provider.GetRequiredService<IConnectionMultiplexer>(),
                    HangfirePrefix, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), provider.GetRequiredService<ILogger<DeadServerJobRescuer>>()));
            }
        }

        return builder;
    }

    /// <summary>
    /// Hangfire's default filters (culture capture, statistics, continuations) and the job's own attributes, with
    /// ours: delete when done, pacing, and retries as Queue:Retries says instead of the default ten attempts.
    /// </summary>
    internal static IJobFilterProvider AppJobFilters(QueueOptions queue)
    {
        var filters = new JobFilterCollection();
        foreach (var filter in GlobalJobFilters.Filters.Where(f => f.Instance is not (AutomaticRetryAttribute or DeleteWhenDoneFilter or PacingFilter)))
        {
            filters.Add(filter.Instance, filter.Order);
        }

        filters.Add(new DeleteWhenDoneFilter());
        filters.Add(new PacingFilter());
        filters.Add(new AutomaticRetryAttribute
        {
            Attempts = queue.Retries,
            DelaysInSeconds = queue.RetryDelaySeconds.Length > 0 ? queue.RetryDelaySeconds : [5],
            OnAttemptsExceeded = AttemptsExceededAction.Delete,
        });
        return new JobFilterProviderCollection(new JobFilterAttributeFilterProvider(), filters);
    }
}
