using System.Diagnostics;
using System.Text;
using ChatBot.Core.Conversations;
using ChatBot.Core.Messages;
using ChatBot.Core.Observability;
using ChatBot.Core.Privacy;
using ChatBot.Core.Replies;
using ChatBot.Core.Screening;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Pipeline;

/// <summary>
/// The model's turn at a question: the prompt (system prompt, grounding, the conversation so far, the question), a
/// place in the answer line, the words streamed through the output screen — to a stream where the channel has one, a
/// "thinking" notice where it has not — and kept as they come (<see cref="PartialAnswer"/>). Returns the screened
/// answer in the form its channel shows.
/// </summary>
public sealed partial class ModelTurn(
    Lazy<IChatClient> chat,
    SystemPrompt systemPrompt,
    SensitiveWordScreener screener,
    IOptionsMonitor<ScreeningOptions> screening,
    IOptionsMonitor<AnswerOptions> answerOptions,
    LineNotice line,
    ConversationMemory memory,
    AnswerDelivery replies,
    ChatBotMetrics metrics,
    ILogger<ModelTurn> logger)
{
    // WeCom polls streams; a few updates a second is all a refresh can show.
    private static readonly TimeSpan StreamUpdateInterval = TimeSpan.FromMilliseconds(250);

    internal async Task<string> WriteAsync(InboundMessage message, ChatMessage? grounding, string hash, PartialAnswer partial, AnswerFacts facts,
        CancellationToken cancellationToken)
    {
        List<ChatMessage> prompt = [new(ChatRole.System, systemPrompt.Text)];
        if (grounding is not null)
        {
            prompt.Add(grounding);
        }

        prompt.AddRange(await RecallAsync(message, hash, cancellationToken));

        prompt.Add(new ChatMessage(ChatRole.User, message.Text));
        var options = screening.CurrentValue;
        var screen = new StreamingScreen(screener, options.OutputAction, options.ReplacementText);
        // A worker that died mid-answer kept its words so far: the model continues them, and they are screened as
        // if just written (a stream shows them again with the first new words). Only the local engine is known to
        // continue a chat that ends with the assistant's words (LlamaChatClient leaves that turn open); a remote
        // server may open a new turn after them (vLLM without continue_final_message), so there the answer is
        // written again from the start.
        var continues = ContinuesAnswers;
        var earlier = continues ? partial.Earlier() : null;
        var written = new StringBuilder(earlier);
        if (earlier is { Length: > 0 })
        {
            LogContinued(logger, message.Platform, hash, earlier.Length);
            prompt.Add(new ChatMessage(ChatRole.Assistant, earlier));
            screen.Feed(earlier);
        }

        var keepFailed = false;
        var streaming = replies.SenderFor(message) is IStreamingReplySender s && s.Streams(message) ? s : null;
        using var turn = await line.WaitForTurnAsync(message, streaming, cancellationToken);
        await using var thinking = StartThinking(message, streaming is not null);
        var lastUpdate = 0L;
        var (begun, firstToken, pieces) = (Stopwatch.GetTimestamp(), TimeSpan.Zero, 0);
        long? modelTokens = null;
        await foreach (var update in screen.Replaced ? AsyncEnumerable.Empty<ChatResponseUpdate>() : chat.Value.GetStreamingResponseAsync(prompt, cancellationToken: cancellationToken))
        {
            // The closing update carries the model's own count; pieces are not tokens (a character split across
            // tokens arrives as one piece, and a remote server may send several tokens in one).
            modelTokens = update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details.OutputTokenCount ?? modelTokens;
            if (update.Text.Length == 0)
            {
                continue;
            }

            if (pieces++ == 0)
            {
                thinking.Cancel();
                firstToken = Stopwatch.GetElapsedTime(begun);
            }

            written.Append(update.Text);
            if (continues && !partial.Keep(written) && !keepFailed)
            {
                keepFailed = true;
                LogPartialNotKept(logger, message.Platform, hash);
            }

            // Only screened text is ever shown: what the hold-back has released, no more.
            if (screen.Feed(update.Text).Length > 0 && streaming is not null && Stopwatch.GetElapsedTime(lastUpdate) > StreamUpdateInterval)
            {
                // Personal data masked as it streams: a number still arriving waits until it can be told whole.
                await streaming.UpdateAsync(message, facts.Opening + replies.Mask(screen.Released[..PersonalData.SafeLength(screen.Released)], count: false), cancellationToken);
                lastUpdate = Stopwatch.GetTimestamp();
            }

            if (screen.Replaced)
            {
                break;
            }
        }

        thinking.Cancel();
        screen.Finish();
        var tokens = (int)(modelTokens ?? pieces);
        metrics.Generated(tokens, firstToken, Stopwatch.GetElapsedTime(begun));
        facts.Tokens = tokens;
        foreach (var category in screen.Categories)
        {
            metrics.ScreeningHit("output", category);
        }

        if (screen.Hits > 0)
        {
            LogOutputScreened(logger, message.Platform, hash, screen.Hits, string.Join(",", screen.Categories), options.OutputAction);
        }

        if (message.Route.Dialect == MarkdownDialect.Full)
        {
            return screen.Released;
        }

        // A channel that shows less than the model wrote gets its own rendition (clean text, or the part of Markdown
        // its messages render), screened again: taking markup out can join what it had split ("敏**感**词").
        var shown = new StreamingScreen(screener, options.OutputAction, options.ReplacementText);
        shown.Feed(MarkdownText.Write(screen.Released, message.Route.Dialect));
        shown.Finish();
        return shown.Released;
    }

    private bool ContinuesAnswers => chat.Value.GetService<ChatClientMetadata>()?.ProviderName == LocalProvider;

    // The provider name the local engine's client reports (ChatBot.Inference.LlamaChatClient).
    private const string LocalProvider = "llama.cpp";

    // Memory helps a follow-up; it never costs an answer: a store that fails is logged and the answer goes on without it.
    private async Task<IReadOnlyList<ChatMessage>> RecallAsync(InboundMessage message, string hash, CancellationToken cancellationToken)
    {
        try
        {
            return await memory.RecallAsync(message, cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
        {
            LogMemoryFailed(logger, message.Platform, hash, ex.GetType().Name);
            return [];
        }
    }

    /// <summary>
    /// A sign of life where the channel cannot stream (the WeCom app, DingTalk without a card): when the model has not
    /// begun its answer after <c>Answers:ThinkingNoticeAfter</c>, one short message in a direct chat (a group would read
    /// it as noise). Sent like any part — through the delivery ledger and the conversation's send rate — and never
    /// allowed to fail the answer.
    /// </summary>
    private ThinkingNotice StartThinking(InboundMessage message, bool streams)
    {
        var options = answerOptions.CurrentValue;
        if (streams || message.ChatKind != ChatKind.Direct || options.ThinkingNoticeAfter <= TimeSpan.Zero || options.ThinkingText is not { Length: > 0 } text)
        {
            return new ThinkingNotice(TimeSpan.Zero, () => Task.CompletedTask);
        }

        return new ThinkingNotice(options.ThinkingNoticeAfter, () => replies.NotifyAsync(message, "#thinking", text));
    }

    /// <summary>Sends once after a delay unless cancelled first (the answer began).</summary>
    private sealed class ThinkingNotice : IAsyncDisposable
    {
        private readonly CancellationTokenSource _cancel = new();
        private readonly Task _sending;

        public ThinkingNotice(TimeSpan after, Func<Task> send) =>
            _sending = after > TimeSpan.Zero ? SendAsync(after, send, _cancel.Token) : Task.CompletedTask;

        public void Cancel() => _cancel.Cancel();

        private static async Task SendAsync(TimeSpan after, Func<Task> send, CancellationToken cancellationToken)
        {
            try
            {
                await Task.Delay(after, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return; // the answer began in time: no notice
            }

            await send();
        }

        // A notice already on its way is let finish, so it is not cut off half-sent; the CTS has no timer to free.
        public async ValueTask DisposeAsync()
        {
            await _cancel.CancelAsync();
            await _sending;
        }
    }

    [LoggerMessage(EventId = 1205, Level = LogLevel.Information, Message = "Output screened {Platform} msg={MessageHash}: {Hits} hits, categories {Categories}, action {Action}")]
    private static partial void LogOutputScreened(ILogger logger, Platform platform, string messageHash, int hits, string categories, OutputAction action);

    [LoggerMessage(EventId = 1217, Level = LogLevel.Warning, Message = "Conversation memory for {Platform} msg={MessageHash} unavailable ({ErrorType}); answered without it")]
    private static partial void LogMemoryFailed(ILogger logger, Platform platform, string messageHash, string errorType);

    [LoggerMessage(EventId = 1219, Level = LogLevel.Information,
        Message = "Answer for {Platform} msg={MessageHash} continued from the {Chars} chars an earlier attempt kept, not written again")]
    private static partial void LogContinued(ILogger logger, Platform platform, string messageHash, int chars);

    [LoggerMessage(EventId = 1220, Level = LogLevel.Warning,
        Message = "The words so far of {Platform} msg={MessageHash} could not be kept; the answer goes on, but a crash would start it again")]
    private static partial void LogPartialNotKept(ILogger logger, Platform platform, string messageHash);
}
