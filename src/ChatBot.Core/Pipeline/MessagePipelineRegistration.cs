using System.Security.Cryptography;
using ChatBot.Core.AdminFiles;
using ChatBot.Core.Audit;
using ChatBot.Core.Configuration;
using ChatBot.Core.Conversations;
using ChatBot.Core.Claims;
using ChatBot.Core.Knowledge;
using ChatBot.Core.Knowledge.Access;
using ChatBot.Knowledge.Search;
using ChatBot.Core.Messages;
using ChatBot.Core.Observability;
using ChatBot.Core.Queue;
using ChatBot.Core.Quotas;
using ChatBot.Core.Replies;
using ChatBot.Core.Screening;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Pipeline;

/// <summary>
/// Core registers itself: intake, claims, screening, quotas, knowledge, sealed envelopes, the answer job and its
/// line, and the stores — in memory by default, in Redis when configured. Where jobs live and run (Hangfire's
/// storage, filters and server) is the host's business. Every options class is validated at start; the admin files
/// (quotas, sensitive words, glossary) load at start, so a broken one stops start-up instead of the first message.
/// </summary>
public static class MessagePipelineRegistration
{
    /// <param name="redis">Whether the stores are shared through Redis (an <c>IConnectionMultiplexer</c> is registered).</param>
    /// <param name="parallelism">Answers the model generates at once (Inference:ParallelSequences): the answer line's room.</param>
    public static IServiceCollection AddMessagePipeline(this IServiceCollection services, IConfiguration configuration, bool redis, int parallelism)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<ChatBotMetrics>();

        // Audit lines and log lines name people by a pseudonym under this key, set once before anything logs (the
        // pseudonyms are static so every log line can use them); the audit validator refuses a trail without it.
        var privacy = configuration.GetSection(Privacy.PrivacyOptions.Section);
        Privacy.Pseudonym.UseKey(privacy.Get<Privacy.PrivacyOptions>()?.PseudonymKey);
        services.AddOptions<Privacy.PrivacyOptions>().Bind(privacy);
        services.AddOptionsWithValidateOnStart<AuditOptions, AuditOptionsValidator>().Bind(configuration.GetSection(AuditOptions.Section));
        services.AddOptionsWithValidateOnStart<IntakeOptions, IntakeOptionsValidator>().Bind(configuration.GetSection(IntakeOptions.Section));
        services.AddOptionsWithValidateOnStart<RedisOptions, RedisOptionsValidator>().Bind(configuration.GetSection(RedisOptions.Section));
        services.AddOptionsWithValidateOnStart<QueueOptions, QueueOptionsValidator>().Bind(configuration.GetSection(QueueOptions.Section));
        services.AddOptionsWithValidateOnStart<AnswerOptions, AnswerOptionsValidator>().Bind(configuration.GetSection(AnswerOptions.Section))
            .PostConfigure<IConfiguration>((o, all) => o.PlaceInLineText = RenamedSettings.Carried(all, "Answers:PlaceInLineText") ?? o.PlaceInLineText);
        services.AddHostedService<RenamedSettings>();
        services.AddOptionsWithValidateOnStart<ScreeningOptions, ScreeningOptionsValidator>().Bind(configuration.GetSection(ScreeningOptions.Section));
        services.AddOptionsWithValidateOnStart<QuotaOptions, QuotaOptionsValidator>().Bind(configuration.GetSection(QuotaOptions.Section));
        services.AddOptionsWithValidateOnStart<KnowledgeOptions, KnowledgeOptionsValidator>().Bind(configuration.GetSection(KnowledgeOptions.Section));

        services.AddSingleton<AuditTrail>();
        services.AddHostedService(provider => provider.GetRequiredService<AuditTrail>());
        services.AddSingleton(provider => new HotReloadedFile<SensitiveWordList>(Options<ScreeningOptions>(provider).WordListFile, SensitiveWordList.Parse,
            provider.GetRequiredService<ILogger<SensitiveWordList>>(), Audited(provider)));
        services.AddSingleton<DepartmentNames>();
        services.AddSingleton(provider =>
        {
            var names = provider.GetRequiredService<DepartmentNames>();
            return new HotReloadedFile<QuotaPolicy>(Options<QuotaOptions>(provider).PolicyFile, (text, source) => names.Resolve(QuotaPolicy.Parse(text, source), source),
                provider.GetRequiredService<ILogger<QuotaPolicy>>(), Audited(provider));
        });
        services.AddSingleton(provider =>
        {
            var knowledge = Options<KnowledgeOptions>(provider);
            return new KnowledgeBase(knowledge.Folder,
                File.Exists(knowledge.SynonymsFile)
                    ? new HotReloadedFile<Glossary>(knowledge.SynonymsFile, GlossaryFile.Parse, provider.GetRequiredService<ILogger<Glossary>>(), Audited(provider))
                    : null,
                provider.GetRequiredService<ILogger<KnowledgeBase>>(), knowledge.LexiconFile,
                provider.GetService<IEmbeddingGenerator<string, Embedding<float>>>(), Audited(provider), knowledge.ThesaurusFile);
        });
        services.AddSingleton(provider => new SystemPrompt(Options<AnswerOptions>(provider).SystemPromptFile, provider.GetRequiredService<ILogger<SystemPrompt>>(),
            Audited(provider)));
        services.AddSingleton<AskerDepartments>();
        services.AddSingleton<SensitiveWordScreener>();
        services.AddSingleton<QuotaGate>();
        services.AddSingleton<ChatBot.Core.Commands.CommandReplies>();
        services.AddSingleton<ChatBot.Core.Commands.PauseSwitch>();
        services.AddOptions<ChatBot.Core.Roles.RoleOptions>().Bind(configuration.GetSection(ChatBot.Core.Roles.RoleOptions.Section));
        services.AddOptionsWithValidateOnStart<ConversationOptions, ConversationOptionsValidator>().Bind(configuration.GetSection(ConversationOptions.Section));
        services.AddSingleton<ConversationMemory>();

        // Validated by QueueOptionsValidator with every other setting; a bad key never gets this far.
        services.ReplyRouteKinds();
        services.AddSingleton(provider => new EnvelopeSealer(QueueOptionsValidator.Key(Options<QueueOptions>(provider)) ?? RandomNumberGenerator.GetBytes(32),
            provider.GetRequiredService<ReplyRouteKinds>()));
        services.AddSingleton<IntakeSettlement>();
        services.AddSingleton<IntakeNotices>();
        services.AddSingleton<MessageIntake>();
        services.AddSingleton<IAnswerQueue, HangfireAnswerQueue>();
        services.AddSingleton(provider => new AnswerLine(parallelism, perUser: Options<QuotaOptions>(provider).MaxInFlightPerUser));
        services.AddSingleton<LineNotice>();
        services.AddSingleton<AnswerDelivery>();
        services.AddSingleton<AnswerSettlement>();
        services.AddHostedService<AdminFilesCheck>();
        if (redis)
        {
            services.AddSingleton<IClaimStore, RedisClaimStore>();
            services.AddSingleton<IQuotaLedger, RedisQuotaLedger>();
            services.AddSingleton<IDeliveryLedger, RedisDeliveryLedger>();
            services.AddSingleton<ISendPacer, RedisSendPacer>();
            services.AddSingleton<IConversationStore, RedisConversationStore>();
        }
        else
        {
            services.AddSingleton<IClaimStore, MemoryClaimStore>();
            services.AddSingleton<IQuotaLedger, MemoryQuotaLedger>();
            services.AddSingleton<IDeliveryLedger, MemoryDeliveryLedger>();
            services.AddSingleton<ISendPacer, MemorySendPacer>();
            services.AddSingleton<IConversationStore, MemoryConversationStore>();
        }

        return services;
    }

    /// <summary>
    /// What writes answers, on an instance that runs workers only: it needs the chat client, which an intake-only
    /// instance does not have (Queue:RunWorkers=false loads no model). The client is resolved at the first model
    /// turn, not when a job is built: the local client's resolution waits for the model's load, and a notice, an
    /// expiry or an admin command must not wait for that. A failed resolution is not cached (the host stops on it).
    /// </summary>
    public static IServiceCollection AddAnswerWriting(this IServiceCollection services)
    {
        services.AddSingleton(provider => new Lazy<IChatClient>(provider.GetRequiredService<IChatClient>, LazyThreadSafetyMode.PublicationOnly));
        services.AddSingleton<ModelTurn>();
        services.AddSingleton<AnswerWriter>();
        return services;
    }

    private static T Options<T>(IServiceProvider provider)
        where T : class => provider.GetRequiredService<IOptions<T>>().Value;

    /// <summary>Every edit of an admin file, taken or refused, as an <c>admin</c> audit line: when a limit changed is on record.</summary>
    private static Action<AdminFileChange> Audited(IServiceProvider provider)
    {
        var audit = provider.GetRequiredService<AuditTrail>();
        var clock = provider.GetService<TimeProvider>() ?? TimeProvider.System;
        return change => audit.Write(AuditRecord.ForFileChange(change, clock.GetUtcNow()));
    }

    /// <summary>Loads the admin files at start-up, so a broken one stops start-up instead of the first message.</summary>
    private sealed class AdminFilesCheck(HotReloadedFile<SensitiveWordList> words, HotReloadedFile<QuotaPolicy> quotas, KnowledgeBase knowledge, SystemPrompt prompt) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = prompt.Text;
            _ = words.Current;
            _ = quotas.Current;
            _ = knowledge.Glossary;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
