using System.Security.Cryptography;
using ChatBot.Core.AdminFiles;
using ChatBot.Core.Audit;
using ChatBot.Core.Conversations;
using ChatBot.Core.Dedupe;
using ChatBot.Core.Knowledge;
using ChatBot.Core.Knowledge.Access;
using ChatBot.Core.Knowledge.Search;
using ChatBot.Core.Observability;
using ChatBot.Core.Pipeline;
using ChatBot.Core.Queue;
using ChatBot.Core.Quotas;
using ChatBot.Core.Replies;
using ChatBot.Core.Screening;
using Hangfire;
using Hangfire.Redis.StackExchange;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatBot.Host.Hosting;

/// <summary>
/// Intake, dedupe, screening, quotas, sealed envelopes and the Hangfire queue: memory by default, Redis when
/// configured. The admin files (quotas, sensitive words) load here, so a broken one stops start-up.
/// </summary>
internal static class PipelineRegistration
{
    private const string HangfirePrefix = "chatbot:hangfire:";

    public static IHostApplicationBuilder AddMessagePipeline(this IHostApplicationBuilder builder, RedisOptions redis, int inferenceParallelism)
    {
        var services = builder.Services;
        services.TryAddSingletonTimeProvider();
        services.AddMetrics();
        services.AddSingleton<ChatBotMetrics>();
        services.AddOptions<AuditOptions>().Bind(builder.Configuration.GetSection(AuditOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuditOptions>, AuditOptionsValidator>();
        services.AddSingleton<AuditTrail>();
        services.AddHostedService(provider => provider.GetRequiredService<AuditTrail>());
        services.AddOptions<IntakeOptions>().Bind(builder.Configuration.GetSection(IntakeOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<QueueOptions>().Bind(builder.Configuration.GetSection(QueueOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<QueueOptions>>(new QueueOptionsValidator(redis.Enabled));
        services.AddOptions<AnswerOptions>().Bind(builder.Configuration.GetSection(AnswerOptions.Section));
        var queue = builder.Configuration.GetSection(QueueOptions.Section).Get<QueueOptions>() ?? new QueueOptions();

        services.AddOptions<ScreeningOptions>().Bind(builder.Configuration.GetSection(ScreeningOptions.Section));
        services.AddOptions<QuotaOptions>().Bind(builder.Configuration.GetSection(QuotaOptions.Section));
        var screening = builder.Configuration.GetSection(ScreeningOptions.Section).Get<ScreeningOptions>() ?? new ScreeningOptions();
        var quotas = builder.Configuration.GetSection(QuotaOptions.Section).Get<QuotaOptions>() ?? new QuotaOptions();
        services.AddSingleton(provider => new HotReloadedFile<SensitiveWordList>(screening.WordListFile, SensitiveWordList.Parse,
            provider.GetRequiredService<ILogger<SensitiveWordList>>()));
        services.AddSingleton(provider => new HotReloadedFile<QuotaPolicy>(quotas.PolicyFile, QuotaPolicy.Parse,
            provider.GetRequiredService<ILogger<QuotaPolicy>>()));
        services.AddOptions<KnowledgeOptions>().Bind(builder.Configuration.GetSection(KnowledgeOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<KnowledgeOptions>, KnowledgeOptionsValidator>();
        services.AddSingleton<AskerDepartments>();
        var knowledge = builder.Configuration.GetSection(KnowledgeOptions.Section).Get<KnowledgeOptions>() ?? new KnowledgeOptions();
        services.AddSingleton(provider => new KnowledgeBase(knowledge.Folder,
            File.Exists(knowledge.SynonymsFile)
                ? new HotReloadedFile<Glossary>(knowledge.SynonymsFile, Glossary.Parse, provider.GetRequiredService<ILogger<Glossary>>())
                : null,
            provider.GetRequiredService<ILogger<KnowledgeBase>>()));
        services.AddSingleton<SensitiveWordScreener>();
        services.AddSingleton<QuotaGate>();
        services.AddSingleton<ConversationMemory>();
        // Validated by QueueOptionsValidator with every other setting; a bad key never gets this far.
        services.AddSingleton(provider => new EnvelopeSealer(QueueOptionsValidator.Key(provider.GetRequiredService<IOptions<QueueOptions>>().Value)
            ?? RandomNumberGenerator.GetBytes(32)));
        services.AddSingleton<MessageIntake>();
        services.AddSingleton<IAnswerQueue, HangfireAnswerQueue>();
        services.AddHostedService<AdminFilesCheck>();
        if (redis.Enabled)
        {
            services.AddSingleton<IDedupeStore, RedisDedupeStore>();
            services.AddSingleton<IQuotaLedger, RedisQuotaLedger>();
            services.AddSingleton<IDeliveryLedger, RedisDeliveryLedger>();
            services.AddSingleton<IStreamStore, RedisStreamStore>();
            services.AddHostedService<RedisPersistenceCheck>();
        }
        else
        {
            services.AddSingleton<IDedupeStore, MemoryDedupeStore>();
            services.AddSingleton<IQuotaLedger, MemoryQuotaLedger>();
            services.AddSingleton<IDeliveryLedger, MemoryDeliveryLedger>();
            services.AddSingleton<IStreamStore, MemoryStreamStore>();
        }

        var invisibility = (builder.Configuration.GetValue<TimeSpan?>("Inference:RequestTimeout") ?? TimeSpan.FromMinutes(3)) + TimeSpan.FromMinutes(10);
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
        services.AddHangfire((provider, config) =>
        {
            // Global filters are static: replace ours (and Hangfire's default 10-attempt retry) instead of adding more.
            foreach (var filter in GlobalJobFilters.Filters.Where(f => f.Instance is AutomaticRetryAttribute or DeleteWhenDoneFilter or PacingFilter).ToList())
            {
                GlobalJobFilters.Filters.Remove(filter.Instance);
            }

            config.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings()
                .UseFilter(new DeleteWhenDoneFilter())
                .UseFilter(new PacingFilter())
                .UseFilter(new AutomaticRetryAttribute
                {
                    Attempts = queue.Retries,
                    DelaysInSeconds = queue.RetryDelaySeconds.Length > 0 ? queue.RetryDelaySeconds : [5],
                    OnAttemptsExceeded = AttemptsExceededAction.Delete,
                })
                .UseStorage(provider.GetRequiredService<JobStorage>());
        });
        if (queue.RunWorkers)
        {
            services.AddHangfireServer((provider, options) =>
            {
                options.WorkerCount = queue.WorkerCount > 0 ? queue.WorkerCount : inferenceParallelism;
                options.SchedulePollingInterval = TimeSpan.FromSeconds(1);
                // Hangfire's defaults (5-min server timeout and check) leave a killed instance's answers waiting longer
                // than WeCom's 6-minute stream window. A live server beats every 5 s; one silent for 20 s is dead.
                options.HeartbeatInterval = TimeSpan.FromSeconds(5);
                options.ServerCheckInterval = TimeSpan.FromSeconds(5);
                options.ServerTimeout = TimeSpan.FromSeconds(20);
            });
            if (redis.Enabled)
            {
                // Hangfire's hosted server runs every IBackgroundProcess registered in the container beside its workers.
                services.AddSingleton<Hangfire.Server.IBackgroundProcess>(provider => new DeadServerJobRescuer(provider.GetRequiredService<IConnectionMultiplexer>(),
                    HangfirePrefix, TimeSpan.FromSeconds(5), provider.GetRequiredService<ILogger<DeadServerJobRescuer>>()));
            }
        }

        return builder;
    }

    /// <summary>Loads the admin files at start-up, so a broken one stops start-up instead of the first message.</summary>
    private sealed class AdminFilesCheck(HotReloadedFile<SensitiveWordList> words, HotReloadedFile<QuotaPolicy> quotas, KnowledgeBase knowledge) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = words.Current;
            _ = quotas.Current;
            _ = knowledge.Glossary;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }
}
