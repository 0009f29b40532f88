using System.Collections.Concurrent;
using ChatBot.Core.Messages;
using ChatBot.Core.Queue;

namespace ChatBot.IntegrationTests.Infrastructure;

/// <summary>
/// Stands in for Hangfire at the queue boundary when a test is about intake only: it records what would have
/// been queued. Can be told to fail, as a storage outage would.
/// </summary>
public sealed class RecordingAnswerQueue : IAnswerQueue
{
    private readonly ConcurrentQueue<(InboundMessage Message, AnswerKind Kind)> _queued = new();

    public IReadOnlyList<(InboundMessage Message, AnswerKind Kind)> Queued => [.. _queued];

    public bool Fail { get; set; }

    public Task<string> EnqueueAsync(AnswerRequest answer, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        if (Fail)
        {
            throw new InvalidOperationException("queue storage unavailable (test)");
        }

        _queued.Enqueue((answer.Message, answer.Kind));
        return Task.FromResult(_queued.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
