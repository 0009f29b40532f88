using System.Collections.Concurrent;
using ChatBot.Core.Messages;
using ChatBot.Core.Pipeline;
using ChatBot.Core.Replies;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.IntegrationTests.Infrastructure;

/// <summary>Stands in for the platform APIs at the reply boundary, for tests about the pipeline rather than the APIs.</summary>
public sealed class RecordingReplySender : IReplySender
{
    private readonly ConcurrentQueue<(InboundMessage Message, string Text)> _sent = new();

    public IReadOnlyList<(InboundMessage Message, string Text)> Sent => [.. _sent.Where(s => !s.Message.MessageId.EndsWith(LineNotice.MessageIdSuffix, StringComparison.Ordinal))];

    /// <summary>"You are number N in line" notices, sent while the question waited for the model (not answers).</summary>
    public IReadOnlyList<(InboundMessage Message, string Text)> LineNotices => [.. _sent.Where(s => s.Message.MessageId.EndsWith(LineNotice.MessageIdSuffix, StringComparison.Ordinal))];

    /// <summary>Awaited before each send is recorded: a test holds a worker here to build a backlog behind it.</summary>
    public Func<InboundMessage, Task> BeforeSend { get; set; } = _ => Task.CompletedTask;

    public async Task SendAsync(InboundMessage message, string text, CancellationToken cancellationToken)
    {
        await BeforeSend(message);
        _sent.Enqueue((message, text));
    }

    public void Register(IServiceCollection services)
    {
        foreach (var key in services.ReplyRouteKinds().SenderKeys)
        {
            services.AddKeyedSingleton<IReplySender>(key, this);
        }
    }
}
