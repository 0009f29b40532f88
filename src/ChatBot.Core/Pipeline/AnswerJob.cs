using System.Diagnostics;
using ChatBot.Core.Messages;
using ChatBot.Core.Privacy;
using ChatBot.Core.Queue;
using ChatBot.Core.Replies;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatBot.Core.Pipeline;

/// <summary>
/// The background half of the story: open the envelope → prompt → IChatClient → send.
/// Its only argument is the sealed envelope, so Hangfire storage holds ciphertext and nothing else.
/// </summary>
public sealed partial class AnswerJob(
    EnvelopeSealer sealer,
    IChatClient chat,
    [FromKeyedServices(AnswerJob.SystemPromptKey)] Func<string> systemPrompt,
    IServiceProvider services,
    ILogger<AnswerJob> logger)
{
    public const string SystemPromptKey = "system-prompt";

    public async Task RunAsync(string envelope, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var sealedAnswer = sealer.Open(envelope);
        var message = sealedAnswer.Message;
        var text = sealedAnswer.Kind switch
        {
            AnswerKind.Inference => await InferAsync(message, cancellationToken),
            AnswerKind.OverQuota => "You have reached today's question limit. It resets at midnight.",
            _ => "Sorry, I can't help with that request.",
        };

        var sender = services.GetRequiredKeyedService<IReplySender>(message.Route.SenderKey);
        await sender.SendAsync(message, text, cancellationToken);
        LogAnswered(logger, message.Platform, LogId.Hash(message.MessageId), sealedAnswer.Kind, text.Length,
            Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private async Task<string> InferAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        List<ChatMessage> prompt = [new(ChatRole.System, systemPrompt()), new(ChatRole.User, message.Text)];
        var response = await chat.GetResponseAsync(prompt, cancellationToken: cancellationToken);
        return response.Text;
    }

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information,
        Message = "Answered {Platform} msg={MessageHash} as {Kind}: {Chars} chars in {ElapsedMs:F0} ms")]
    private static partial void LogAnswered(ILogger logger, Platform platform, string messageHash, AnswerKind kind, int chars, double elapsedMs);
}
