using System.Security.Cryptography;
using ChatBot.Core.Dedupe;
using ChatBot.Core.Pipeline;
using ChatBot.Core.Queue;
using Hangfire;
using Hangfire.Redis.StackExchange;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatBot.Host.Hosting;

/// <summary>Intake, dedupe, sealed envelopes and the Hangfire queue: memory by default, Redis when configured.</summary>
internal static class PipelineRegistration
{
    public static IHostApplicationBuilder AddMessagePipeline(this IHostApplicationBuilder builder, RedisOptions redis, int inferenceParallelism)
    {
        var services = builder.Services;
        services.TryAddSingletonTimeProvider();
        services.AddOptions<IntakeOptions>().Bind(builder.Configuration.GetSection(IntakeOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<QueueOptions>().Bind(builder.Configuration.GetSection(QueueOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var queue = builder.Configuration.GetSection(QueueOptions.Section).Get<QueueOptions>() ?? new QueueOptions();

        services.AddSingleton(new EnvelopeSealer(EnvelopeKey(queue, redis)));
        services.AddSingleton<MessageIntake>();
        services.AddSingleton<IAnswerQueue, HangfireAnswerQueue>();
        if (redis.Enabled)
        {
            services.AddSingleton<IDedupeStore, RedisDedupeStore>();
        }
        else
        {
            services.AddSingleton<IDedupeStore, MemoryDedupeStore>();
        }

        services.AddHangfire((provider, config) =>
        {
            config.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings()
                .UseFilter(new DeleteWhenDoneFilter())
                .UseFilter(new AutomaticRetryAttribute { Attempts = queue.Retries, OnAttemptsExceeded = AttemptsExceededAction.Delete });
            if (redis.Enabled)
            {
                config.UseRedisStorage(provider.GetRequiredService<IConnectionMultiplexer>(), new RedisStorageOptions { Prefix = "chatbot:hangfire:" });
            }
            else
            {
                config.UseInMemoryStorage();
            }
        });
        services.AddHangfireServer(options =>
        {
            options.WorkerCount = queue.WorkerCount > 0 ? queue.WorkerCount : inferenceParallelism;
            options.SchedulePollingInterval = TimeSpan.FromSeconds(1);
        });
        return builder;
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
