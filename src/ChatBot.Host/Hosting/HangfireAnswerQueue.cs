using ChatBot.Core.Messages;
using ChatBot.Core.Pipeline;
using ChatBot.Core.Queue;
using Hangfire;

namespace ChatBot.Host.Hosting;

/// <summary>Queues one Hangfire job per accepted message; its only argument is the sealed envelope.</summary>
internal sealed class HangfireAnswerQueue(IBackgroundJobClient jobs, EnvelopeSealer sealer) : IAnswerQueue
{
    public Task<string> EnqueueAsync(InboundMessage message, AnswerKind kind, CancellationToken cancellationToken)
    {
        var envelope = sealer.Seal(new SealedAnswer(message, kind));
        var id = jobs.Enqueue<AnswerJob>(job => job.RunAsync(envelope, CancellationToken.None));
        return Task.FromResult(id);
    }
}
