using System.Security.Cryptography;
using ChatBot.Core.AdminFiles;
using ChatBot.Core.Conversations;
using ChatBot.Core.Dedupe;
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
    public static IHostApplicationBuilder AddMessagePipeline(this IHostApplicationBuilder builder, RedisOptions redis, int inferenceParallelism)
    {
        var services = builder.Services;
        services.TryAddSingletonTimeProvider();
        services.AddOptions<IntakeOptions>().Bind(builder.Configuration.GetSection(IntakeOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<QueueOptions>().Bind(builder.Configuration.GetSection(QueueOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var queue = builder.Configuration.GetSection(QueueOptions.Section).Get<QueueOptions>() ?? new QueueOptions();

        services.AddOptions<ScreeningOptions>().Bind(builder.Configuration.GetSection(ScreeningOptions.Section));
        services.AddOptions<QuotaOptions>().Bind(builder.Configuration.GetSection(QuotaOptions.Section));
        var screening = builder.Configuration.GetSection(ScreeningOptions.Section).Get<ScreeningOptions>() ?? new ScreeningOptions();
        var quotas = builder.Configuration.GetSection(QuotaOptions.Section).Get<QuotaOptions>() ?? new QuotaOptions();
        services.AddSingleton(provider => new HotReloadedFile<SensitiveWordList>(screening.WordListFile, SensitiveWordList.Parse,
            provider.GetRequiredService<ILogger<SensitiveWordList>>()));
        services.AddSingleton(provider => new HotReloadedFile<QuotaPolicy>(quotas.PolicyFile, QuotaPolicy.Parse,
            provider.GetRequiredService<ILogger<QuotaPolicy>>()));
        services.AddSingleton<SensitiveWordScreener>();
        services.AddSingleton<QuotaGate>();
        services.AddSingleton<ConversationMemory>();
        services.AddSingleton(new EnvelopeSealer(EnvelopeKey(queue, redis)));
        services.AddSingleton<MessageIntake>();
        services.AddSingleton<IAnswerQueue, HangfireAnswerQueue>();
        services.AddHostedService<AdminFilesCheck>();
        if (redis.Enabled)
        {
            services.AddSingleton<IDedupeStore, RedisDedupeStore>();
            services.AddSingleton<IQuotaLedger, RedisQuotaLedger>();
            services.AddSingleton<IDeliveryLedger, RedisDeliveryLedger>();
            services.AddSingleton<IStreamStore, RedisStreamStore>();
        }
        else
        {
            services.AddSingleton<IDedupeStore, MemoryDedupeStore>();
            services.AddSingleton<IQuotaLedger, MemoryQuotaLedger>();
            services.AddSingleton<IDeliveryLedger, MemoryDeliveryLedger>();
            services.AddSingleton<IStreamStore, MemoryStreamStore>();
        }

        // This app's own storage, registered before AddHangfire so the client and the server resolve it rather than
        // the process-wide JobStorage.Current that Hangfire's static configuration would otherwise hand out.
        services.AddSingleton<JobStorage>(provider => redis.Enabled
            ? new RedisStorage(provider.GetRequiredService<IConnectionMultiplexer>(), new RedisStorageOptions
            {
                Prefix = "chatbot:hangfire:",
                Db = provider.GetRequiredService<ConfigurationOptions>().DefaultDatabase ?? 0,
            })
            : new Hangfire.InMemory.InMemoryStorage());
        services.AddHangfire((provider, config) =>
        {
            // Global filters are static: replace ours (and Hangfire's default 10-attempt retry) instead of adding more.
            foreach (var filter in GlobalJobFilters.Filters.Where(f => f.Instance is AutomaticRetryAttribute or DeleteWhenDoneFilter).ToList())
            {
                GlobalJobFilters.Filters.Remove(filter.Instance);
            }

            config.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings()
                .UseFilter(new DeleteWhenDoneFilter())
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
            services.AddHangfireServer(options =>
            {
                options.WorkerCount = queue.WorkerCount > 0 ? queue.WorkerCount : inferenceParallelism;
                options.SchedulePollingInterval = TimeSpan.FromSeconds(1);
            });
        }
        return builder;
    }

    /// <summary>Loads the admin files at start-up, so a broken one stops start-up instead of the first message.</summary>
    private sealed class AdminFilesCheck(HotReloadedFile<SensitiveWordList> words, HotReloadedFile<QuotaPolicy> quotas) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = words.Current;
            _ = quotas.Current;
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

    private static byte[] EnvelopeKey(QueueOptions queue, RedisOptions redis)
    {
        if (string.IsNullOrWhiteSpace(queue.EnvelopeKey))
        {
            if (redis.Enabled)
            {
                throw new OptionsValidationException(QueueOptions.Section, typeof(QueueOptions),
                    ["Queue:EnvelopeKey is required when Redis:ConnectionString is set, so every instance can open every queued envelope. Generate one with: openssl rand -base64 32"]);
            }

            return RandomNumberGenerator.GetBytes(32);
        }

        var key = new byte[48];
        if (!Convert.TryFromBase64String(queue.EnvelopeKey, key, out var written) || written != 32)
        {
            throw new OptionsValidationException(QueueOptions.Section, typeof(QueueOptions),
                [$"Queue:EnvelopeKey must be Base64 of exactly 32 bytes (openssl rand -base64 32); it decodes to {(written > 0 ? written + " bytes" : "nothing")}."]);
        }

        return key[..32];
    }
}
