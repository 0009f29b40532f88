using System.Diagnostics;
using System.Globalization;
using ChatBot.Core.Conversations;
using ChatBot.Core.Messages;
using ChatBot.Core.Privacy;
using ChatBot.Core.Queue;
using ChatBot.Core.Quotas;
using ChatBot.Core.Replies;
using ChatBot.Core.Screening;
using Hangfire.Server;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Pipeline;

/// <summary>
/// The background half of the story: open → prompt → IChatClient → screen → send → settle. Its only argument is
/// the sealed envelope, so Hangfire storage holds ciphertext and nothing else. Reentrant: a retry after a crash
/// checks the delivery ledger before sending again.
/// </summary>
public sealed partial class AnswerJob(
    EnvelopeSealer sealer,
    IChatClient chat,
    [FromKeyedServices(AnswerJob.SystemPromptKey)] Func<string> systemPrompt,
    SensitiveWordScreener screener,
    IOptionsMonitor<ScreeningOptions> screening,
    IOptionsMonitor<QuotaOptions> quotaOptions,
    IOptionsMonitor<QueueOptions> queueOptions,
    QuotaGate quotas,
    IDeliveryLedger delivery,
    ConversationMemory memory,
    IServiceProvider services,
    ILogger<AnswerJob> logger)
{
    public const string SystemPromptKey = "system-prompt";

    // WeCom polls streams; a few updates a second is all a refresh can show.
    private static readonly TimeSpan StreamUpdateInterval = TimeSpan.FromMilliseconds(250);

    public async Task RunAsync(string envelope, PerformContext? context, CancellationToken cancellationToken)
    {
        SealedAnswer answer;
        try
        {
            answer = sealer.Open(envelope);
        }
        catch (EnvelopeException ex)
        {
            // Can never succeed (another instance's key, or a restart of the in-memory default): drop it, say why.
            LogUnopenable(logger, ex.Message);
            return;
        }

        var message = answer.Message;
        var hash = LogId.Hash(message.MessageId);
        if (await delivery.WasSentAsync(message.DedupeKey, cancellationToken))
        {
            LogAlreadySent(logger, message.Platform, hash);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            var text = answer.Kind switch
            {
                AnswerKind.Inference => await InferAsync(message, hash, cancellationToken),
                AnswerKind.OverQuota => string.Format(CultureInfo.InvariantCulture, quotaOptions.CurrentValue.OverQuotaText,
                    answer.QuotaResetsAt?.ToString("yyyy-MM-dd HH:mm (zzz)", CultureInfo.InvariantCulture)),
                AnswerKind.OverBurst => quotaOptions.CurrentValue.OverBurstText,
                _ => screening.CurrentValue.RefusalText,
            };

            await SendAsync(message, text, cancellationToken);
            if (answer.Kind == AnswerKind.Inference && message.ChatKind == ChatKind.Direct)
            {
                memory.Remember(ConversationKey(message), message.Text, text);
            }

            LogAnswered(logger, message.Platform, hash, answer.Kind, text.Length, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var attempt = context?.GetJobParameter<int>("RetryCount") ?? 0;
            if (attempt < queueOptions.CurrentValue.Retries)
            {
                LogWillRetry(logger, message.Platform, hash, ex.GetType().Name, attempt + 1);
                throw;
            }

            // The system failed, not the user: the question is given back, and the user is told.
            LogGaveUp(logger, message.Platform, hash, ex.GetType().Name, attempt + 1);
            if (answer.ChargedDay is { } day)
            {
                await quotas.RefundAsync(message, day, CancellationToken.None);
            }

            try
            {
                await SendAsync(message, "抱歉，系统暂时无法回答，请稍后再试。Sorry, I could not answer this time; please try again later.", CancellationToken.None);
            }
            catch (Exception notifyError) when (notifyError is not OutOfMemoryException)
            {
                LogNotifyFailed(logger, message.Platform, hash, notifyError.GetType().Name);
            }
        }
    }

    private async Task<string> InferAsync(InboundMessage message, string hash, CancellationToken cancellationToken)
    {
        List<ChatMessage> prompt = [new(ChatRole.System, systemPrompt())];
        if (message.ChatKind == ChatKind.Direct)
        {
            prompt.AddRange(memory.Recall(ConversationKey(message)));
        }

        prompt.Add(new ChatMessage(ChatRole.User, message.Text));
        var options = screening.CurrentValue;
        var screen = new StreamingScreen(screener, options.OutputAction, options.ReplacementText);
        var streaming = services.GetRequiredKeyedService<IReplySender>(message.Route.SenderKey) is IStreamingReplySender s && s.Streams(message) ? s : null;
        var lastUpdate = 0L;
        await foreach (var update in chat.GetStreamingResponseAsync(prompt, cancellationToken: cancellationToken))
        {
            // Only screened text is ever shown: what the hold-back has released, no more.
            if (screen.Feed(update.Text).Length > 0 && streaming is not null && Stopwatch.GetElapsedTime(lastUpdate) > StreamUpdateInterval)
            {
                await streaming.UpdateAsync(message, screen.Released, cancellationToken);
                lastUpdate = Stopwatch.GetTimestamp();
            }

            if (screen.Replaced)
            {
                break;
            }
        }

        screen.Finish();
        if (screen.Hits > 0)
        {
            LogOutputScreened(logger, message.Platform, hash, screen.Hits, string.Join(",", screen.Categories), options.OutputAction);
        }

        return screen.Released;
    }

    private async Task SendAsync(InboundMessage message, string text, CancellationToken cancellationToken)
    {
        var sender = services.GetRequiredKeyedService<IReplySender>(message.Route.SenderKey);
        await sender.SendAsync(message, text, cancellationToken);
        await delivery.MarkSentAsync(message.DedupeKey, CancellationToken.None);
    }

    private static string ConversationKey(InboundMessage message) => $"{message.Platform}:{message.BotId}:{message.SenderId}";

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information,
        Message = "Answered {Platform} msg={MessageHash} as {Kind}: {Chars} chars in {ElapsedMs:F0} ms")]
    private static partial void LogAnswered(ILogger logger, Platform platform, string messageHash, AnswerKind kind, int chars, double elapsedMs);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Answer for {Platform} msg={MessageHash} was already sent; not sending again")]
    private static partial void LogAlreadySent(ILogger logger, Platform platform, string messageHash);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Answer for {Platform} msg={MessageHash} failed with {ErrorType} (attempt {Attempt}); Hangfire retries it")]
    private static partial void LogWillRetry(ILogger logger, Platform platform, string messageHash, string errorType, int attempt);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Error, Message = "Answer for {Platform} msg={MessageHash} failed with {ErrorType} after {Attempts} attempts; quota refunded, user told")]
    private static partial void LogGaveUp(ILogger logger, Platform platform, string messageHash, string errorType, int attempts);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Error, Message = "A queued envelope could not be opened and was dropped: {Reason}")]
    private static partial void LogUnopenable(ILogger logger, string reason);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Information, Message = "Output screened {Platform} msg={MessageHash}: {Hits} hits, categories {Categories}, action {Action}")]
    private static partial void LogOutputScreened(ILogger logger, Platform platform, string messageHash, int hits, string categories, OutputAction action);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Error, Message = "Could not tell {Platform} msg={MessageHash} about the failure: {ErrorType}")]
    private static partial void LogNotifyFailed(ILogger logger, Platform platform, string messageHash, string errorType);
}
